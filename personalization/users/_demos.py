"""Demonstrations: what a simulated user has shown of itself (past choices, corrections, texts).

:func:`demonstrations` draws ``n`` demonstrations of a user from its hidden profile with a
generator seeded by ``(user id, seed)``, so the same seed always gives the same texts. Each
demonstration bears on one preference key, drawn uniformly from the keys of the user's world
(keys the user has no preference about give demonstrations that show no preference); with
probability ``user.noise`` it is *inconsistent*: it shows a random value instead of the true
one. Few demonstrations therefore leave keys unseen or mislead, and many demonstrations pin the
profile down: the reason inferred hypotheses improve with their number.

Blocksworld demonstrations are short reports of past sessions (a choice between plans, a
correction of a built tower, a remark after a perturbation, a choice of report). Writing
demonstrations are messages the user wrote. Every phrase the offline inferer reads back is a
constant of :mod:`personalization.users._texts`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from envs.blocksworld.extend import digest
from personalization.users import _texts as T
from personalization.users._profiles import PREFERENCE_KEYS, SimulatedUser, UserError, keys_of

#: The blocks of the past sessions the Blocksworld demonstrations describe.
PAST_BLOCKS: tuple[str, ...] = ("a", "b", "c")


@dataclass(frozen=True)
class Demonstration:
    """One thing a simulated user did or said, as text."""

    key: str
    """The preference key the demonstration bears on."""
    kind: str
    """``choice``, ``correction``, ``remark`` or ``text`` (a message the user wrote)."""
    prompt: str
    """The situation or request the demonstration answers."""
    text: str
    """What an agent or an inferer reads."""
    shown: str | None
    """The value of ``key`` the demonstration shows (``None``: it shows no preference)."""
    consistent: bool
    """Whether it agrees with the hidden profile (hidden from agents; for tests and audits)."""


def demonstration_rng(user: SimulatedUser, seed: int) -> np.random.Generator:
    """The generator of the demonstrations of ``user`` for ``seed`` (stable across processes)."""
    return np.random.default_rng([digest(user.id), int(seed) % 2**63])


def demonstrations(user: SimulatedUser, n: int, seed: int = 0) -> list[Demonstration]:
    """``n`` demonstrations of ``user``, deterministic for ``seed``.

    Raises:
        UserError: ``n`` is negative or ``seed`` is not an integer.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise UserError(f"n (demonstrations) must be a non-negative integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UserError(f"seed must be an integer, got {seed!r}")
    rng = demonstration_rng(user, seed)
    keys = keys_of(user.world)
    out = []
    for index in range(n):
        key = keys[int(rng.integers(len(keys)))]
        consistent = bool(rng.random() >= user.noise)
        truth = user.preferences.get(key)
        shown = truth if consistent else _random_value(key, user.world, rng)
        if user.world == "blocksworld":
            out.append(_blocksworld_demo(index + 1, key, shown, rng, consistent=shown == truth))
        else:
            out.append(_writing_demo(user, index + 1, key, shown, rng, consistent=shown == truth))
    return out


def _random_value(key: str, world: str, rng: np.random.Generator) -> str:
    values = PAST_BLOCKS if key in ("top_block", "base_block") else PREFERENCE_KEYS[key].values
    return str(values[int(rng.integers(len(values)))])


def _pick(options: tuple[str, ...], rng: np.random.Generator) -> str:
    return options[int(rng.integers(len(options)))]


# ---------------------------------------------------------------- Blocksworld
def _blocksworld_demo(
    number: int, key: str, shown: str | None, rng: np.random.Generator, *, consistent: bool
) -> Demonstration:
    prompt = T.SESSION_PROMPT.format(number=number)
    head = T.SESSION_HEAD.format(number=number)
    if key == "measurement_cost":
        few, many = int(rng.integers(1, 3)), int(rng.integers(6, 11))
        chosen = few if shown == "high" else many
        quotes = T.FEW_QUOTES if shown == "high" else T.MANY_QUOTES
        text = T.PLAN_CHOICE.format(few=few, many=many, chosen=chosen, quote=_pick(quotes, rng))
        kind = "choice"
    elif key in ("top_block", "base_block"):
        order = list(PAST_BLOCKS)
        rng.shuffle(order)
        built = T.tower_text(order)
        if shown is None:
            template = T.LEFT_AS_IS_TOP if key == "top_block" else T.LEFT_AS_IS_BASE
            text = template.format(built=built)
        else:
            template = T.TOP_CORRECTION if key == "top_block" else T.BASE_CORRECTION
            text = template.format(built=built, block=shown)
        kind = "correction"
    elif key == "risk":
        quotes = T.AVERSE_QUOTES if shown == "averse" else T.NEUTRAL_QUOTES
        text = T.PERTURBATION_REMARK.format(quote=_pick(quotes, rng))
        kind = "remark"
    elif key == "report":
        text = T.REPORT_CHOICE.format(option=T.REPORT_OPTIONS[str(shown)])
        kind = "choice"
    else:  # pragma: no cover - the schema has no other Blocksworld key
        raise UserError(f"no demonstration template for key {key!r}")
    return Demonstration(key, kind, prompt, f"{head} {text}", shown, consistent)


# ---------------------------------------------------------------- writing
def _writing_demo(
    user: SimulatedUser,
    number: int,
    key: str,
    shown: str | None,
    rng: np.random.Generator,
    *,
    consistent: bool,
) -> Demonstration:
    style = dict(user.preferences)
    if shown is not None:
        style[key] = shown
    request = T.WRITING_REQUESTS[int(rng.integers(len(T.WRITING_REQUESTS)))]
    text = T.compose_message(
        request,
        length=style["length"],
        formality=style["formality"],
        sign_off=style["sign_off"],
        name=user.display_name,
        rng=rng,
    )
    return Demonstration(key, "text", request.prompt, text, shown, consistent)
