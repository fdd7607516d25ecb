"""Simulated users: the preference schema and the user record with its hidden profile.

A simulated user has a *hidden* ground-truth profile: one value for each preference key of its
world (``blocksworld`` or ``writing``). The profile is what a hypothesis about the user is
scored against (a claim ``{"measurement_cost": "high"}`` is true when the profile says so), what
the user's rating of an episode is computed from, and what its demonstrations are drawn from.
Agents never see it: they see demonstrations, or hypotheses inferred from them.

The keys, their allowed values and a sentence for each value live in :data:`PREFERENCE_KEYS`,
the one place the demonstrations, the ratings, the inferers and the rendered hypotheses take
them from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from telic import TelicError, suggestion

World = Literal["blocksworld", "writing"]
WORLDS: tuple[str, ...] = ("blocksworld", "writing")


@dataclass(frozen=True)
class PreferenceKey:
    """One dimension of a simulated user's profile."""

    name: str
    """The machine-readable key (``measurement_cost``)."""
    world: str
    """``blocksworld`` or ``writing``."""
    values: tuple[str, ...]
    """The values it may take."""
    statements: Mapping[str, str]
    """A plain-language statement of each value (``{value}`` is filled in for open values)."""
    question: str
    """What the key asks about, for prompts and documentation."""


_BLOCKS = tuple("abcdef")

PREFERENCE_KEYS: dict[str, PreferenceKey] = {
    key.name: key
    for key in (
        PreferenceKey(
            "measurement_cost",
            "blocksworld",
            ("high", "low"),
            {
                "high": "Every measurement costs this user money: measure as little as needed.",
                "low": "Measurements are cheap for this user: measure as often as helps.",
            },
            "Does each measurement cost the user a lot (high) or little (low)?",
        ),
        PreferenceKey(
            "top_block",
            "blocksworld",
            _BLOCKS,
            {b: f"The user wants block {b} at the top of its tower." for b in _BLOCKS},
            "Which block does the user want at the top of its tower?",
        ),
        PreferenceKey(
            "base_block",
            "blocksworld",
            _BLOCKS,
            {b: f"The user wants block {b} to stand on the table, at the bottom." for b in _BLOCKS},
            "Which block does the user want kept on the table, at the bottom of its tower?",
        ),
        PreferenceKey(
            "risk",
            "blocksworld",
            ("averse", "neutral"),
            {
                "averse": "The user is risk-averse: every tower must have its taller blocks "
                "below its shorter ones, so a perturbed move cannot topple it.",
                "neutral": "The user does not mind in what order blocks are stacked.",
            },
            "Is the user risk-averse about top-heavy towers (averse) or not (neutral)?",
        ),
        PreferenceKey(
            "report",
            "blocksworld",
            ("none", "brief", "detailed"),
            {
                "none": "The user wants no report at the end: do not send them messages.",
                "brief": "The user wants a brief report at the end: one short line, no numbers.",
                "detailed": "The user wants a detailed report at the end: the final towers and "
                "the estimated height of every block.",
            },
            "What report does the user want at the end: none, brief or detailed?",
        ),
        PreferenceKey(
            "length",
            "writing",
            ("short", "long"),
            {
                "short": "The user writes short messages (under 60 words).",
                "long": "The user writes long, thorough messages (over 110 words).",
            },
            "Are the user's messages short or long?",
        ),
        PreferenceKey(
            "formality",
            "writing",
            ("formal", "casual"),
            {
                "formal": "The user writes formally: 'Dear ...', no contractions, no "
                "exclamation marks.",
                "casual": "The user writes casually: 'Hi ...' or 'Hey ...', contractions and "
                "exclamation marks.",
            },
            "Is the user's tone formal or casual?",
        ),
        PreferenceKey(
            "sign_off",
            "writing",
            ("Best regards", "Kind regards", "Cheers", "Thanks", "Talk soon", "Warmly"),
            {
                v: f"The user always signs off with '{v},' followed by their name."
                for v in ("Best regards", "Kind regards", "Cheers", "Thanks", "Talk soon", "Warmly")
            },
            "Which sign-off does the user always use?",
        ),
    )
}


def keys_of(world: str) -> tuple[str, ...]:
    """The preference keys of ``world``, in schema order."""
    return tuple(k for k, spec in PREFERENCE_KEYS.items() if spec.world == world)


def claim_statement(key: str, value: str) -> str:
    """The plain-language statement of the claim ``key = value``."""
    spec = PREFERENCE_KEYS[key]
    return spec.statements[value]


def valid_claim(key: Any, value: Any) -> bool:
    """Whether ``key = value`` is a well-formed claim of the schema (used on model output)."""
    return isinstance(key, str) and key in PREFERENCE_KEYS and value in PREFERENCE_KEYS[key].values


class UserError(TelicError, ValueError):
    """A bad simulated-user definition or argument (the message says what and how to fix it)."""


class SimulatedUser(BaseModel):
    """A simulated user with a hidden ground-truth preference profile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """The user's id (``frugal_fay``): lower case, digits and underscores."""
    world: World
    """Which environments the user belongs to: ``blocksworld`` or ``writing``."""
    preferences: dict[str, str]
    """The hidden profile: preference key -> value (see :data:`PREFERENCE_KEYS`). Keys left out
    are things the user has no preference about."""
    description: str = ""
    """One line about the persona, for people reading the library (never shown to agents)."""
    noise: float = Field(default=0.2, ge=0.0, le=0.5)
    """Probability that one demonstration is inconsistent with the profile (a distracted day):
    the reason hypotheses get better with more demonstrations."""
    name: str = ""
    """The user's first name, used in writing demonstrations and sign-offs (default: from id)."""

    @field_validator("preferences")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        for key, item in value.items():
            if key not in PREFERENCE_KEYS:
                hint = suggestion(key, PREFERENCE_KEYS, n=1)
                raise ValueError(f"unknown preference key {key!r}.{hint}")
            allowed = PREFERENCE_KEYS[key].values
            if item not in allowed:
                raise ValueError(f"preference {key!r} must be one of {list(allowed)}, got {item!r}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SimulatedUser:
        wrong = [k for k in self.preferences if PREFERENCE_KEYS[k].world != self.world]
        if wrong:
            raise ValueError(f"keys {wrong} do not belong to the {self.world!r} world")
        required = (
            ("measurement_cost", "risk", "report")
            if self.world == "blocksworld"
            else (
                "length",
                "formality",
                "sign_off",
            )
        )
        missing = [k for k in required if k not in self.preferences]
        if missing:
            raise ValueError(f"a {self.world} user must state {list(required)}; missing {missing}")
        top, base = self.preferences.get("top_block"), self.preferences.get("base_block")
        if top is not None and top == base:
            raise ValueError(f"top_block and base_block must differ (both {top!r})")
        return self

    @property
    def display_name(self) -> str:
        """The first name (``name``, or the last part of the id, capitalised)."""
        return self.name or self.id.split("_")[-1].capitalize()

    @property
    def claims(self) -> dict[str, str]:
        """The true preference claims (key -> value), in schema order."""
        return {k: self.preferences[k] for k in PREFERENCE_KEYS if k in self.preferences}

    @property
    def profile_id(self) -> str:
        """A short hash of the profile (id, world, preferences, noise): changes with it."""
        data = {"id": self.id, "world": self.world, "prefs": self.claims, "noise": self.noise}
        blob = json.dumps(data, sort_keys=True).encode("utf-8")
        return f"{self.id}-{hashlib.sha256(blob).hexdigest()[:8]}"
