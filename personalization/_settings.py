"""The ``personalization:`` section of a scenario, typed (one model for every env family).

The scenario schema embeds :class:`PersonalizationSettings`, so a typo (``n_demonstation``) is
an error with the file, the line and a did-you-mean before anything runs, and the families
read validated values instead of checking a dict by hand. Which fields a family reads:

==================  =================================================================
``conditions``      every family (the one vocabulary, :mod:`personalization._conditions`)
``inferer``         both: ``offline`` or a model spec; ``inferer_options`` its options
``n_demonstrations``  simulated users: demonstrations the hypotheses are inferred from
``users``, ``n_hypotheses``, ``n_train``, ``categories``, ``n_examples``, ``compare``,
``judges``          the HyPerAlign tasks (corpus, inference, few-shot, report)
==================  =================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from personalization._errors import PersonalizationError

DEFAULT_N_HYPOTHESES = 8
DEFAULT_DEMONSTRATIONS = 6
OFFLINE = "offline"


class JudgeEntry(BaseModel):
    """A judge model written as ``{spec, options, label}``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spec: str
    """Model spec (``openai:gpt-4o-mini``)."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Options passed to ``agents.make_model``."""
    label: str | None = None
    """Name in the report (default: the spec)."""


class Compare(BaseModel):
    """Which two conditions the HyPerAlign report compares."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline: str = "none"
    """The reference condition."""
    candidate: str = "hypotheses"
    """The condition compared with it."""


class PersonalizationSettings(BaseModel):
    """A scenario's personalization settings (module docstring for who reads what)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    conditions: list[str] | None = None
    """Conditions to compare, e.g. ``[none, inferred, oracle, placebo]`` (checked against the
    vocabulary by the families whose envs the scenario uses)."""
    users: str | list[str] | None = None
    """HyPerAlign: ``synthetic`` / ``deliberative`` (the env's bundled corpus), the path of a
    users JSONL file, or a list of user ids (the swap placebo then pairs only these)."""
    inferer: StrictStr = OFFLINE
    """``offline`` (stylometry / the users' offline inferer) or a model spec."""
    inferer_options: dict[str, Any] = Field(default_factory=dict)
    """Options of the inferer's model."""
    n_hypotheses: StrictInt = DEFAULT_N_HYPOTHESES
    """HyPerAlign: hypotheses inferred per user."""
    n_train: StrictInt | None = None
    """HyPerAlign: demonstrations per user the hypotheses are inferred from (writing: default
    and at most the env's ``n_train``)."""
    categories: list[str] | None = None
    """HyPerAlign: hypothesis categories asked for (model inferer only)."""
    n_examples: StrictInt | None = None
    """HyPerAlign: demonstrations shown by the few-shot conditions (default: all)."""
    n_demonstrations: StrictInt = DEFAULT_DEMONSTRATIONS
    """Simulated users: demonstrations the ``hypotheses`` condition infers from."""
    compare: Compare = Field(default_factory=Compare)
    """HyPerAlign report: the baseline and candidate conditions."""
    judges: list[str | JudgeEntry] = Field(default_factory=list)
    """HyPerAlign report: LLM judges (specs or ``{spec, options, label}``)."""
    baseline_file: str | None = None
    """HyPerAlign report: another method's generations (JSONL: user, prompt_id, text), judged
    against every writing condition by the judges (``telic report --baseline`` sets it too)."""

    @field_validator("inferer")
    @classmethod
    def _inferer(cls, value: str) -> str:
        if not value:
            raise ValueError(
                f"personalization.inferer must be 'offline' or a model spec, got {value!r}"
            )
        return value

    @field_validator("n_hypotheses")
    @classmethod
    def _n_hypotheses(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"personalization.n_hypotheses must be >= 1, got {value!r}")
        return value

    @field_validator("n_train", "n_examples")
    @classmethod
    def _positive(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError(f"must be at least 1, got {value}")
        return value

    @field_validator("n_demonstrations")
    @classmethod
    def _n_demonstrations(cls, value: int) -> int:
        if value < 0:
            raise ValueError(
                f"personalization.n_demonstrations must be a non-negative integer, got {value!r}"
            )
        return value

    def as_dict(self) -> dict[str, Any]:
        """The settings as the scenario wrote them (JSON-ready, defaults left out; ``conditions``
        and ``users`` always present): what an episode spec carries and its id hashes."""
        data = self.model_dump(mode="json", exclude_unset=True)
        data.setdefault("conditions", None)
        data.setdefault("users", None)
        return data


# Strict types for the settings passed as a dict from Python (the schema validates YAML the
# same way): a bool is not an int and a number is not a string here.
_STRICT_MESSAGES = {
    "n_demonstrations": "personalization.n_demonstrations must be a non-negative integer",
    "n_hypotheses": "personalization.n_hypotheses must be >= 1",
    "n_train": "personalization.n_train must be an integer",
    "inferer": "personalization.inferer must be 'offline' or a model spec",
    "inferer_options": "personalization.inferer_options must be a mapping",
}


def as_settings(
    settings: PersonalizationSettings | Mapping[str, Any] | None,
) -> PersonalizationSettings:
    """``settings`` as a :class:`PersonalizationSettings` (a dict is validated).

    Raises:
        PersonalizationError: the first problem, in one line.
    """
    if isinstance(settings, PersonalizationSettings):
        return settings
    data = dict(settings or {})
    for key, message in _STRICT_MESSAGES.items():
        value = data.get(key)
        if value is None:
            continue
        if key == "inferer_options":
            bad = not isinstance(value, Mapping)
        elif key == "inferer":
            bad = not isinstance(value, str)
        else:
            bad = isinstance(value, bool) or not isinstance(value, int)
        if bad:
            raise PersonalizationError(f"{message}, got {value!r}")
    try:
        return PersonalizationSettings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            from personalization._errors import did_you_mean

            raise did_you_mean(
                where, list(PersonalizationSettings.model_fields), "personalization setting"
            ) from None
        raise PersonalizationError(
            message
            if message.startswith("personalization.")
            else f"personalization.{where}: {message}"
        ) from None
