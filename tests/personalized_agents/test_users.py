"""The user library, profile validation, demonstrations and their determinism."""

from __future__ import annotations

import itertools

import pytest

from personalization.users import (
    PREFERENCE_KEYS,
    SimulatedUser,
    UnknownUserIdError,
    UserError,
    all_users,
    demonstrations,
    disagreement,
    get_user,
    keys_of,
    placebo_user,
    rate_message,
    register_user,
)


def test_library_has_at_least_six_clearly_different_users_per_world() -> None:
    for world in ("blocksworld", "writing"):
        users = list(all_users(world).values())
        assert len(users) >= 6
        for a, b in itertools.combinations(users, 2):
            assert disagreement(a, b) >= 1, (a.id, b.id)
        profiles = {tuple(sorted(u.claims.items())) for u in users}
        assert len(profiles) == len(users)


def test_every_key_value_of_the_schema_is_used_by_some_bundled_user() -> None:
    used = {(k, v) for u in all_users().values() for k, v in u.claims.items()}
    for key in ("measurement_cost", "risk", "report", "length", "formality"):
        for value in PREFERENCE_KEYS[key].values:
            assert (key, value) in used, (key, value)


def test_unknown_user_gets_a_did_you_mean() -> None:
    with pytest.raises(UnknownUserIdError, match="Did you mean 'frugal_fay'"):
        get_user("frugal_fey")
    with pytest.raises(UnknownUserIdError, match="unknown writing user"):
        get_user("frugal_fay", "writing")


@pytest.mark.parametrize(
    ("prefs", "needle"),
    [
        ({"measurement_cost": "high", "risk": "neutral", "report": "loud"}, "must be one of"),
        ({"measurement_cost": "high", "risk": "neutral", "reprot": "none"}, "Did you mean"),
        ({"measurement_cost": "high", "risk": "neutral"}, "missing ['report']"),
        (
            {
                "measurement_cost": "high",
                "risk": "neutral",
                "report": "none",
                "top_block": "a",
                "base_block": "a",
            },
            "must differ",
        ),
        (
            {"measurement_cost": "high", "risk": "neutral", "report": "none", "length": "short"},
            "do not belong",
        ),
    ],
)
def test_bad_profiles_are_rejected_with_the_reason(prefs: dict[str, str], needle: str) -> None:
    with pytest.raises(ValueError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        SimulatedUser(id="x_user", world="blocksworld", preferences=prefs)


def test_register_user_refuses_a_changed_profile_under_an_existing_id() -> None:
    clash = get_user("plain_pat").model_copy(
        update={"preferences": {**get_user("plain_pat").preferences, "report": "brief"}}
    )
    with pytest.raises(UserError, match="already in the library"):
        register_user(clash)
    register_user(get_user("plain_pat"))  # the same user again is a no-op


def test_placebo_user_is_the_most_different_other_user() -> None:
    for user in all_users().values():
        other = placebo_user(user)
        assert other.id != user.id and other.world == user.world
        best = max(disagreement(user, u) for u in all_users(user.world).values() if u.id != user.id)
        assert disagreement(user, other) == best


@pytest.mark.parametrize("user_id", sorted(all_users()))
def test_demonstrations_are_deterministic_for_a_seed(user_id: str) -> None:
    user = get_user(user_id)
    first = demonstrations(user, 12, seed=5)
    assert first == demonstrations(user, 12, seed=5)
    assert [d.text for d in first] != [d.text for d in demonstrations(user, 12, seed=6)]
    assert demonstrations(user, 0, seed=5) == []
    # a prefix property: n demonstrations are the first n of a longer draw
    assert demonstrations(user, 5, seed=5) == first[:5]


def test_demonstrations_follow_the_profile_up_to_the_noise() -> None:
    user = get_user("frugal_fay")
    demos = demonstrations(user, 400, seed=1)
    assert {d.key for d in demos} == set(keys_of("blocksworld"))
    consistent = sum(d.consistent for d in demos) / len(demos)
    # inconsistent demonstrations show a random value, which can be the true one by chance
    assert 1 - user.noise <= consistent < 1.0
    for d in demos:
        assert d.consistent == (d.shown == user.preferences.get(d.key))


def test_bad_demonstration_arguments() -> None:
    with pytest.raises(UserError, match="non-negative integer"):
        demonstrations(get_user("frugal_fay"), -1)
    with pytest.raises(UserError, match="seed must be an integer"):
        demonstrations(get_user("frugal_fay"), 2, seed="x")  # type: ignore[arg-type]


@pytest.mark.parametrize("user_id", sorted(all_users("writing")))
def test_writing_users_rate_their_own_consistent_messages_fully(user_id: str) -> None:
    user = get_user(user_id)
    demos = demonstrations(user, 30, seed=2)
    for demo in demos:
        rating = rate_message(user, demo.text)
        if demo.consistent:
            assert rating.reward == 1.0, (demo.text, rating.notes)
        else:
            assert rating.reward < 1.0, (demo.key, demo.text)
            assert rating.satisfied[demo.key] is False
