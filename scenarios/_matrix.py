"""Expanding a scenario into the episodes it asks for.

The matrix is models x (envs and sequences) x n_blocks x seeds x variants x protocols
(x personalization conditions). Each cell is an :class:`EpisodeSpec` whose id is a hash of the
canonical JSON of everything that determines the episode, so the same scenario entry and seed
always give the same id (resume relies on it) and a changed setting gives a new one.

Episodes are grouped into :class:`Chain` objects: a fresh-conversation episode is a chain of
one; a stepped-context sequence is a chain whose later episodes continue the conversation of
the earlier ones and therefore run in order.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from json.encoder import encode_basestring_ascii
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scenarios._load import ScenarioError
from scenarios._schema import (
    BudgetSettings,
    EnvEntry,
    EventEntry,
    ModelEntry,
    Scenario,
    SeedRange,
    canonical_json,
)
from telic import suggestion

ID_LENGTH = 16

#: (sequence name or None, its environments, its block counts)
_Tasks = tuple[str | None, list[EnvEntry], list[int] | None]


class EpisodeSpec(BaseModel):
    """Everything that determines one episode (its id is a hash of the rest)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    episode_id: str
    """Hash of the canonical JSON of the other fields."""
    scenario: str
    """Name of the scenario."""
    model: ModelEntry
    """The model entry (spec, options, label)."""
    env_id: str
    """Gymnasium ID."""
    env_kwargs: dict[str, Any]
    """Keyword arguments for ``gymnasium.make`` (``n_blocks``, ``protocol`` included)."""
    seed: int
    """Seed for ``env.reset``."""
    variant: str
    """Prompt variant name."""
    extra_prompt: str | None
    """Text appended to the system prompt for this variant (None: nothing)."""
    condition: str | None = None
    """Personalization condition, if the scenario has personalization conditions."""
    personalization: dict[str, Any] | None = None
    """The scenario's personalization block, as data."""
    history_window: int | None = None
    """Turns kept in each model call (None: all)."""
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    """Per-episode budgets."""
    events: list[EventEntry] = Field(default_factory=list)
    """Scripted events that apply to this episode."""
    group: str | None = None
    """Id of the stepped-context sequence instance this episode belongs to."""
    sequence: str | None = None
    """Name of that sequence."""
    position: int = 0
    """Index of this episode in its sequence (0 for the first and for fresh episodes)."""
    previous_id: str | None = None
    """Episode id whose transcript this one continues (stepped context)."""

    @property
    def protocol(self) -> str:
        """The action protocol (``tags`` unless the env kwargs say otherwise)."""
        return str(self.env_kwargs.get("protocol", "tags"))


class Chain(BaseModel):
    """Episodes that run in order in one conversation (one episode for fresh conversations)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    episodes: tuple[EpisodeSpec, ...]
    """In playing order."""


class Plan(BaseModel):
    """A scenario expanded into chains of episodes."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: Scenario
    """The scenario (after command-line overrides)."""
    chains: tuple[Chain, ...]
    """Every chain, in scheduling order."""

    @property
    def episodes(self) -> list[EpisodeSpec]:
        """Every episode of every chain."""
        return [e for chain in self.chains for e in chain.episodes]

    @property
    def scenario_hash(self) -> str:
        """The scenario's :meth:`~scenarios.Scenario.content_hash`."""
        return self.scenario.content_hash()


def episode_id(fields: Mapping[str, Any]) -> str:
    """The deterministic id of an episode: a hash of the canonical JSON of its fields."""
    return hashlib.sha256(canonical_json(dict(fields)).encode()).hexdigest()[:ID_LENGTH]


def _json_of(value: Any) -> str:
    """:func:`~scenarios._schema.canonical_json` of ``value``, quicker for the commonest
    scalars (the same text: JSON writes an int as its ``repr`` and a string through the ASCII
    escaper)."""
    if value is None:
        return "null"
    if type(value) is str:
        return encode_basestring_ascii(value)
    if type(value) is int:
        return repr(value)
    return canonical_json(value)


def _id_of_encoded(encoded: Mapping[str, str]) -> str:
    """:func:`episode_id` of the mapping whose values ``encoded`` holds as canonical JSON: the
    canonical JSON of a mapping is its sorted keys, each with its value's canonical JSON, so
    the large values a whole cell shares are encoded once, not once per episode."""
    text = ",".join([f"{_json_of(key)}:{encoded[key]}" for key in sorted(encoded)])
    return hashlib.sha256(f"{{{text}}}".encode()).hexdigest()[:ID_LENGTH]


@dataclass(frozen=True)
class _Task:
    """One environment of a chain as every cell with the same block count and protocol plays
    it: its keyword arguments and events, as data, as the spec takes them and encoded."""

    entry: EnvEntry
    kwargs: dict[str, Any]
    events: list[EventEntry]
    encoded: dict[str, str]


def resolve_variants(
    scenario: Scenario, known: Mapping[str, str | None] | None = None
) -> list[tuple[str, str | None]]:
    """``(name, extra prompt text)`` of each variant; names resolve via ``agents.PROMPT_VARIANTS``.

    Raises:
        ScenarioError: for an unknown variant name without its own text (did-you-mean).
    """
    if known is None:
        from agents import PROMPT_VARIANTS

        known = PROMPT_VARIANTS
    if isinstance(scenario.variants, dict):
        items = list(scenario.variants.items())
    else:
        items = [(name, None) for name in scenario.variants]
    resolved = []
    for name, text in items:
        if text is None:
            if name not in known:
                hint = suggestion(name, known, n=1)
                raise ScenarioError(
                    f"unknown prompt variant {name!r}.{hint} Known: {', '.join(known)}; or give "
                    f"its text: variants: {{{name}: 'text appended to the system prompt'}}"
                )
            text = known[name]
        resolved.append((name, text or None))
    return resolved


@cache
def _creator(env_id: str) -> Any:
    import gymnasium as gym
    from gymnasium.envs.registration import load_env_creator

    import envs

    envs.env_entry(env_id)  # unknown IDs raise with a suggestion
    entry_point = gym.spec(env_id).entry_point
    try:
        return load_env_creator(entry_point) if isinstance(entry_point, str) else entry_point
    except (ImportError, AttributeError) as exc:
        raise ScenarioError(
            f"environment {env_id!r} is registered but its code cannot be loaded: {exc}"
        ) from exc


@cache
def env_parameters(env_id: str) -> frozenset[str] | None:
    """Keyword arguments the env's constructor takes (None if it takes ``**kwargs``)."""
    creator = _creator(env_id)
    target = creator.__init__ if inspect.isclass(creator) else creator
    params = inspect.signature(target).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params)


def env_task_name(env_id: str) -> str | None:
    """The env class's ``task_name`` (what its records carry as ``task``), if it has one."""
    name = getattr(_creator(env_id), "task_name", None)
    return name if isinstance(name, str) else None


def _accepts(env_id: str, name: str) -> bool:
    params = env_parameters(env_id)
    return params is None or name in params


def expand(scenario: Scenario, known_variants: Mapping[str, str | None] | None = None) -> Plan:
    """Expand ``scenario`` into a :class:`Plan` (env IDs must resolve; plugins imported first).

    Chains are ordered seed-major, so an interrupted run has covered every cell evenly.
    """
    variants = resolve_variants(scenario, known_variants)
    conditions: list[str | None] = [None]
    personalization = None
    if scenario.personalization is not None:
        personalization = scenario.personalization.as_dict()
        conditions = list(scenario.personalization.conditions or []) or [None]
    tasks: list[_Tasks] = [(None, [e], scenario.n_blocks) for e in scenario.envs]
    tasks += [(s.name, list(s.tasks), s.n_blocks or scenario.n_blocks) for s in scenario.sequences]
    for _, entries, _ in tasks:
        for entry in entries:
            env_parameters(entry.id)
    if personalization is not None:
        _check_user_conditions(tasks, conditions, personalization)
    for name, entries, _ in tasks:
        for later in entries[1:] if name else []:
            if not _accepts(later.id, "continued"):
                raise ScenarioError(
                    f"sequence {name!r}: environment {later.id!r} cannot continue a conversation "
                    "(its constructor has no 'continued' argument)"
                )

    _check_size(scenario, tasks, variants, conditions)
    chains: list[Chain] = []
    seen: set[str] = set()
    # what the cells repeat, validated and encoded once (the cells only read these)
    models = []
    for model in scenario.models:
        data = model.model_dump(mode="json")
        models.append((data, ModelEntry.model_validate(data), canonical_json(data)))
    budget = scenario.budget.model_dump(mode="json")
    budget_entry = BudgetSettings.model_validate(budget)
    encoded_constants = {
        "scenario": _json_of(scenario.name),
        "personalization": _json_of(personalization),
        "history_window": _json_of(scenario.history_window),
        "budget": canonical_json(budget),
    }
    events_of: dict[str, tuple[list[EventEntry], str]] = {}
    shapes = []
    for seq_name, entries, counts in tasks:
        pairs = itertools.product(_block_counts(counts, entries), _protocols(scenario, entries))
        cells = [
            (n_blocks, protocol, _tasks(scenario, entries, n_blocks, protocol, events_of))
            for n_blocks, protocol in pairs
        ]
        shapes.append((seq_name, entries, cells))
    for seed, model, shape, (variant, extra), condition in itertools.product(
        scenario.seed_list, models, shapes, variants, conditions
    ):
        model_data, model_entry, model_json = model
        seq_name, entries, cells = shape
        cell = {
            "scenario": scenario.name,
            "model": model_data,
            "seed": seed,
            "variant": variant,
            "extra_prompt": extra,
            "condition": condition,
            "personalization": personalization,
            "history_window": scenario.history_window,
            "budget": budget,
        }
        encoded = {
            **encoded_constants,
            "model": model_json,
            "seed": _json_of(seed),
            "variant": _json_of(variant),
            "extra_prompt": _json_of(extra),
            "condition": _json_of(condition),
        }
        values = {**cell, "model": model_entry, "budget": budget_entry}
        for n_blocks, protocol, played in cells:
            chain = _chain(cell, encoded, values, seq_name, entries, n_blocks, protocol, played)
            for spec in chain.episodes:
                if spec.episode_id in seen:
                    raise ScenarioError(
                        f"two entries of the scenario describe the same episode ({spec.env_id}, "
                        f"seed {spec.seed}, model {spec.model.name}); remove the duplicate"
                    )
                seen.add(spec.episode_id)
            chains.append(chain)
    return Plan(scenario=scenario, chains=tuple(chains))


def episode_count(
    scenario: Scenario,
    tasks: list[_Tasks],
    variants: list[tuple[str, str | None]],
    conditions: list[str | None],
) -> int:
    """How many episodes the matrix holds, computed from its factors (nothing is built)."""
    seeds = scenario.seeds.count if isinstance(scenario.seeds, SeedRange) else len(scenario.seeds)
    per_cell = sum(
        len(entries) * len(_block_counts(counts, entries)) * len(_protocols(scenario, entries))
        for _, entries, counts in tasks
    )
    return seeds * len(scenario.models) * len(variants) * len(conditions) * per_cell


def _check_size(
    scenario: Scenario,
    tasks: list[_Tasks],
    variants: list[tuple[str, str | None]],
    conditions: list[str | None],
) -> None:
    count = episode_count(scenario, tasks, variants, conditions)
    if count > scenario.max_episodes:
        raise ScenarioError(
            f"scenario {scenario.name!r} expands to {count:,} episodes, more than its limit of "
            f"{scenario.max_episodes:,}; fewer seeds, models or variants, or set max_episodes: "
            f"{count} in the scenario if you mean it"
        )


def _check_user_conditions(
    tasks: list[_Tasks], conditions: list[str | None], settings: dict[str, Any]
) -> None:
    """Conditions and settings fail here, not in every episode: each personalization family
    whose environments the scenario uses checks them."""
    from personalization import PersonalizationError, check_conditions

    used = {e.id for _, entries, _ in tasks for e in entries}
    try:
        check_conditions(used, [c for c in conditions if c is not None], settings)
    except PersonalizationError as exc:
        raise ScenarioError(f"personalization: {exc}") from exc


def _block_counts(counts: list[int] | None, entries: list[EnvEntry]) -> list[int | None]:
    wants = any("n_blocks" not in e.kwargs and _accepts(e.id, "n_blocks") for e in entries)
    return list(counts) if counts and wants else [None]


def _protocols(scenario: Scenario, entries: list[EnvEntry]) -> list[str | None]:
    wants = any("protocol" not in e.kwargs and _accepts(e.id, "protocol") for e in entries)
    return list(scenario.protocols) if wants else [None]


def _tasks(
    scenario: Scenario,
    entries: list[EnvEntry],
    n_blocks: int | None,
    protocol: str | None,
    events_of: dict[str, tuple[list[EventEntry], str]],
) -> list[_Task]:
    """The environments of a chain with ``n_blocks`` and ``protocol`` filled in where the env
    takes them and the scenario's events for each (``events_of`` remembers them by env ID)."""
    tasks = []
    for position, entry in enumerate(entries):
        kwargs = dict(entry.kwargs)
        if n_blocks is not None and "n_blocks" not in kwargs and _accepts(entry.id, "n_blocks"):
            kwargs["n_blocks"] = n_blocks
        if protocol is not None and "protocol" not in kwargs and _accepts(entry.id, "protocol"):
            kwargs["protocol"] = protocol
        if position > 0:
            kwargs["continued"] = True
        if entry.id not in events_of:
            events = [
                e.model_dump(mode="json")
                for e in scenario.events
                if e.envs is None or entry.id in e.envs
            ]
            events_of[entry.id] = (
                [EventEntry.model_validate(e) for e in events],
                canonical_json(events),
            )
        event_entries, events_json = events_of[entry.id]
        encoded = {
            "env_id": _json_of(entry.id),
            "env_kwargs": canonical_json(kwargs),
            "events": events_json,
            "position": _json_of(position),
        }
        tasks.append(_Task(entry, kwargs, event_entries, encoded))
    return tasks


def _chain(
    cell: dict[str, Any],
    encoded: dict[str, str],
    values: dict[str, Any],
    seq_name: str | None,
    entries: list[EnvEntry],
    n_blocks: int | None,
    protocol: str | None,
    tasks: list[_Task],
) -> Chain:
    """The chain of one cell: ``cell`` is its fields as data (the sequence's group id hashes
    them), ``encoded`` as canonical JSON (the episode ids hash them) and ``values`` as
    :class:`EpisodeSpec` takes them."""
    group = None
    if seq_name is not None:
        group_fields = {**cell, "sequence": seq_name, "n_blocks": n_blocks, "protocol": protocol}
        group_fields["tasks"] = [e.model_dump(mode="json") for e in entries]
        group = f"{seq_name}-{episode_id(group_fields)[:10]}"
    shared = {**encoded, "group": _json_of(group), "sequence": _json_of(seq_name)}
    specs: list[EpisodeSpec] = []
    previous: str | None = None
    for position, task in enumerate(tasks):
        spec_id = _id_of_encoded({**shared, **task.encoded, "previous_id": _json_of(previous)})
        spec = EpisodeSpec.model_validate(
            {
                **values,
                "env_id": task.entry.id,
                "env_kwargs": task.kwargs,
                "events": task.events,
                "group": group,
                "sequence": seq_name,
                "position": position,
                "previous_id": previous,
                "episode_id": spec_id,
            }
        )
        specs.append(spec)
        previous = spec.episode_id
    return Chain(episodes=tuple(specs))
