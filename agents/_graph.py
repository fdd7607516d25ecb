"""The LangGraph agent graph: an ``agent`` node (one model call) and an ``env`` node (one step).

::

    START -> agent -> env -> agent -> env ... -> END

The env, the model, the config and the scripted events travel in LangGraph's runtime context
(``context_schema=EpisodeContext``), not in the state; the state holds only what the episode
produces (transcript, actions, usage, ...). Every list in the state is append-only (an
``operator.add`` reducer), so nodes return just what they add.

The graph ends when the env terminates or truncates, when a budget is hit (checked before each
model call; the wall-time budget also bounds the call itself) or when a model call fails for
good. A reply longer than the model's ``max_reply_chars`` is cut, and the cut recorded as a
``reply_truncated`` error entry. Two graphs are compiled once per process: one
with synchronous nodes (``invoke``) and one with async nodes (``ainvoke``).

The runner plays episodes with :func:`walk`/:func:`awalk`, which call the same nodes along the
same edges and apply their updates with the same reducers, without LangGraph's per-step
bookkeeping; LangGraph's runtime is used when LangSmith tracing is on or
``TELIC_AGENT_LOOP=graph`` (:func:`use_graph_runtime`). Both give the same records.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import operator
import os
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, TypedDict, get_type_hints

import gymnasium as gym
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agents._config import AgentConfig, Event
from agents._errors import ProviderError
from agents._messages import (
    MADE,
    Conversation,
    MadeMessages,
    Reply,
    action_string,
    observation_messages,
    read_reply,
    select_context,
)
from agents._model import Model, ModelReply, WallTimeExceeded
from agents._pricing import cost_usd
from agents._prompt import system_prompt
from envs import ActionRecord, Message


@dataclass(frozen=True)
class EpisodeContext:
    """Run-scoped dependencies of one episode (LangGraph runtime context)."""

    env: gym.Env
    """The environment, already reset."""
    model: Model
    """The model, with its retry policy, limits and cache."""
    model_spec: str
    """The name the record is filed under (prices are looked up by ``model.spec``)."""
    config: AgentConfig
    """Prompt options and budgets."""
    protocol: str
    """``tags`` or ``tools``."""
    events: tuple[Event, ...]
    """Scripted scenario events."""
    prior: tuple[Message, ...]
    """Messages of earlier episodes that prefix the conversation (stepped context)."""
    clock: Callable[[], float]
    """Monotonic clock for the wall-time budget."""
    started: float
    """``clock()`` when the episode started."""
    made: MadeMessages = dataclasses.field(default=MADE, repr=False, compare=False)
    """LangChain messages made so far, by transcript message (see ``to_langchain``)."""
    conversation: Conversation = dataclasses.field(
        default_factory=Conversation, repr=False, compare=False
    )
    """This episode's LangChain messages so far, extended at each step."""


class EpisodeState(TypedDict, total=False):
    """What the episode has produced so far."""

    transcript: Annotated[list[Message], operator.add]
    native: Annotated[list[Any], operator.add]
    actions: Annotated[list[ActionRecord], operator.add]
    retries: Annotated[list[dict[str, Any]], operator.add]
    errors: Annotated[list[dict[str, Any]], operator.add]
    event_log: Annotated[list[dict[str, Any]], operator.add]
    reply: Reply | None
    steps: int
    done: bool
    terminated: bool
    truncated: bool
    info: dict[str, Any]
    stop_reason: str | None
    usage: dict[str, int]
    extra_prompt: str | None


def render_system(ctx: EpisodeContext, extra_prompt: str | None) -> str:
    """The system prompt with the given extra sentence.

    An env that chooses its own system prompt (``TextEnv.system_prompt`` returns text) gets
    it, with the personalization block placed by the env; an explicit
    ``AgentConfig.system_prompt`` still wins.
    """
    env = getattr(ctx.env, "unwrapped", ctx.env)
    chooser = getattr(env, "system_prompt", None)
    if ctx.config.system_prompt is None and callable(chooser):
        own = chooser(ctx.config.personalization)
        if isinstance(own, str):
            return system_prompt(ctx.protocol, extra_prompt=extra_prompt, base=own)
    return system_prompt(
        ctx.protocol,
        extra_prompt=extra_prompt,
        personalization=ctx.config.personalization,
        base=ctx.config.system_prompt,
    )


def episode_cost(ctx: EpisodeContext, usage: dict[str, int]) -> float | None:
    """Estimated cost of the usage so far."""
    return cost_usd(
        ctx.model.spec,
        usage.get("input_tokens", 0),
        usage.get("output_tokens", 0),
        base_url=ctx.model.options.get("base_url"),
    )


def _budget_hit(state: EpisodeState, ctx: EpisodeContext) -> str | None:
    budget = ctx.config.budget
    usage = state.get("usage", {})
    if budget.max_steps is not None and state.get("steps", 0) >= budget.max_steps:
        return "budget_steps"
    if budget.max_tokens is not None and usage.get("total_tokens", 0) >= budget.max_tokens:
        return "budget_tokens"
    if budget.max_cost_usd is not None:
        spent = episode_cost(ctx, usage)
        if spent is not None and spent >= budget.max_cost_usd:
            return "budget_cost"
    if budget.max_wall_time_s is not None and ctx.clock() - ctx.started >= budget.max_wall_time_s:
        return "budget_time"
    return None


def _time_left(ctx: EpisodeContext) -> float | None:
    """Seconds of the wall-time budget left (None: no such budget); a call may use them all."""
    limit = ctx.config.budget.max_wall_time_s
    return None if limit is None else limit - (ctx.clock() - ctx.started)


def _cap(text: str | None, cap: int | None) -> tuple[str | None, int]:
    """``text`` cut to ``cap`` characters, and how many were cut."""
    if text is None or cap is None or len(text) <= cap:
        return text, 0
    return text[:cap], len(text) - cap


def _capped(reply: Reply, cap: int | None, step: int) -> tuple[Reply, list[dict[str, Any]]]:
    """The reply with its text, reasoning and raw tool arguments cut to ``cap`` characters,
    and one ``reply_truncated`` error entry saying what was cut (none when nothing was)."""
    text, cut_text = _cap(reply.text, cap)
    reasoning, cut_reasoning = _cap(reply.reasoning, cap)
    calls, cut_calls = [], 0
    for call in reply.tool_calls:
        args = call.get("arguments")
        if isinstance(args, str):
            args, cut = _cap(args, cap)
            cut_calls += cut
            call = {**call, "arguments": args}
        elif args is not None and cap is not None and len(json.dumps(args, default=str)) > cap:
            cut_calls += len(json.dumps(args, default=str)) - cap
            call = {**call, "arguments": json.dumps(args, default=str)[:cap]}
        calls.append(call)
    if not (cut_text or cut_reasoning or cut_calls):
        return reply, []
    native = reply.native if not cut_text and not cut_reasoning else None
    parts = [f"{n:,} characters of {what}" for n, what in
             ((cut_text, "text"), (cut_reasoning, "reasoning"), (cut_calls, "tool arguments"))
             if n]  # fmt: skip
    note = {
        "step": step,
        "kind": "reply_truncated",
        "message": f"the reply was longer than max_reply_chars={cap}: cut {', '.join(parts)}",
    }
    shorter = dataclasses.replace(
        reply, text=text or "", reasoning=reasoning, tool_calls=calls, native=native
    )
    return shorter, [note]


def _prepare(
    state: EpisodeState, ctx: EpisodeContext
) -> tuple[dict[str, Any], list[Any] | None, list[dict[str, Any]] | None]:
    """Budget check, set_prompt events and the messages to send for the next step."""
    step = state.get("steps", 0) + 1
    reason = _budget_hit(state, ctx)
    if reason is not None:
        return {"done": True, "stop_reason": reason, "reply": None}, None, None
    updates: dict[str, Any] = {}
    added: list[Message] = []
    for event in ctx.events:
        if event.kind == "set_prompt" and event.at_step == step:
            new_extra = event.text or None
            updates["extra_prompt"] = new_extra
            added.append(Message(role="system", content=render_system(ctx, new_extra), step=step))
            updates["event_log"] = [*updates.get("event_log", []), _logged(event, True)]
    if added:
        updates["transcript"] = added
        updates["native"] = [None] * len(added)
    conversation = ctx.conversation
    entries = select_context(
        [*state.get("transcript", []), *added],
        [*state.get("native", []), *([None] * len(added))],
        ctx.prior,
        ctx.config.history_window,
        conversation.prior_entries(ctx.prior),
    )
    tools = ctx.env.unwrapped.tool_schemas() if ctx.protocol == "tools" else None  # type: ignore[attr-defined]
    return updates, conversation.langchain(entries, ctx.made), tools


def _logged(event: Event, applied: bool, note: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"at_step": event.at_step, "kind": event.kind, "applied": applied}
    if event.text:
        entry["text"] = event.text
    if note:
        entry["note"] = note
    return entry


def _finish(
    state: EpisodeState, ctx: EpisodeContext, updates: dict[str, Any], outcome: Any
) -> dict[str, Any]:
    """Fold a model reply (or its failure) into the state."""
    step = state.get("steps", 0) + 1
    if isinstance(outcome, ProviderError):
        updates.update(done=True, stop_reason="error", reply=None)
        updates["retries"] = [{"step": step, **r} for r in outcome.retries]
        updates["errors"] = [{"step": step, "kind": outcome.kind, "message": str(outcome)}]
        return updates
    if isinstance(outcome, WallTimeExceeded):
        updates.update(done=True, stop_reason="budget_time", reply=None)
        return updates
    answer: ModelReply = outcome
    reply, cut = _capped(read_reply(answer.message), ctx.model.max_reply_chars, step)
    if cut:
        updates["errors"] = cut
    usage = dict(state.get("usage", {}))
    usage["input_tokens"] = usage.get("input_tokens", 0) + reply.input_tokens
    usage["output_tokens"] = usage.get("output_tokens", 0) + reply.output_tokens
    usage["total_tokens"] = usage.get("total_tokens", 0) + (
        reply.total_tokens or reply.input_tokens + reply.output_tokens
    )
    usage["calls"] = usage.get("calls", 0) + 1
    usage["cached_calls"] = usage.get("cached_calls", 0) + int(answer.cached)
    said = Message(
        role="assistant",
        content=reply.text,
        step=step,
        reasoning=reply.reasoning,
        tool_calls=reply.tool_calls or None,
    )
    updates["transcript"] = [*updates.get("transcript", []), said]
    updates["native"] = [*updates.get("native", []), reply.native]
    updates["retries"] = [{"step": step, **r} for r in answer.retries]
    updates.update(reply=reply, usage=usage)
    return updates


def agent_node(state: EpisodeState, runtime: Runtime[EpisodeContext]) -> dict[str, Any]:
    """One model call (synchronous)."""
    ctx = runtime.context
    updates, messages, tools = _prepare(state, ctx)
    if messages is None:
        return updates
    try:
        outcome: Any = ctx.model.call(
            messages, tools=tools, sample_index=ctx.config.sample_index, time_left_s=_time_left(ctx)
        )
    except (ProviderError, WallTimeExceeded) as exc:
        outcome = exc
    return _finish(state, ctx, updates, outcome)


async def agent_node_async(state: EpisodeState, runtime: Runtime[EpisodeContext]) -> dict[str, Any]:
    """One model call (async)."""
    ctx = runtime.context
    updates, messages, tools = _prepare(state, ctx)
    if messages is None:
        return updates
    try:
        outcome: Any = await ctx.model.acall(
            messages, tools=tools, sample_index=ctx.config.sample_index, time_left_s=_time_left(ctx)
        )
    except (ProviderError, WallTimeExceeded) as exc:
        outcome = exc
    return _finish(state, ctx, updates, outcome)


def apply_user_messages(observation: str, events: Sequence[Event], step: int) -> str:
    """Append the ``user_message`` events of ``step`` to an observation."""
    texts = [e.text for e in events if e.kind == "user_message" and e.at_step == step]
    return "\n\n".join([observation, *texts]) if texts else observation


def env_node(state: EpisodeState, runtime: Runtime[EpisodeContext]) -> dict[str, Any]:
    """Turn the model's reply into an action and step the env."""
    ctx = runtime.context
    step = state.get("steps", 0) + 1
    reply = state.get("reply")
    action = action_string(reply, ctx.protocol) if reply is not None else ""
    log: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for event in ctx.events:
        if event.kind != "perturb" or event.at_step != step:
            continue
        name = type(ctx.env.unwrapped).__name__
        force = getattr(ctx.env.unwrapped, "force_perturbation", None)
        note = None
        if not callable(force):
            note = f"{name} has no force_perturbation()"
        else:
            try:
                force()
            except (RuntimeError, NotImplementedError, ValueError) as exc:
                note = f"{name}.force_perturbation() failed: {exc}"
        if note is None:
            log.append(_logged(event, True))
        else:
            note += f"; the perturb event at step {step} was skipped"
            log.append(_logged(event, False, note))
            errors.append({"step": step, "kind": "event", "message": note})
    observation, _reward, terminated, truncated, info = ctx.env.step(action)
    for event in ctx.events:
        if event.kind == "user_message" and event.at_step == step:
            log.append(_logged(event, True))
    observation = apply_user_messages(observation, ctx.events, step)
    record = ActionRecord(
        step=step,
        raw=action,
        action=info.get("action"),
        valid=not info.get("invalid_action", False),
        error=info.get("invalid_reason"),
        perturbed_to=info.get("perturbed_to"),
    )
    said = observation_messages(reply, observation, step, ctx.protocol)
    done = bool(terminated or truncated)
    updates: dict[str, Any] = {
        "transcript": said,
        "native": [None] * len(said),
        "actions": [record],
        "steps": step,
        "terminated": bool(terminated),
        "truncated": bool(truncated),
        "info": info,
        "done": done,
        "reply": None,
    }
    if done:
        updates["stop_reason"] = "terminated" if terminated else "truncated"
    if log:
        updates["event_log"] = log
    if errors:
        updates["errors"] = errors
    return updates


async def env_node_async(state: EpisodeState, runtime: Runtime[EpisodeContext]) -> dict[str, Any]:
    """:func:`env_node` on the event loop: an env step is short CPU work, and a thread hop per
    step (LangGraph's way of running a synchronous node in an async graph) costs more than the
    step. An env whose ``step`` blocks (waits on a network or a subprocess) says so with a
    ``blocking_step = True`` attribute and is stepped in a worker thread instead."""
    if getattr(runtime.context.env.unwrapped, "blocking_step", False):
        return await asyncio.to_thread(env_node, state, runtime)
    return env_node(state, runtime)


def _after_agent(state: EpisodeState) -> str:
    return END if state.get("done") else "env"


def _after_env(state: EpisodeState) -> str:
    return END if state.get("done") else "agent"


async def _after_agent_async(state: EpisodeState) -> str:
    return _after_agent(state)


async def _after_env_async(state: EpisodeState) -> str:
    return _after_env(state)


def build_graph(*, asynchronous: bool = False) -> Any:
    """The (uncompiled) agent graph; ``asynchronous`` picks the async nodes and routers (an
    async graph runs a synchronous router in a worker thread, a thread hop per step)."""
    graph = StateGraph(EpisodeState, context_schema=EpisodeContext)
    graph.add_node("agent", agent_node_async if asynchronous else agent_node)
    graph.add_node("env", env_node_async if asynchronous else env_node)
    graph.add_edge(START, "agent")
    after_agent, after_env = (
        (_after_agent_async, _after_env_async) if asynchronous else (_after_agent, _after_env)
    )
    graph.add_conditional_edges("agent", after_agent, ["env", END])
    graph.add_conditional_edges("env", after_env, ["agent", END])
    return graph


@cache
def compiled_graph(asynchronous: bool = False) -> Any:
    """The compiled agent graph (built once per process)."""
    return build_graph(asynchronous=asynchronous).compile()


# ---------------------------------------------------------------------------------------------
# The same graph walked directly

#: The state keys whose updates are appended (``operator.add`` reducers); the others replace.
APPENDED = frozenset(
    key
    for key, hint in get_type_hints(EpisodeState, include_extras=True).items()
    if operator.add in getattr(hint, "__metadata__", ())
)
LOOP_SWITCH = "TELIC_AGENT_LOOP"


def _merge(state: EpisodeState, updates: dict[str, Any]) -> EpisodeState:
    """``state`` with a node's updates applied as the graph's channels apply them."""
    merged: dict[str, Any] = dict(state)
    for key, value in updates.items():
        merged[key] = [*state.get(key, ()), *value] if key in APPENDED else value  # type: ignore[misc]
    return merged  # type: ignore[return-value]


def _recursion_error(limit: int) -> Exception:
    from langgraph.errors import GraphRecursionError

    return GraphRecursionError(
        f"Recursion limit of {limit} reached without hitting a stop condition."
    )


def use_graph_runtime() -> bool:
    """Whether episodes run through LangGraph's runtime rather than :func:`walk`.

    The runtime is chosen when LangSmith tracing is on (its runs show each node) or when
    ``TELIC_AGENT_LOOP=graph``; otherwise :func:`walk` plays the same graph at less cost.
    """
    if os.environ.get(LOOP_SWITCH, "").strip().lower() == "graph":
        return True
    from langchain_core.tracers.context import _tracing_v2_is_enabled

    return bool(_tracing_v2_is_enabled())


#: The graph's nodes as :func:`walk` plays them: each node's function and the router that
#: picks what follows it (the same functions :func:`build_graph` adds). ``START`` leads to
#: ``"agent"``. ``tests/agents/test_walk.py`` checks this table against the built graph.
WALK_TABLE: dict[str, tuple[Callable[..., Any], Callable[[EpisodeState], str]]] = {
    "agent": (agent_node, _after_agent),
    "env": (env_node, _after_env),
}
AWALK_TABLE: dict[str, tuple[Callable[..., Any], Callable[[EpisodeState], Any]]] = {
    "agent": (agent_node_async, _after_agent_async),
    "env": (env_node_async, _after_env_async),
}
FIRST_NODE = "agent"


def walk(state: EpisodeState, ctx: EpisodeContext, limit: int) -> Iterator[EpisodeState]:
    """The states :func:`compiled_graph` streams (``stream_mode="values"``) for one episode,
    without LangGraph's runtime.

    The graph has two nodes and two routers and no checkpointer, store or interrupts, so its
    runtime adds only bookkeeping: this follows the same edges (the graph's own routers pick
    each next node), calls the same node functions with the same state and context, and applies
    their updates with the state's reducers. ``limit`` is the graph's ``recursion_limit``.
    ``tests/agents/test_walk.py`` checks that records are equal to the compiled graph's.
    """
    runtime = Runtime(context=ctx)
    state = _merge({}, dict(state))  # type: ignore[typeddict-item]
    yield state
    name, runs = FIRST_NODE, 0
    while True:
        node, route = WALK_TABLE[name]
        state = _merge(state, node(state, runtime))
        runs += 1
        yield state
        if runs >= limit:  # as LangGraph: the limit counts every node run, the last included
            raise _recursion_error(limit)
        name = route(state)
        if name == END:
            return


async def awalk(
    state: EpisodeState, ctx: EpisodeContext, limit: int
) -> AsyncIterator[EpisodeState]:
    """:func:`walk` with the async nodes and routers (the states ``compiled_graph(True)``
    streams)."""
    runtime = Runtime(context=ctx)
    state = _merge({}, dict(state))  # type: ignore[typeddict-item]
    yield state
    name, runs = FIRST_NODE, 0
    while True:
        node, route = AWALK_TABLE[name]
        state = _merge(state, await node(state, runtime))
        runs += 1
        yield state
        if runs >= limit:  # as LangGraph: the limit counts every node run, the last included
            raise _recursion_error(limit)
        name = await route(state)
        if name == END:
            return
