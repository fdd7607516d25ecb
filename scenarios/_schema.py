"""The scenario schema: what a scenario YAML file may say, validated before anything runs.

A scenario names the models, environments, seeds, prompt variants, budgets and analysis of one
experiment. Every model here is frozen and forbids unknown fields, so a typo is an error, not a
silently ignored setting (the loader in :mod:`scenarios._load` turns it into a message with the
YAML line and a "did you mean"). Shorthands are accepted where a file reads better with them: a
model or an environment may be a bare string, ``seeds`` a list or ``{start, count}``,
``n_blocks`` one number, ``protocol`` one protocol.

See ``docs/scenarios.md`` for every field with examples.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from personalization import PersonalizationSettings

#: Fields that change how a run is executed or reported, not what it measures. They are left
#: out of :meth:`Scenario.content_hash`, so a resumed run may change them.
EXECUTION_FIELDS = frozenset(
    {"description", "concurrency", "cache", "analysis", "max_episodes", "prices"}
)
#: Model options that would carry a secret into the output folder; scenarios name the
#: variable holding the key (``api_key_env``) instead.
SECRET_OPTIONS = frozenset({"api_key", "openai_api_key", "anthropic_api_key"})
#: Largest seed a scenario may give (seeds go to ``env.reset`` and into numpy generators).
SEED_MAX = 2**32 - 1
#: Default of :attr:`Scenario.max_episodes`.
MAX_EPISODES = 100_000


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelEntry(_Frozen):
    """One model of the scenario: a spec string plus options."""

    spec: str = Field(min_length=1)
    """Model spec, e.g. ``scripted:oracle``, ``openai:gpt-4o-2024-11-20``,
    ``anthropic:claude-3-7-sonnet-20250219``, ``openai-compatible:<model>`` (with ``base_url``
    in ``options``) or ``local:smollm2``."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments for ``agents.make_model`` (``seed``, ``temperature``, ``base_url``,
    ``api_key_env``, a scripted policy's parameters, ...)."""
    label: str | None = None
    """Name of the model in records, tables and plots; defaults to the spec string. Needed when
    the same spec appears twice with different options."""

    @field_validator("options")
    @classmethod
    def _no_literal_key(cls, value: dict[str, Any]) -> dict[str, Any]:
        if any(str(k).lower() in SECRET_OPTIONS and v for k, v in value.items()):
            raise ValueError(
                "a literal API key must not be written in a scenario (it would be copied into "
                "manifest.json); put it in an environment variable and name that variable with "
                "api_key_env"
            )
        return value

    @property
    def name(self) -> str:
        """The label, or the spec when there is none."""
        return self.label or self.spec


class EnvEntry(_Frozen):
    """One environment: a Gymnasium ID and its keyword arguments."""

    id: str = Field(min_length=1)
    """Registered Gymnasium ID, e.g. ``telic/Combined-v1`` (``telic envs`` lists them)."""
    kwargs: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments for ``gymnasium.make`` (``noise``, ``perturb_prob``, ...). ``n_blocks``
    and ``protocol`` come from the scenario's lists unless set here."""


class SeedRange(_Frozen):
    """``count`` consecutive seeds from ``start``."""

    start: int = Field(ge=0, le=SEED_MAX)
    """First seed."""
    count: int = Field(ge=1, le=SEED_MAX + 1)
    """How many seeds."""

    @model_validator(mode="after")
    def _in_range(self) -> SeedRange:
        if self.start + self.count - 1 > SEED_MAX:
            raise ValueError(
                f"seeds {self.start} to {self.start + self.count - 1} go past the largest "
                f"seed, {SEED_MAX} (2**32 - 1)"
            )
        return self


class BudgetSettings(_Frozen):
    """Per-episode limits; an episode that reaches one stops with ``stop_reason`` ``budget_*``."""

    max_steps: int | None = Field(default=None, ge=1)
    """Env steps (model calls) per episode; the env's own step cap applies anyway."""
    max_tokens: int | None = Field(default=None, ge=1)
    """Total tokens (input + output) per episode."""
    max_cost_usd: float | None = Field(default=None, gt=0)
    """Estimated US dollars per episode."""
    max_wall_time_s: float | None = Field(default=None, gt=0)
    """Wall-clock seconds per episode."""


class Concurrency(_Frozen):
    """How many episodes run at once, and the providers' rate limits."""

    max_concurrency: int = Field(default=8, ge=1)
    """Episodes (or stepped-context sequences) in flight at once; ``--concurrency`` overrides."""
    rpm: dict[str, int] = Field(default_factory=dict)
    """Requests per minute per provider (``openai``, ``anthropic``, ``openai-compatible``)."""
    max_in_flight: dict[str, int] = Field(default_factory=dict)
    """Concurrent requests per provider."""

    @field_validator("rpm", "max_in_flight")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        for provider, limit in value.items():
            if limit < 1:
                raise ValueError(f"the limit for {provider!r} must be at least 1, got {limit}")
        return value


#: The scenario's ``personalization:`` section: the personalization domain's typed settings
#: (``extra="forbid"``: a typo is an error with its line and a did-you-mean).
Personalization = PersonalizationSettings


class AnalysisSettings(_Frozen):
    """What ``telic report`` computes."""

    gd: bool = True
    """Goal-directedness with bootstrap CIs."""
    win_rates: bool = False
    """Pairwise win rates between models (or conditions)."""
    mc_iterations: int = Field(default=2000, ge=100)
    """Monte Carlo iterations for the capability ceiling (spec: at least 1000)."""
    n_resamples: int = Field(default=1000, ge=100)
    """Bootstrap resamples for the confidence intervals."""
    seed: int = 0
    """Seed of the analysis' random generator."""


class Cache(_Frozen):
    """The LLM-call cache: replays identical model calls instead of paying for them again."""

    mode: Literal["off", "read_write", "replay"] = "off"
    """``off``; ``read_write`` (answer from the cache when possible, else call the model and
    store the answer); ``replay`` (answer only from the cache, never call a model: an offline
    re-run). ``--cache`` overrides."""
    path: str = ".telic-cache/llm.sqlite"
    """The cache database file, relative to the working directory."""


class SequenceEntry(_Frozen):
    """Tasks played one after another in ONE conversation (the paper's stepped context, App. E).

    Every task after the first gets ``continued=True`` and sees the whole conversation so far.
    """

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    """Short name of the sequence (used in group ids)."""
    tasks: list[EnvEntry] = Field(min_length=1)
    """The environments in playing order (strings or ``{id, kwargs}``)."""
    n_blocks: list[int] | None = None
    """Block counts for this sequence, replacing the scenario's ``n_blocks`` (useful when the
    tasks name blocks, e.g. one measuring task per block)."""

    @field_validator("n_blocks", mode="before")
    @classmethod
    def _n_shorthand(cls, value: Any) -> Any:
        return [value] if isinstance(value, int) else value

    @field_validator("n_blocks")
    @classmethod
    def _n_range(cls, value: list[int] | None) -> list[int] | None:
        return _check_block_counts(value)

    @field_validator("tasks", mode="before")
    @classmethod
    def _tasks_shorthand(cls, value: Any) -> Any:
        return [_env_shorthand(v) for v in value] if isinstance(value, list) else value


class EventEntry(_Frozen):
    """Something that happens at a given step of every episode (or of some environments)."""

    at_step: int = Field(ge=0)
    """The env step the event belongs to (0 is the reset, 1 the first action)."""
    kind: Literal["user_message", "perturb", "set_prompt"]
    """``user_message``: ``text`` is appended to the observation of step ``at_step``;
    ``perturb``: the action of step ``at_step`` is perturbed; ``set_prompt``: ``text`` replaces
    the extra system-prompt text from the call that produces step ``at_step`` on."""
    text: str = ""
    """The message, or the new prompt text (empty removes the extra prompt)."""
    envs: list[str] | None = None
    """Restrict the event to these environment IDs (all when absent)."""

    @model_validator(mode="after")
    def _check(self) -> EventEntry:
        if self.kind == "user_message" and not self.text:
            raise ValueError("a user_message event needs a non-empty 'text'")
        if self.kind == "perturb" and self.at_step < 1:
            raise ValueError(
                f"a perturb event perturbs the action of a step, so at_step must be >= 1, "
                f"got {self.at_step}"
            )
        return self


Protocol = Literal["tags", "tools"]

#: Tags of the union members below; they appear in pydantic's error locations.
UNION_TAGS = frozenset({"seed-list", "seed-range", "variant-names", "variant-texts"})

Seeds = Annotated[
    Annotated[list[int], Tag("seed-list")] | Annotated[SeedRange, Tag("seed-range")],
    Discriminator(lambda v: "seed-range" if isinstance(v, dict | SeedRange) else "seed-list"),
]
Variants = Annotated[
    Annotated[list[str], Tag("variant-names")]
    | Annotated[dict[str, str | None], Tag("variant-texts")],
    Discriminator(lambda v: "variant-texts" if isinstance(v, dict) else "variant-names"),
]


class Scenario(_Frozen):
    """One experiment: the matrix models x envs x n_blocks x seeds x variants x protocols."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    """Short name; the default output folder is ``runs/<name>``."""
    description: str = ""
    """What the scenario is for."""
    models: list[ModelEntry] = Field(min_length=1)
    """Models to run: spec strings or ``{spec, options, label}``."""
    envs: list[EnvEntry] = Field(default_factory=list)
    """Environments played in fresh conversations: IDs or ``{id, kwargs}``."""
    sequences: list[SequenceEntry] = Field(default_factory=list)
    """Stepped-context sequences (see :class:`SequenceEntry`)."""
    n_blocks: list[int] | None = None
    """Block counts, for environments that take ``n_blocks`` (others ignore the list)."""
    seeds: Seeds = Field(default_factory=lambda: SeedRange(start=10, count=30))
    """Seeds passed to ``env.reset``: a list, or ``{start, count}`` (default: 30 from 10)."""
    protocols: list[Protocol] = Field(default_factory=lambda: list[Protocol](["tags"]))
    """Action protocols: ``tags`` (the paper's) and/or ``tools``; ``protocol: tags`` also works."""
    variants: Variants = Field(default_factory=lambda: ["neutral"])
    """Prompt variants: names (``neutral``, ``motivating``, ``demotivating``) or
    ``{name: text}`` where the text is appended to the system prompt (null: the named
    variant's own text)."""
    history_window: int | None = Field(default=None, ge=1)
    """Keep only the last N turns of the conversation in each model call (None: all)."""
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    """Per-episode budgets."""
    concurrency: Concurrency = Field(default_factory=Concurrency)
    """Concurrency and provider rate limits."""
    personalization: Personalization | None = None
    """Personalization reference (None: no personalization)."""
    plugins: list[str] = Field(default_factory=list)
    """Modules imported before env IDs are resolved (they may register envs or policies)."""
    analysis: AnalysisSettings = Field(default_factory=AnalysisSettings)
    """What ``telic report`` computes."""
    cache: Cache = Field(default_factory=Cache)
    """The LLM-call cache."""
    events: list[EventEntry] = Field(default_factory=list)
    """Scripted events at given steps of every episode."""
    max_episodes: int = Field(default=MAX_EPISODES, ge=1)
    """Most episodes the scenario may expand to; a larger matrix is refused before anything
    is built (raise it deliberately for a very large study)."""
    prices: str | dict[str, Any] | None = None
    """Model prices in USD per million tokens: a price file (YAML or JSON, relative to the
    scenario file) or the mapping itself, ``{spec or label: {input, output}}``. They replace
    the built-in price database for these models (``--prices`` on the command line wins)."""

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if "protocol" in data:
            if "protocols" in data:
                raise ValueError("give either 'protocol' or 'protocols', not both")
            data["protocols"] = [data.pop("protocol")]
        if isinstance(data.get("models"), list):
            data["models"] = [{"spec": m} if isinstance(m, str) else m for m in data["models"]]
        if isinstance(data.get("envs"), list):
            data["envs"] = [_env_shorthand(e) for e in data["envs"]]
        if isinstance(data.get("n_blocks"), int):
            data["n_blocks"] = [data["n_blocks"]]
        if isinstance(data.get("variants"), str):
            data["variants"] = [data["variants"]]
        return data

    @field_validator("n_blocks")
    @classmethod
    def _n_blocks_range(cls, value: list[int] | None) -> list[int] | None:
        return _check_block_counts(value)

    @field_validator("seeds")
    @classmethod
    def _seeds_valid(cls, value: list[int] | SeedRange) -> list[int] | SeedRange:
        if isinstance(value, list):
            if not value:
                raise ValueError("seeds must not be empty")
            if any(s < 0 for s in value):
                raise ValueError(f"seeds must be non-negative, got {value}")
            if any(s > SEED_MAX for s in value):
                raise ValueError(f"seeds must be at most {SEED_MAX} (2**32 - 1)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if not self.envs and not self.sequences:
            raise ValueError("a scenario needs at least one entry in 'envs' or 'sequences'")
        _no_duplicates("model names (labels)", [m.name for m in self.models])
        _no_duplicates("protocols", list(self.protocols))
        _no_duplicates("variants", list(self.variants))
        if isinstance(self.seeds, list):  # a range has none (and may be long)
            _no_duplicates("seeds", self.seeds)
        _no_duplicates("sequence names", [s.name for s in self.sequences])
        if not self.variants:
            raise ValueError("variants must not be empty (use [neutral])")
        if self.personalization is not None and self.personalization.conditions == []:
            raise ValueError("personalization.conditions must not be empty when given")
        return self

    @property
    def seed_list(self) -> list[int]:
        """The seeds as a list."""
        if isinstance(self.seeds, SeedRange):
            return list(range(self.seeds.start, self.seeds.start + self.seeds.count))
        return list(self.seeds)

    def content_hash(self) -> str:
        """A hash of what the scenario measures (every field but :data:`EXECUTION_FIELDS`).

        Two scenarios with the same hash produce the same episodes; an output folder belongs to
        exactly one hash.
        """
        data = self.model_dump(mode="json", exclude=set(EXECUTION_FIELDS))
        return hashlib.sha256(canonical_json(data).encode()).hexdigest()[:16]


def _check_block_counts(value: list[int] | None) -> list[int] | None:
    for n in value or []:
        if not 2 <= n <= 26:
            raise ValueError(f"n_blocks must be between 2 and 26, got {n}")
    if value is not None and len(set(value)) != len(value):
        raise ValueError(f"n_blocks lists a block count twice: {value}")
    return value


def _env_shorthand(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


def _no_duplicates(what: str, items: list[Any]) -> None:
    seen: set[str] = set()
    for item in items:
        key = json.dumps(item, sort_keys=True)
        if key in seen:
            raise ValueError(f"duplicate {what}: {item!r} appears more than once")
        seen.add(key)


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no whitespace: the form every hash in telic is taken over."""
    return _CANONICAL.encode(data)


#: ``json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)``, with the
#: encoder built once (``json.dumps`` builds one per call when given options).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
