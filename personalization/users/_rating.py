"""How a simulated user rates an episode: a penalty per unmet preference, from the profile.

Blocksworld users rate the facts of a finished episode (:class:`BlocksworldOutcome`); the user
reward is the task return minus the penalty, in the task's unit (cm), and 0 when the task was
not completed. Writing users rate a message (:func:`rate_message`): the satisfaction, the share
of their preferences the message meets, is the reward. Both are pure functions of the profile
and the facts, so a rating is deterministic.

Penalties (cm) of Blocksworld users:

==================  =========================================================================
measurement_cost    ``high``: 0.12 per measurement; ``low``: 0.01 per measurement
top_block           1.5 if another block stands on the named block at the end
base_block          1.5 if the named block does not stand on the table at the end
risk                ``averse``: 1.5 if any tower has a taller block on a shorter one
report              1.0 if the last report does not match (``none``: any report is a miss;
                    ``brief``: one line of at most 15 words, no digits; ``detailed``: every
                    block named with a height)
==================  =========================================================================
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from personalization.users import _texts as T
from personalization.users._profiles import SimulatedUser, UserError

MEASUREMENT_COST: dict[str, float] = {"high": 0.12, "low": 0.01}
#: Readings per block a user with a high measurement cost still finds acceptable.
FRUGAL_READINGS = 3
LAYOUT_PENALTY = 1.5
RISK_PENALTY = 1.5
REPORT_PENALTY = 1.0
BRIEF_MAX_WORDS = 15


@dataclass(frozen=True)
class BlocksworldOutcome:
    """The facts of a finished Blocksworld episode a user rates."""

    completed: bool
    """Whether the task was completed."""
    task_return: float | None
    """The task's own return (cm); ``None`` when not completed."""
    blocks: tuple[str, ...]
    """The blocks of the episode."""
    measurements: int
    """Measurements taken over the episode."""
    towers: tuple[tuple[str, ...], ...] | None
    """The final towers, bottom first (``None`` when the task builds nothing)."""
    true_heights: Mapping[str, float] = field(default_factory=dict)
    """True heights (cm) of the blocks."""
    reports: tuple[str, ...] = ()
    """The messages the agent sent the user, in order."""


@dataclass(frozen=True)
class Rating:
    """A user's rating of one episode."""

    penalty: float
    """Total penalty (cm for Blocksworld users, share of unmet preferences for writing users)."""
    satisfied: dict[str, bool]
    """Per applicable preference key, whether it was met."""
    notes: dict[str, str]
    """Per applicable key, why (for transcripts and reports)."""
    reward: float
    """The user reward (see the module docstring)."""

    @property
    def satisfaction(self) -> float | None:
        """Share of applicable preferences met (``None`` when none applies)."""
        if not self.satisfied:
            return None
        return sum(self.satisfied.values()) / len(self.satisfied)


def _report_check(style: str, reports: Sequence[str], blocks: Sequence[str]) -> tuple[bool, str]:
    last = reports[-1].strip() if reports else None
    if style == "none":
        return (last is None, "no report, as wanted" if last is None else "an unwanted report")
    if last is None:
        return False, f"no report (wanted: {style})"
    if style == "brief":
        words = len(last.split())
        ok = words <= BRIEF_MAX_WORDS and "\n" not in last and not re.search(r"\d", last)
        return ok, f"report of {words} words" + ("" if ok else " is not brief")
    missing = [
        b
        for b in blocks
        if not re.search(rf"\b{re.escape(b)}\b\D{{0,16}}?\d+(?:\.\d+)?", last, re.I)
    ]
    ok = not missing
    return ok, "every block's height reported" if ok else f"no height for {', '.join(missing)}"


def rate_blocksworld(user: SimulatedUser, outcome: BlocksworldOutcome) -> Rating:
    """The rating of a Blocksworld episode by ``user`` (see the module docstring).

    Raises:
        UserError: ``user`` is not a Blocksworld user.
    """
    if user.world != "blocksworld":
        raise UserError(f"user {user.id!r} is a {user.world} user, not a blocksworld user")
    prefs = user.preferences
    satisfied: dict[str, bool] = {}
    notes: dict[str, str] = {}
    penalty = 0.0
    n = max(1, len(outcome.blocks))
    cost = prefs.get("measurement_cost")
    if cost is not None:
        penalty += MEASUREMENT_COST[cost] * outcome.measurements
        per_block = outcome.measurements / n
        satisfied["measurement_cost"] = cost == "low" or per_block <= FRUGAL_READINGS
        notes["measurement_cost"] = (
            f"{outcome.measurements} measurements ({per_block:.1f} per block)"
        )
    towers = outcome.towers
    if towers is not None:
        tops = {t[-1] for t in towers if t}
        bases = {t[0] for t in towers if t}
        for key, members, where in (
            ("top_block", tops, "at the top of its tower"),
            ("base_block", bases, "on the table"),
        ):
            block = prefs.get(key)
            if block is None or block not in outcome.blocks:
                continue
            ok = block in members
            satisfied[key] = ok
            notes[key] = f"block {block} is {'' if ok else 'not '}{where}"
            penalty += 0.0 if ok else LAYOUT_PENALTY
        if prefs.get("risk") == "averse" and outcome.true_heights:
            h = outcome.true_heights
            bad = [
                f"{upper} on {lower}"
                for t in towers
                for lower, upper in itertools.pairwise(t)
                if h.get(upper, 0.0) > h.get(lower, 0.0)
            ]
            satisfied["risk"] = not bad
            notes["risk"] = "stable towers" if not bad else "taller on shorter: " + ", ".join(bad)
            penalty += RISK_PENALTY if bad else 0.0
    style = prefs.get("report")
    if style is not None:
        ok, note = _report_check(style, outcome.reports, outcome.blocks)
        satisfied["report"], notes["report"] = ok, note
        penalty += 0.0 if ok else REPORT_PENALTY
    penalty = round(penalty, 6)
    reward = 0.0
    if outcome.completed and outcome.task_return is not None:
        reward = round(float(outcome.task_return) - penalty, 6)
    return Rating(penalty, satisfied, notes, reward)


_CONTRACTION = re.compile(r"\b\w+'(?:s|t|re|ve|ll|d|m)\b", re.I)


def message_features(text: str) -> dict[str, object]:
    """What a writing user looks at in a message: words, register markers, the sign-off."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    sign_off = None
    if len(lines) >= 2 and lines[-2].endswith(","):
        sign_off = lines[-2][:-1].strip()
    return {
        "words": len(text.split()),
        "contractions": len(_CONTRACTION.findall(text)),
        "exclamations": text.count("!"),
        "greeting": first.split()[0].rstrip(",!") if first else "",
        "sign_off": sign_off,
    }


def rate_message(user: SimulatedUser, text: str) -> Rating:
    """The rating of a message by a writing ``user``: one check per preference; the reward is
    the share of checks passed (1.0: everything as the user wants).

    Raises:
        UserError: ``user`` is not a writing user.
    """
    if user.world != "writing":
        raise UserError(f"user {user.id!r} is a {user.world} user, not a writing user")
    f = message_features(text)
    prefs = user.preferences
    satisfied: dict[str, bool] = {}
    notes: dict[str, str] = {}
    words = int(f["words"])  # type: ignore[call-overload]
    if "length" in prefs:
        ok = words <= T.SHORT_MAX if prefs["length"] == "short" else words >= T.LONG_MIN
        satisfied["length"], notes["length"] = ok, f"{words} words"
    if "formality" in prefs:
        casual_marks = int(f["contractions"]) + int(f["exclamations"])  # type: ignore[call-overload]
        greeting = str(f["greeting"]).lower()
        if prefs["formality"] == "formal":
            ok = casual_marks == 0 and greeting not in ("hi", "hey")
        else:
            ok = casual_marks > 0 and greeting != "dear"
        satisfied["formality"] = ok
        notes["formality"] = f"greeting {f['greeting']!r}, {casual_marks} casual markers"
    if "sign_off" in prefs:
        ok = f["sign_off"] == prefs["sign_off"]
        satisfied["sign_off"], notes["sign_off"] = ok, f"signed off with {f['sign_off']!r}"
    missed = sum(1 for v in satisfied.values() if not v)
    share = missed / len(satisfied) if satisfied else 0.0
    return Rating(round(share, 6), satisfied, notes, round(1.0 - share, 6))
