"""Everything checked before a run starts, and the dry-run estimate of ``telic validate``.

:func:`preflight` turns a scenario file (plus command-line overrides) into a :class:`Prepared`
run: plugins imported, env IDs resolved, every distinct environment built and reset once (so a
bad keyword argument fails now, not an hour into the run), the episode matrix expanded and every
model built (unknown specs, missing API keys and missing extras fail here). Nothing is written.

:func:`estimate` bounds what the run will use: model calls (each episode's step cap, or the
step budget), tokens (a rough count of the growing conversation, 4 characters a token) and cost
(from the agents' price table, where the model has a price).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios._load import ScenarioError, load_scenario, scenario_from_dict
from scenarios._matrix import EpisodeSpec, Plan, expand
from scenarios._schema import ModelEntry, Scenario, canonical_json

#: Rough sizes used by the token estimate (tokens).
SYSTEM_PROMPT_TOKENS = 250
REPLY_TOKENS = 80
OBSERVATION_TOKENS = 60
CHARS_PER_TOKEN = 4


@dataclass
class EnvProbe:
    """What building and resetting one environment configuration showed."""

    step_cap: int | None
    """The env's step cap (None when it has none)."""
    first_observation_tokens: int
    """Estimated tokens of the first observation."""


@dataclass
class Prepared:
    """A checked run: the plan, the models built for it and what the envs looked like."""

    plan: Plan
    """The expanded scenario."""
    models: dict[str, Any]
    """Model entry name -> the object ``agents.make_model`` built (empty when not built)."""
    probes: dict[str, EnvProbe] = field(default_factory=dict)
    """Canonical JSON of ``(env_id, env_kwargs)`` -> probe."""
    warnings: list[str] = field(default_factory=list)
    """Problems that do not stop a dry run (e.g. missing API keys in ``telic validate``)."""


def apply_overrides(
    scenario: Scenario,
    *,
    models: Sequence[str] | None = None,
    concurrency: int | None = None,
    cache: str | None = None,
) -> Scenario:
    """The scenario with command-line overrides applied (and validated again)."""
    data = scenario.model_dump(mode="json", exclude_unset=False)
    if models:
        data["models"] = [{"spec": spec} for spec in models]
    if concurrency is not None:
        data["concurrency"] = {**data["concurrency"], "max_concurrency": concurrency}
    if cache is not None:
        data["cache"] = {**data["cache"], "mode": cache}
    return scenario_from_dict(data, source="command line")


def preflight(
    scenario: Scenario | str | Path,
    *,
    models: Sequence[str] | None = None,
    concurrency: int | None = None,
    cache: str | None = None,
    build_models: bool = True,
    strict_keys: bool = True,
) -> Prepared:
    """Check a scenario completely without running or writing anything.

    Args:
        scenario: a :class:`~scenarios.Scenario` or the path of a scenario file.
        models: model specs replacing the scenario's (``--model``).
        concurrency: replaces ``concurrency.max_concurrency`` (``--concurrency``).
        cache: replaces ``cache.mode`` (``--cache``).
        build_models: build the models with ``agents.make_model``.
        strict_keys: a missing API key raises; otherwise it becomes a warning.

    Raises:
        ScenarioError, envs.UnknownEnvError, agents.ModelSpecError, agents.MissingAPIKeyError,
        agents.MissingExtraError, ImportError: with a message naming the problem and the fix.
    """
    import envs

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if models or concurrency is not None or cache is not None:
        scenario = apply_overrides(scenario, models=models, concurrency=concurrency, cache=cache)
    envs.import_plugin_modules(list(scenario.plugins))
    plan = expand(scenario)
    prepared = Prepared(plan=plan, models={})
    for spec in plan.episodes:
        key = _probe_key(spec)
        if key not in prepared.probes:
            prepared.probes[key] = _probe(spec)
    if build_models:
        _build_models(scenario, prepared, strict_keys=strict_keys)
    return prepared


def _probe_key(spec: EpisodeSpec) -> str:
    return canonical_json([spec.env_id, spec.env_kwargs])


def _probe(spec: EpisodeSpec) -> EnvProbe:
    import envs

    try:
        env = envs.make(spec.env_id, **spec.env_kwargs)
        try:
            observation, _ = env.reset(seed=spec.seed)
            step_cap = getattr(env.unwrapped, "step_cap", None)
        finally:
            env.close()
    except envs.UnknownEnvError:
        raise
    except Exception as exc:  # any constructor error is a configuration error here
        raise ScenarioError(
            f"environment {spec.env_id!r} cannot be created with {spec.env_kwargs}: {exc}"
        ) from exc
    tokens = len(str(observation)) // CHARS_PER_TOKEN + 1
    return EnvProbe(step_cap=int(step_cap) if step_cap else None, first_observation_tokens=tokens)


def _build_models(scenario: Scenario, prepared: Prepared, *, strict_keys: bool) -> None:
    from agents import MissingAPIKeyError
    from scenarios._execute import build_model

    for entry in scenario.models:
        try:
            prepared.models[entry.name] = build_model(entry, scenario.cache, scenario.concurrency)
        except MissingAPIKeyError as exc:
            if strict_keys:
                raise
            prepared.warnings.append(str(exc))


@dataclass
class Estimate:
    """Upper bounds of what a plan will use (see the module docstring)."""

    episodes: int = 0
    """Episodes in the plan."""
    model_calls: int = 0
    """At most this many model calls (step caps, or the step budget)."""
    input_tokens: int = 0
    """Rough input tokens if every episode used all its steps."""
    output_tokens: int = 0
    """Rough output tokens likewise."""
    cost_usd: float = 0.0
    """Cost of those tokens for the models with a known price."""
    unpriced_models: list[str] = field(default_factory=list)
    """Models without a price (their cost is not in ``cost_usd``)."""
    per_model: dict[str, dict[str, float]] = field(default_factory=dict)
    """The same numbers per model name."""


def estimate(
    prepared: Prepared,
    price_of: Callable[[str], tuple[float, float] | None] | None = None,
) -> Estimate:
    """Bound the calls, tokens and cost of ``prepared``'s plan (see the module docstring)."""
    if price_of is None:
        from agents import price_of as agents_price_of

        price_of = agents_price_of
    plan = prepared.plan
    window = plan.scenario.history_window
    result = Estimate(episodes=len(plan.episodes))
    for chain in plan.chains:
        context = 0  # tokens carried over from earlier tasks of a sequence
        for spec in chain.episodes:
            probe = prepared.probes[_probe_key(spec)]
            calls = _calls(probe, spec)
            first = SYSTEM_PROMPT_TOKENS + probe.first_observation_tokens + context
            turn = REPLY_TOKENS + OBSERVATION_TOKENS
            grown = sum(min(i, window or i) for i in range(calls)) * turn
            tokens_in = calls * first + grown
            tokens_out = calls * REPLY_TOKENS
            context += probe.first_observation_tokens + calls * turn
            _add(result, spec.model, calls, tokens_in, tokens_out, price_of)
    return result


def _calls(probe: EnvProbe, spec: EpisodeSpec) -> int:
    caps = [c for c in (probe.step_cap, spec.budget.max_steps) if c]
    return min(caps) if caps else 0


def _add(
    result: Estimate,
    model: ModelEntry,
    calls: int,
    tokens_in: int,
    tokens_out: int,
    price_of: Callable[[str], tuple[float, float] | None],
) -> None:
    row = result.per_model.setdefault(
        model.name, {"calls": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0}
    )
    row["calls"] += calls
    row["input_tokens"] += tokens_in
    row["output_tokens"] += tokens_out
    result.model_calls += calls
    result.input_tokens += tokens_in
    result.output_tokens += tokens_out
    price = price_of(model.spec)
    if price is None:
        if model.name not in result.unpriced_models:
            result.unpriced_models.append(model.name)
        return
    cost = (tokens_in * price[0] + tokens_out * price[1]) / 1e6
    row["cost_usd"] += cost
    result.cost_usd += cost
