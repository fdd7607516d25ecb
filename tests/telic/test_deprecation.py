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


def test_names_that_left_the_personalization_api_still_resolve() -> None:
    import personalization
    from personalization.toolkit import find_quote
    from personalization.users import condition_summary

    with pytest.warns(DeprecationWarning, match=r"personalization\.toolkit"):
        assert personalization.find_quote is find_quote
    with pytest.warns(DeprecationWarning, match=r"personalization\.users"):
        assert personalization.condition_summary is condition_summary
    with pytest.warns(DeprecationWarning, match="bootstrap_mean_ci"):
        assert personalization.bootstrap_ci is personalization.bootstrap_mean_ci
    assert "find_quote" not in personalization.__all__
    assert len(personalization.__all__) < 80


def test_importing_envs_and_making_a_policy_does_not_import_model_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys, envs; envs.make_policies('oracle'); envs.registered_envs();"
        "print(sorted(m for m in ('langchain_core', 'personalization._infer') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
