"""Moved public names keep working for one release, with a DeprecationWarning."""

from __future__ import annotations

import pytest


def test_envs_users_alias_resolves_to_the_new_home() -> None:
    from personalization.users import get_user as new

    with pytest.warns(DeprecationWarning, match=r"import get_user from personalization\.users"):
        from envs.users import get_user
    assert get_user is new


def test_envs_personalized_alias_resolves_to_the_new_home() -> None:
    from personalization.hyperalign import AuthorshipScorer as new

    with pytest.warns(DeprecationWarning, match=r"personalization\.hyperalign"):
        from envs.personalized import AuthorshipScorer
    assert AuthorshipScorer is new


def test_alias_does_not_invent_names() -> None:
    import envs.users

    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        envs.users.not_a_name  # noqa: B018
    with pytest.raises(AttributeError):
        envs.users._private  # noqa: B018
