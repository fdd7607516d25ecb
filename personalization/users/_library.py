"""The library of simulated users: the bundled ones (``data/users.json``) and registered ones.

:func:`get_user` finds a user by id (unknown ids get a did-you-mean); :func:`register_user`
adds one (a plugin module named in a scenario's ``plugins:`` can call it, see
``docs/adding_a_simulated_user.md``); :func:`placebo_user` picks, for the swap placebo, the
other user of the same world whose profile disagrees with this one on the most keys.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from personalization.users._profiles import PREFERENCE_KEYS, SimulatedUser, UserError
from telic import Registry, UnknownNameError, unknown_name

#: Users added with :func:`register_user` (the bundled ones are read from ``data/users.json``).
_REGISTERED: Registry[SimulatedUser] = Registry("simulated user")


class UnknownUserIdError(UserError, UnknownNameError):
    """A simulated-user id nobody bundled or registered."""


@lru_cache(maxsize=1)
def bundled_users() -> tuple[SimulatedUser, ...]:
    """The users of ``personalization/users/data/users.json``, in file order."""
    text = resources.files("personalization.users.data").joinpath("users.json").read_text("utf-8")
    return tuple(SimulatedUser.model_validate(item) for item in json.loads(text))


def register_user(user: SimulatedUser) -> None:
    """Add ``user`` to the library (registering the same user again is a no-op).

    Raises:
        UserError: another user with the same id but a different profile exists.
    """
    existing = all_users().get(user.id)
    if existing is not None and existing != user:
        raise UserError(
            f"a different user with id {user.id!r} is already in the library; pick another id "
            "(a changed profile is a new user, so results stay comparable)"
        )
    _REGISTERED.register(user.id, user, replace=True)


def all_users(world: str | None = None) -> dict[str, SimulatedUser]:
    """Every user (bundled, then registered) by id, optionally of one world only."""
    users = {u.id: u for u in bundled_users()}
    users.update(_REGISTERED.items())
    return {k: u for k, u in users.items() if world is None or u.world == world}


def get_user(user_id: str, world: str | None = None) -> SimulatedUser:
    """The user ``user_id`` (of ``world`` when given).

    Raises:
        UnknownUserIdError: no such user (with a did-you-mean and the known ids).
    """
    users = all_users(world)
    if isinstance(user_id, str) and user_id in users:
        return users[user_id]
    scope = f"{world} " if world else ""
    raise unknown_name(
        f"{scope}user",
        str(user_id),
        users,
        fix="Add one with personalization.users.register_user (docs/adding_a_simulated_user.md).",
        error=UnknownUserIdError,
    )


def disagreement(a: SimulatedUser, b: SimulatedUser) -> int:
    """Number of preference keys on which the two profiles differ (a missing key differs from
    any value)."""
    keys = [k for k in PREFERENCE_KEYS if k in a.preferences or k in b.preferences]
    return sum(1 for k in keys if a.preferences.get(k) != b.preferences.get(k))


def placebo_user(user: SimulatedUser | str) -> SimulatedUser:
    """The other user of the same world that disagrees most with ``user`` (ties: by id).

    Raises:
        UserError: the world has no other user.
    """
    me = get_user(user) if isinstance(user, str) else user
    others = [u for u in all_users(me.world).values() if u.id != me.id]
    if not others:
        raise UserError(f"no other {me.world} user to take placebo hypotheses from")
    return max(sorted(others, key=lambda u: u.id), key=lambda u: disagreement(me, u))
