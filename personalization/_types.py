"""The data of HyPerAlign: user profiles, hypotheses and hypothesis sets (frozen pydantic)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# the errors live apart so that code needing only them (the scenario schema's settings) does
# not build this module's models; imported here under their usual address
from personalization._errors import PersonalizationError as PersonalizationError
from personalization._errors import PersonalizationNameError as PersonalizationNameError
from personalization._errors import did_you_mean as did_you_mean

Category = Literal["communication_strategy", "personality", "writing_style", "preference"]
#: The hypothesis categories: the paper's three (spec 2.2) plus ``preference`` for agents (8.3).
CATEGORIES: tuple[str, ...] = (
    "communication_strategy",
    "personality",
    "writing_style",
    "preference",
)


class Example(BaseModel):
    """One demonstration: a request and the text the user wrote for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prompt: str = ""
    """The request the text answered ("Write an email to your team about ...")."""
    text: str
    """The user's own text."""
    genre: str | None = None
    """``email``, ``blog``, ``news``, ``essay``, ``chat`` ... when known."""
    id: str | None = None
    """Stable id of the text in its corpus, when it has one."""

    @field_validator("text")
    @classmethod
    def _non_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an example's text must not be empty")
        return value


class UserProfile(BaseModel):
    """A user: their demonstrations plus public attributes (and hidden truth if simulated)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """The user's id."""
    examples: tuple[Example, ...]
    """The user's texts, each with its prompt. ``(prompt, text)`` pairs are accepted too."""
    attributes: dict[str, Any] = Field(default_factory=dict)
    """Public user-specific attributes a generator may be told (spec 2.3)."""
    truth: dict[str, Any] = Field(default_factory=dict)
    """Hidden ground truth of a simulated user (persona, preferences); never rendered."""
    source: str = "custom"
    """Where the profile came from: ``synthetic``, ``ccat50``, ``cmcc``, ``jsonl``, ..."""
    synthetic: bool = False
    """Whether the texts were written for telic rather than by a real person."""

    @field_validator("examples", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            out = []
            for item in value:
                if isinstance(item, list | tuple):
                    if len(item) != 2:
                        raise ValueError(
                            f"an example pair must be (prompt, text), got {len(item)} items"
                        )
                    out.append({"prompt": item[0], "text": item[1]})
                else:
                    out.append(item)
            return tuple(out)
        return value

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a user id must not be empty")
        return value

    @property
    def texts(self) -> list[str]:
        """The example texts, in order."""
        return [e.text for e in self.examples]

    def split(self, n_train: int) -> tuple[UserProfile, list[Example]]:
        """``(profile with the first n_train examples, the held-out rest)``.

        Raises:
            PersonalizationError: ``n_train`` is not between 1 and the number of examples.
        """
        if not 1 <= n_train <= len(self.examples):
            raise PersonalizationError(
                f"n_train must be between 1 and {len(self.examples)} (examples of user "
                f"{self.id!r}), got {n_train}"
            )
        train = self.model_copy(update={"examples": self.examples[:n_train]})
        return train, list(self.examples[n_train:])


class Hypothesis(BaseModel):
    """One natural-language hypothesis about a user, with the evidence for it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Short id, ``H1``, ``H2`` ... (agents cite it)."""
    category: Category
    """``communication_strategy``, ``personality``, ``writing_style`` or ``preference``."""
    statement: str
    """The hypothesis in plain language."""
    evidence: tuple[str, ...] = ()
    """Verbatim quotes from the user's examples that support it."""
    score: float | None = None
    """Optional quality score (e.g. discrimination accuracy after selection)."""
    feature: str | None = None
    """For stylometric hypotheses: the measured feature it states (``exclamations``, ...)."""
    direction: Literal["high", "low"] | None = None
    """For stylometric hypotheses: whether the user is above or below the reference."""
    measurements: dict[str, float] = Field(default_factory=dict)
    """For stylometric hypotheses: ``user``, ``reference_median``, ``reference_spread``, ``z``."""
    claim: dict[str, str] = Field(default_factory=dict)
    """For preference hypotheses about a simulated user: the claim in machine-readable form,
    preference key -> value (``{"measurement_cost": "high"}``); empty for free-text ones."""

    @field_validator("statement")
    @classmethod
    def _statement(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a hypothesis statement must not be empty")
        return value.strip()

    @field_validator("category", mode="before")
    @classmethod
    def _category(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in CATEGORIES:
            raise did_you_mean(value, CATEGORIES, "hypothesis category")
        return value


class Provenance(BaseModel):
    """How a hypothesis set was produced (needed for cross-model tests and audits)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: str
    """``llm`` (spec 2.2), ``offline_stylometry``, ``llm+discrimination`` (ablation),
    ``generic`` (placebo) or ``manual``."""
    model: str | None = None
    """The model that produced them (spec string or class name), ``None`` offline."""
    example_indices: tuple[int, ...] = ()
    """Which of the profile's examples were shown / measured."""
    n_requested: int = 0
    """How many hypotheses were asked for."""
    n_parsed: int = 0
    """How many the model's output contained (before the evidence check)."""
    dropped_hallucinated_evidence: int = 0
    """Evidence quotes removed because they do not occur in the examples."""
    dropped_without_evidence: int = 0
    """Hypotheses removed because none of their evidence survived."""
    calls: int = 0
    """Model calls made."""
    notes: dict[str, Any] = Field(default_factory=dict)
    """Method-specific details (reference users, selection accuracies, raw output ...)."""


class HypothesisSet(BaseModel):
    """The hypotheses inferred about one user, with their provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str
    """Whose hypotheses these are."""
    hypotheses: tuple[Hypothesis, ...] = ()
    """The hypotheses, best first."""
    provenance: Provenance
    """How they were produced."""

    @model_validator(mode="after")
    def _unique_ids(self) -> HypothesisSet:
        ids = [h.id for h in self.hypotheses]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"hypothesis ids must be unique within a set, repeated: {dupes}")
        return self

    def __len__(self) -> int:
        return len(self.hypotheses)

    def statements(self) -> list[str]:
        """The statements, in order."""
        return [h.statement for h in self.hypotheses]
