"""Everything checked before a run starts, and the dry-run estimate of ``telic validate``.

:func:`preflight` turns a scenario file (plus command-line overrides) into a :class:`Prepared`
run: plugins imported, env IDs resolved, every distinct environment built and reset once (so a
bad keyword argument fails now, not an hour into the run), the episode matrix expanded and every
model built (unknown specs, missing API keys and missing extras fail here). Nothing is written.

:func:`estimate` says what the run will use, typically (as many calls per episode as the
scripted oracle takes) and at most (each episode's step cap, or the step budget): model calls,
tokens (a rough count of the growing conversation, 4 characters a token) and cost (from the
agents' price table, where the model has a price).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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
    model_options: Mapping[str, Any] | None = None,
) -> Scenario:
    """The scenario with command-line overrides applied (and validated again).

    ``model_options`` (``-M key=value``, ``--base-url``) are set on every model.
    """
    data = scenario.model_dump(mode="json", exclude_unset=False)
    if models:
        data["models"] = [{"spec": spec} for spec in models]
    if model_options:
        data["models"] = [
            {**m, "options": {**m.get("options", {}), **model_options}} for m in data["models"]
        ]
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
    model_options: Mapping[str, Any] | None = None,
    price_file: Path | None = None,
    cost_limit: float | None = None,
) -> Prepared:
    """Check a scenario completely without running or writing anything.

    Args:
        scenario: a :class:`~scenarios.Scenario` or the path of a scenario file.
        models: model specs replacing the scenario's (``--model``).
        concurrency: replaces ``concurrency.max_concurrency`` (``--concurrency``).
        cache: replaces ``cache.mode`` (``--cache``).
        build_models: build the models with ``agents.make_model``.
        strict_keys: a missing API key raises; otherwise it becomes a warning.
        model_options: options set on every model (``-M key=value``, ``--base-url``).
        price_file: a price file that overrides the scenario's prices (``--prices``).
        cost_limit: the run's cost limit (``--cost-limit``); like ``budget.max_cost_usd`` it
            needs every model's price.

    Raises:
        ScenarioError, envs.UnknownEnvError, agents.ModelSpecError, agents.MissingAPIKeyError,
        agents.MissingExtraError, ImportError: with a message naming the problem and the fix.
    """
    import envs
    from scenarios._prices import apply_prices, check_budget_prices, resolve_prices

    scenario_dir = None
    if not isinstance(scenario, Scenario):
        scenario_dir = Path(scenario).parent
        scenario = load_scenario(scenario)
    if models or concurrency is not None or cache is not None or model_options:
        scenario = apply_overrides(
            scenario,
            models=models,
            concurrency=concurrency,
            cache=cache,
            model_options=model_options,
        )
    apply_prices(resolve_prices(scenario, scenario_dir, price_file))
    check_budget_prices(scenario, cost_limit)
    envs.import_plugin_modules(list(scenario.plugins))
    plan = expand(scenario)
    prepared = Prepared(plan=plan, models={})
    keys: dict[Any, str] = {}
    for spec in plan.episodes:
        key = _cached_probe_key(spec, keys)
        if key not in prepared.probes:
            prepared.probes[key] = _probe(spec)
    if build_models:
        _build_models(scenario, prepared, strict_keys=strict_keys)
    return prepared


def _probe_key(spec: EpisodeSpec) -> str:
    return canonical_json([spec.env_id, spec.env_kwargs])


def _cached_probe_key(spec: EpisodeSpec, keys: dict[Any, str]) -> str:
    """:func:`_probe_key`, remembered in ``keys`` for env kwargs of plain hashable values (the
    usual case: many episodes share a few configurations)."""
    try:
        memo = (spec.env_id, frozenset(spec.env_kwargs.items()))
        hash(memo)
    except TypeError:  # a list or mapping among the kwargs
        return _probe_key(spec)
    if memo not in keys:
        keys[memo] = _probe_key(spec)
    return keys[memo]


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


def check_models(prepared: Prepared, *, strict_keys: bool) -> None:
    """Check the plan's model entries as :func:`preflight` does when it builds them, without
    building them (``agents`` checks a ``scripted:`` spec without loading LangChain): what
    ``telic validate`` needs, and faster."""
    from agents import MissingAPIKeyError, check_model
    from scenarios._execute import model_options

    scenario = prepared.plan.scenario
    for entry in scenario.models:
        try:
            check_model(entry.spec, **model_options(entry, scenario.cache, scenario.concurrency))
        except MissingAPIKeyError as exc:
            if strict_keys:
                raise
            prepared.warnings.append(str(exc))


@dataclass
class Estimate:
    """What a plan will use: a typical figure and an upper bound (see the module docstring).

    *Typical* counts as many model calls per episode as the scripted oracle takes on the same
    environment (a capable model's pace; flailing models take more). *At most* lets every
    episode run to its step cap (or the step budget).
    """

    episodes: int = 0
    """Episodes in the plan."""
    model_calls: int = 0
    """At most this many model calls."""
    input_tokens: int = 0
    """Rough input tokens if every episode used all its steps."""
    output_tokens: int = 0
    """Rough output tokens likewise."""
    cost_usd: float = 0.0
    """Cost of those tokens for the models with a known price."""
    typical_calls: int = 0
    """Model calls at the scripted oracle's pace."""
    typical_input_tokens: int = 0
    """Rough input tokens at that pace."""
    typical_output_tokens: int = 0
    """Rough output tokens at that pace."""
    typical_cost_usd: float = 0.0
    """Cost at that pace, for the models with a known price."""
    unpriced_models: list[str] = field(default_factory=list)
    """Models without a price (their cost is in neither cost figure)."""
    per_model: dict[str, dict[str, float]] = field(default_factory=dict)
    """The same numbers per model name (keys as the fields above)."""


def estimate(
    prepared: Prepared,
    price_of: Callable[[str], tuple[float, float] | None] | None = None,
) -> Estimate:
    """Estimate the calls, tokens and cost of ``prepared``'s plan (see :class:`Estimate`)."""
    lookup: Callable[[ModelEntry], tuple[float, float] | None] = (
        _model_price_of if price_of is None else (lambda entry: price_of(entry.spec))
    )
    prices: dict[str, tuple[float, float] | None] = {}  # by model name: one lookup per model

    def price(entry: ModelEntry) -> tuple[float, float] | None:
        if entry.name not in prices:
            prices[entry.name] = lookup(entry)
        return prices[entry.name]

    plan = prepared.plan
    window = plan.scenario.history_window
    result = Estimate(episodes=len(plan.episodes))
    oracle_calls: dict[str, int] = {}
    keys: dict[Any, str] = {}
    for chain in plan.chains:
        carried = [0, 0]  # tokens carried over from earlier tasks of a sequence (typical, max)
        for spec in chain.episodes:
            key = _cached_probe_key(spec, keys)
            probe = prepared.probes[key]
            cap = _calls(probe, spec)
            if key not in oracle_calls:
                oracle_calls[key] = _oracle_calls(spec)
            typical = min(oracle_calls[key] or cap, cap) if cap else oracle_calls[key]
            for slot, calls in enumerate((typical, cap)):
                tokens_in, tokens_out = _tokens(calls, probe, carried[slot], window)
                carried[slot] += probe.first_observation_tokens + calls * _TURN
                _add(result, spec.model, slot == 0, calls, tokens_in, tokens_out, price)
    return result


def _model_price_of(entry: ModelEntry) -> tuple[float, float] | None:
    from scenarios._prices import model_price

    return model_price(entry)


_TURN = REPLY_TOKENS + OBSERVATION_TOKENS
_ESTIMATE_KEYS = (
    "model_calls",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "typical_calls",
    "typical_input_tokens",
    "typical_output_tokens",
    "typical_cost_usd",
)


def _tokens(calls: int, probe: EnvProbe, carried: int, window: int | None) -> tuple[int, int]:
    """Input and output tokens of an episode of ``calls`` calls: every call sends the system
    prompt, the first observation and the turns so far (at most ``window`` of them)."""
    first = SYSTEM_PROMPT_TOKENS + probe.first_observation_tokens + carried
    return calls * first + _turns_sent(calls, window) * _TURN, calls * REPLY_TOKENS


def _turns_sent(calls: int, window: int | None) -> int:
    """Earlier turns sent over ``calls`` calls: call ``i`` (from 0) sends ``min(i, window)``
    of them (all ``i`` without a window), summed in closed form."""
    if not window or calls <= window:
        return calls * (calls - 1) // 2
    return window * (window - 1) // 2 + (calls - window) * window


def _calls(probe: EnvProbe, spec: EpisodeSpec) -> int:
    caps = [c for c in (probe.step_cap, spec.budget.max_steps) if c]
    return min(caps) if caps else 0


def _oracle_calls(spec: EpisodeSpec) -> int:
    """Model calls the scripted oracle makes on ``spec``'s env and seed (0 if it cannot play it).

    Played straight against the env (``agents.scripted_calls``), which makes the moves the agent
    graph would make with ``scripted:oracle`` without loading the graph's stack."""
    from agents import scripted_calls

    try:
        return scripted_calls(spec.env_id, dict(spec.env_kwargs), spec.seed) or 0
    except Exception:  # an env the oracle does not know: fall back to the step cap
        return 0


def _add(
    result: Estimate,
    model: ModelEntry,
    typical: bool,
    calls: int,
    tokens_in: int,
    tokens_out: int,
    price_of: Callable[[ModelEntry], tuple[float, float] | None],
) -> None:
    row = result.per_model.get(model.name)
    if row is None:
        row = result.per_model[model.name] = dict.fromkeys(_ESTIMATE_KEYS, 0.0)
    price = price_of(model)
    if price is None and model.name not in result.unpriced_models:
        result.unpriced_models.append(model.name)
    cost = (tokens_in * price[0] + tokens_out * price[1]) / 1e6 if price else 0.0
    names = _ESTIMATE_KEYS[4:] if typical else _ESTIMATE_KEYS[:4]
    for name, value in zip(names, (calls, tokens_in, tokens_out, cost), strict=True):
        row[name] += value
        setattr(result, name, getattr(result, name) + value)
