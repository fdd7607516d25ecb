"""Play one episode through the agent graph and return its :class:`envs.EpisodeRecord`.

:func:`run_episode` (blocking, ``graph.invoke``) and :func:`arun_episode` (``graph.ainvoke``,
model calls via ``ainvoke``) take the same arguments and produce the same record. The env is
made from its ID (or injected), reset with the seed, played until it ends or a budget stops it,
and closed. A provider failure that survives the retries ends the episode with
``stop_reason="error"``; the record is still returned.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import gymnasium as gym
from langchain_core.language_models import BaseChatModel

import envs
from agents._config import AgentConfig, Event, variant_name
from agents._errors import BudgetConfigError
from agents._graph import (
    EpisodeContext,
    EpisodeState,
    apply_user_messages,
    awalk,
    compiled_graph,
    episode_cost,
    render_system,
    use_graph_runtime,
    walk,
)
from agents._model import Model
from agents._pricing import price_of
from envs import EpisodeRecord, Message, Usage

_RECORD_FIELDS = ("variant", "condition", "group")


def _jsonable(value: Any) -> Any:
    """Plain JSON data (numpy scalars, tuples and non-string keys converted)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_jsonable(v) for v in items]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if callable(getattr(value, "tolist", None)):  # numpy scalars and arrays
        return _jsonable(value.tolist())
    return str(value)


def default_episode_id(
    model_spec: str,
    env_id: str,
    env_kwargs: Mapping[str, Any],
    seed: int,
    config: AgentConfig,
    metadata: Mapping[str, Any],
) -> str:
    """A deterministic id from everything that defines the episode."""
    payload = json.dumps(
        [model_spec, env_id, _jsonable(env_kwargs), seed, config.model_dump(mode="json"),
         _jsonable(metadata)],
        sort_keys=True,
    )  # fmt: skip
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def _step_cap(env: gym.Env, config: AgentConfig) -> int:
    cap = getattr(env.unwrapped, "step_cap", None)
    if cap is None and env.spec is not None:
        cap = env.spec.max_episode_steps
    if cap is None:
        cap = config.budget.max_steps
    if cap is None:
        raise ValueError(
            f"{type(env.unwrapped).__name__} has no step_cap and no max_episode_steps; "
            "give it one or set AgentConfig(budget=Budget(max_steps=...))"
        )
    if config.budget.max_steps is not None:
        cap = min(int(cap), config.budget.max_steps)
    return int(cap)


def _setup(
    *,
    env_id: str | None,
    env_kwargs: Mapping[str, Any] | None,
    seed: int,
    model: Model | BaseChatModel,
    model_spec: str | None,
    config: AgentConfig | None,
    events: Sequence[Event] | None,
    prior_transcript: Sequence[Message] | None,
    env: gym.Env | None,
    clock: Callable[[], float],
) -> tuple[EpisodeContext, EpisodeState, dict[str, Any], int]:
    config = config or AgentConfig()
    if isinstance(model, BaseChatModel):
        if not model_spec:
            raise ValueError("a bare LangChain chat model needs model_spec='provider:name'")
        model = Model.wrap(model, model_spec)
    elif not isinstance(model, Model):
        raise TypeError(
            f"model must come from agents.make_model or be a LangChain chat model, "
            f"got {type(model).__name__}"
        )
    model = model.for_episode(seed)
    spec = model_spec or model.spec
    base_url = model.options.get("base_url")
    if config.budget.max_cost_usd is not None and price_of(model.spec, base_url) is None:
        raise BudgetConfigError(
            f"max_cost_usd needs the price of {model.spec!r}, which is unknown; give it in a "
            "price file (prices: in the scenario, or --prices) or with agents.set_price"
        )
    if env is None:
        if not env_id:
            raise ValueError("pass env_id (a registered ID such as 'telic/Combined-v1') or env")
        # Gymnasium's passive checker (a first-reset and first-step check of each new env,
        # warnings only) is skipped: it scans the observation character by character, which
        # cost more than a model call's own work here. Envs are checked by envs.check_text_env.
        env = envs.make(env_id, **{"disable_env_checker": True, **dict(env_kwargs or {})})
    protocol = getattr(env.unwrapped, "protocol", (env_kwargs or {}).get("protocol", "tags"))
    checked = tuple(Event.model_validate(e) for e in (events or ()))
    ctx = EpisodeContext(
        env=env,
        model=model,
        model_spec=spec,
        config=config,
        protocol=protocol,
        events=checked,
        prior=tuple(prior_transcript or ()),
        clock=clock,
        started=clock(),
    )
    observation, info = env.reset(seed=seed)
    extra_prompt = config.extra_prompt
    log = []
    for event in checked:
        if event.at_step == 0 and event.kind == "set_prompt":
            extra_prompt = event.text or None
            log.append({"at_step": 0, "kind": "set_prompt", "applied": True, "text": event.text})
        elif event.at_step == 0 and event.kind == "user_message":
            log.append({"at_step": 0, "kind": "user_message", "applied": True, "text": event.text})
    first = apply_user_messages(observation, checked, 0)
    state: EpisodeState = {
        "transcript": [
            Message(role="system", content=render_system(ctx, extra_prompt), step=0),
            Message(role="user", content=first, step=0),
        ],
        "native": [None, None],
        "actions": [],
        "retries": [],
        "errors": [],
        "event_log": log,
        "reply": None,
        "steps": 0,
        "done": False,
        "terminated": False,
        "truncated": False,
        "info": info,
        "stop_reason": None,
        "usage": {},
        "extra_prompt": extra_prompt,
    }
    return ctx, state, dict(info), _step_cap(env, config)


def _event_log(ctx: EpisodeContext, final: EpisodeState) -> list[dict[str, Any]]:
    """The applied events, then those the episode never reached (``applied: False``)."""
    log = list(final.get("event_log", []))
    seen = Counter((e["at_step"], e["kind"], e.get("text", "")) for e in log)
    for event in ctx.events:
        key = (event.at_step, event.kind, event.text)
        if seen[key] > 0:
            seen[key] -= 1
            continue
        entry: dict[str, Any] = {"at_step": event.at_step, "kind": event.kind, "applied": False}
        if event.text:
            entry["text"] = event.text
        entry["note"] = f"the episode ended after step {final.get('steps', 0)}"
        log.append(entry)
    return log


def _record(
    ctx: EpisodeContext,
    final: EpisodeState,
    *,
    env_id: str | None,
    env_kwargs: Mapping[str, Any] | None,
    seed: int,
    episode_id: str | None,
    metadata: Mapping[str, Any] | None,
    wall_time_s: float,
) -> EpisodeRecord:
    metadata = dict(metadata or {})
    env_id = env_id or (ctx.env.spec.id if ctx.env.spec is not None else type(ctx.env).__name__)
    env_kwargs = _jsonable(dict(env_kwargs or {}))
    info = _jsonable(final.get("info", {}))
    usage = final.get("usage", {})
    extra: dict[str, Any] = {
        k: _jsonable(v) for k, v in metadata.items() if k not in _RECORD_FIELDS
    }
    events = _event_log(ctx, final)
    if events:
        extra["events"] = events
    if ctx.prior:
        extra["prior_messages"] = len(ctx.prior)
    n_blocks = info.get("n_blocks", env_kwargs.get("n_blocks"))
    return EpisodeRecord(
        episode_id=episode_id
        or default_episode_id(ctx.model_spec, env_id, env_kwargs, seed, ctx.config, metadata),
        model=ctx.model_spec,
        env_id=env_id,
        env_kwargs=dict(env_kwargs),
        seed=seed,
        task=info.get("task"),
        n_blocks=n_blocks if isinstance(n_blocks, int) else None,
        protocol=ctx.protocol,
        variant=str(metadata.get("variant") or variant_name(ctx.config.extra_prompt)),
        condition=metadata.get("condition"),
        group=metadata.get("group"),
        transcript=final.get("transcript", []),
        actions=final.get("actions", []),
        steps=final.get("steps", 0),
        terminated=final.get("terminated", False),
        truncated=final.get("truncated", False),
        stop_reason=cast(Any, final.get("stop_reason") or "terminated"),
        info=info,
        completed=bool(info.get("completed", False)),
        usage=Usage(**{k: int(v) for k, v in usage.items()}),
        cost_usd=episode_cost(ctx, usage),
        wall_time_s=wall_time_s,
        retries=_jsonable(final.get("retries", [])),
        errors=_jsonable(final.get("errors", [])),
        extra=extra,
        **{"return": info.get("return")},
    )


def _attach_partial(exc: Exception, ctx: EpisodeContext, last: EpisodeState, **where: Any) -> None:
    """Give an exception that escapes the graph the record of what was played before it
    (``exc.partial_record``, ``stop_reason`` "error"): its transcript, usage and cost are not
    lost with it."""
    step = int(last.get("steps", 0)) + 1
    error = {"step": step, "kind": type(exc).__name__, "message": str(exc)[:2000]}
    state = cast(
        EpisodeState,
        {**last, "stop_reason": "error", "errors": [*last.get("errors", []), error]},
    )
    try:
        exc.partial_record = _record(  # type: ignore[attr-defined]
            ctx, state, wall_time_s=ctx.clock() - ctx.started, **where
        )
    except Exception:  # the partial record is a courtesy; the exception itself matters
        return


def run_episode(
    *,
    env_id: str | None = None,
    env_kwargs: Mapping[str, Any] | None = None,
    seed: int,
    model: Model | BaseChatModel,
    model_spec: str | None = None,
    config: AgentConfig | None = None,
    episode_id: str | None = None,
    events: Sequence[Event] | None = None,
    prior_transcript: Sequence[Message] | None = None,
    metadata: Mapping[str, Any] | None = None,
    env: gym.Env | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> EpisodeRecord:
    """Play one episode and return its record.

    Args:
        env_id: Registered env ID (``telic/Combined-v1``); made with ``env_kwargs``.
        env_kwargs: Keyword arguments of the env (``n_blocks``, ``protocol``, ...).
        seed: Passed to ``env.reset``.
        model: From :func:`agents.make_model`, or any LangChain chat model (then
            ``model_spec`` is required).
        model_spec: The spec the record is filed under; defaults to the model's own.
        config: Prompt options, history window and budgets.
        episode_id: Record id; by default a hash of everything that defines the episode.
        events: Scripted scenario events (:class:`agents.Event`).
        prior_transcript: Messages of earlier episodes that prefix the conversation (stepped
            context). The record's transcript holds only this episode's messages;
            ``extra["prior_messages"]`` counts the prefix.
        metadata: ``variant``, ``condition`` and ``group`` fill those record fields; other
            keys go to ``extra``.
        env: An env instance to use instead of making one from ``env_id`` (it is closed at
            the end).
        clock: Monotonic clock for the wall time and its budget.

    Raises:
        CacheMissError: a replay-only cache lacks a call.
        ModelSpecError, BudgetConfigError, ValueError: bad arguments.

    An exception raised while the episode plays carries ``partial_record``: the record of the
    steps played before it, with ``stop_reason`` "error".
    """
    ctx, state, _info, cap = _setup(
        env_id=env_id, env_kwargs=env_kwargs, seed=seed, model=model, model_spec=model_spec,
        config=config, events=events, prior_transcript=prior_transcript, env=env, clock=clock,
    )  # fmt: skip
    final = state
    try:
        limit = 2 * cap + 10
        states = (
            compiled_graph(False).stream(
                state, config={"recursion_limit": limit}, context=ctx, stream_mode="values"
            )
            if use_graph_runtime()
            else walk(state, ctx, limit)
        )
        for values in states:
            final = values
    except Exception as exc:
        _attach_partial(exc, ctx, final, env_id=env_id, env_kwargs=env_kwargs, seed=seed,
                        episode_id=episode_id, metadata=metadata)  # fmt: skip
        raise
    finally:
        ctx.env.close()
    return _record(
        ctx, final, env_id=env_id, env_kwargs=env_kwargs, seed=seed, episode_id=episode_id,
        metadata=metadata, wall_time_s=clock() - ctx.started,
    )  # fmt: skip


async def arun_episode(
    *,
    env_id: str | None = None,
    env_kwargs: Mapping[str, Any] | None = None,
    seed: int,
    model: Model | BaseChatModel,
    model_spec: str | None = None,
    config: AgentConfig | None = None,
    episode_id: str | None = None,
    events: Sequence[Event] | None = None,
    prior_transcript: Sequence[Message] | None = None,
    metadata: Mapping[str, Any] | None = None,
    env: gym.Env | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> EpisodeRecord:
    """Async :func:`run_episode` (``graph.ainvoke``; model calls via ``ainvoke``)."""
    ctx, state, _info, cap = _setup(
        env_id=env_id, env_kwargs=env_kwargs, seed=seed, model=model, model_spec=model_spec,
        config=config, events=events, prior_transcript=prior_transcript, env=env, clock=clock,
    )  # fmt: skip
    final = state
    try:
        limit = 2 * cap + 10
        states = (
            compiled_graph(True).astream(
                state, config={"recursion_limit": limit}, context=ctx, stream_mode="values"
            )
            if use_graph_runtime()
            else awalk(state, ctx, limit)
        )
        async for values in states:
            final = values
    except Exception as exc:
        _attach_partial(exc, ctx, final, env_id=env_id, env_kwargs=env_kwargs, seed=seed,
                        episode_id=episode_id, metadata=metadata)  # fmt: skip
        raise
    finally:
        ctx.env.close()
    return _record(
        ctx, final, env_id=env_id, env_kwargs=env_kwargs, seed=seed, episode_id=episode_id,
        metadata=metadata, wall_time_s=clock() - ctx.started,
    )  # fmt: skip
