"""Episodes walked directly (``agents._graph.walk``/``awalk``, the default) give the records the
compiled LangGraph graph gives (``TELIC_AGENT_LOOP=graph``): same nodes, same reducers."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from agent_toy import ENV_ID, CannedChatModel, CounterEnv, comparable
from langchain_core.messages import AIMessage
from langgraph.errors import GraphRecursionError

from agents import (
    AgentConfig,
    Budget,
    Event,
    Model,
    RetryPolicy,
    arun_episode,
    make_model,
    run_episode,
)
from agents._graph import APPENDED, EpisodeState, awalk, compiled_graph, use_graph_runtime, walk
from agents._runner import _setup


def _both(monkeypatch: pytest.MonkeyPatch, play: Callable[[], Any]) -> tuple[Any, Any]:
    """``play()`` through the compiled graph, then walked directly."""
    monkeypatch.setenv("TELIC_AGENT_LOOP", "graph")
    assert use_graph_runtime()
    through_graph = play()
    monkeypatch.delenv("TELIC_AGENT_LOOP")
    assert not use_graph_runtime()
    return through_graph, play()


def _toy(protocol: str, **kwargs: Any) -> Callable[[bool], Any]:
    """An episode of the toy env; callable keyword values are made when it is played (the toy
    policies exist only while this module's tests run)."""

    def play(asynchronous: bool) -> Any:
        arguments: dict[str, Any] = {"env_id": ENV_ID, "seed": 3}
        arguments["env_kwargs"] = {"protocol": protocol}
        arguments["model"] = make_model("scripted:toy_random", seed=7)
        arguments.update({k: v() if callable(v) else v for k, v in kwargs.items()})
        if asynchronous:
            return asyncio.run(arun_episode(**arguments))
        return run_episode(**arguments)

    return play


def _prior() -> Any:
    return run_episode(env_id=ENV_ID, seed=1, model=make_model("scripted:toy_oracle")).transcript


CASES: dict[str, Callable[[bool], Any]] = {
    "plain": _toy("tags"),
    "tools": _toy("tools"),
    "oracle": _toy("tags", model=lambda: make_model("scripted:toy_oracle", seed=0)),
    "step budget": _toy("tags", config=AgentConfig(budget=Budget(max_steps=2))),
    "token budget": _toy("tools", config=AgentConfig(budget=Budget(max_tokens=1))),
    "window": _toy("tags", config=AgentConfig(history_window=1)),
    "events": _toy(
        "tags",
        events=[
            Event(at_step=0, kind="user_message", text="Hello."),
            Event(at_step=1, kind="set_prompt", text="NEW SENTENCE."),
            Event(at_step=2, kind="perturb"),
            Event(at_step=2, kind="user_message", text="Keep going!"),
            Event(at_step=99, kind="perturb"),
        ],
    ),
    "prior": _toy("tags", prior_transcript=_prior),
    "metadata": _toy("tools", metadata={"variant": "mine", "condition": "c", "k": 1}),
    "blocksworld tools": _toy(
        "tools",
        env_id="telic/Combined-v1",
        env_kwargs={"n_blocks": 3, "protocol": "tools"},
        model=lambda: make_model("scripted:oracle"),
    ),
}


@pytest.mark.parametrize(("case", "asynchronous"), list(itertools.product(CASES, [False, True])))
def test_walked_records_equal_the_compiled_graphs(
    monkeypatch: pytest.MonkeyPatch, case: str, asynchronous: bool
) -> None:
    through_graph, walked = _both(monkeypatch, lambda: CASES[case](asynchronous))
    assert comparable(walked) == comparable(through_graph)
    assert walked.steps >= 1


class _FailingChat(CannedChatModel):
    fail_from: int = 0

    def _generate(self, messages, stop=None, run_manager=None, **kw):  # type: ignore[no-untyped-def]
        if len(self.calls) >= self.fail_from:
            self.calls.append((messages, None))
            raise ConnectionError("provider unreachable")
        return super()._generate(messages, stop, run_manager, **kw)


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_provider_failure_gives_the_same_record(
    monkeypatch: pytest.MonkeyPatch, asynchronous: bool
) -> None:
    def play() -> Any:
        chat = _FailingChat(replies=[AIMessage(content="<inc>")], fail_from=2)
        retry = RetryPolicy(max_attempts=2, sleep=id, asleep=_no_wait, base_wait_s=0.0)
        model = Model.wrap(chat, "test:failing", retry=retry)
        if asynchronous:
            return asyncio.run(arun_episode(env=CounterEnv(), seed=0, model=model))
        return run_episode(env=CounterEnv(), seed=0, model=model)

    through_graph, walked = _both(monkeypatch, play)
    assert walked.stop_reason == "error"
    assert comparable(walked) == comparable(through_graph)


async def _no_wait(_seconds: float) -> None:
    return None


@pytest.mark.parametrize("asynchronous", [False, True])
def test_an_escaping_exception_carries_the_same_partial_record(
    monkeypatch: pytest.MonkeyPatch, asynchronous: bool
) -> None:
    class Buggy(CannedChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kw):  # type: ignore[no-untyped-def]
            if len(self.calls) >= 2:
                raise ZeroDivisionError("bug")
            return super()._generate(messages, stop, run_manager, **kw)

    def play() -> Any:
        model = Buggy(replies=[AIMessage(content="<inc>")])
        with pytest.raises(ZeroDivisionError) as caught:
            if asynchronous:
                asyncio.run(
                    arun_episode(env=CounterEnv(), seed=0, model=model, model_spec="test:buggy")
                )
            else:
                run_episode(env=CounterEnv(), seed=0, model=model, model_spec="test:buggy")
        return caught.value.partial_record  # type: ignore[attr-defined]

    through_graph, walked = _both(monkeypatch, play)
    assert walked.steps == 2 and walked.stop_reason == "error"
    assert comparable(walked) == comparable(through_graph)


def _start(cap: int = 100) -> tuple[Any, EpisodeState]:
    model = make_model("scripted:toy_oracle", seed=0)
    ctx, state, _info, _cap = _setup(
        env_id=None, env_kwargs=None, seed=0, model=model, model_spec=None, config=None,
        events=None, prior_transcript=None, env=CounterEnv(cap=cap), clock=lambda: 0.0,
    )  # fmt: skip
    return ctx, state


def _outcome(states: Any) -> tuple[list[int], str]:
    """The transcript lengths streamed, and the error that ended the stream ("" for none)."""
    seen: list[int] = []
    try:
        for values in states:
            seen.append(len(values["transcript"]))
    except GraphRecursionError as exc:
        return seen, str(exc).split(".")[0]
    return seen, ""


def _aoutcome(states: Any) -> tuple[list[int], str]:
    async def collect() -> list[EpisodeState]:
        return [values async for values in states]

    try:
        return [len(v["transcript"]) for v in asyncio.run(collect())], ""
    except GraphRecursionError as exc:
        return [], str(exc).split(".")[0]


def test_the_recursion_limit_stops_both_after_the_same_states() -> None:
    ctx, state = _start()
    runs = len(list(walk(state, ctx, 1000))) - 1  # the oracle's episode, node runs
    assert runs > 4
    for limit in (1, 4, runs - 1, runs, runs + 1):
        ctx, state = _start()
        graph = _outcome(
            compiled_graph(False).stream(
                state, config={"recursion_limit": limit}, context=ctx, stream_mode="values"
            )
        )
        ctx, state = _start()
        assert _outcome(walk(state, ctx, limit)) == graph, limit
        assert bool(graph[1]) == (limit <= runs)
        ctx, state = _start()
        walked_async = _aoutcome(awalk(state, ctx, limit))
        assert walked_async[1] == graph[1]
        if not graph[1]:
            assert walked_async[0] == graph[0]


def test_the_appended_keys_are_the_states_reducer_keys() -> None:
    assert {"transcript", "native", "actions", "retries", "errors", "event_log"} == APPENDED


def test_tracing_chooses_the_graph_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_core.tracers.context import tracing_v2_callback_var

    monkeypatch.delenv("TELIC_AGENT_LOOP", raising=False)
    assert not use_graph_runtime()
    token = tracing_v2_callback_var.set(object())  # type: ignore[arg-type]
    try:
        assert use_graph_runtime()
    finally:
        tracing_v2_callback_var.reset(token)
    assert not use_graph_runtime()


@pytest.mark.parametrize("asynchronous", [False, True])
def test_the_walk_plays_the_graph_build_graph_makes(asynchronous: bool) -> None:
    """The walk's table is the built graph: the same node functions, the same routers after
    each node, the same first node. A node or edge added to the graph fails here until the
    walk plays it too."""
    from langgraph.graph import START

    from agents._graph import AWALK_TABLE, FIRST_NODE, WALK_TABLE, build_graph

    graph = build_graph(asynchronous=asynchronous)
    table = AWALK_TABLE if asynchronous else WALK_TABLE
    assert set(graph.nodes) == set(table)
    assert graph.edges == {(START, FIRST_NODE)}
    for name, (node, route) in table.items():
        runnable = graph.nodes[name].runnable
        assert (runnable.afunc if asynchronous else runnable.func) is node, name
        (branch,) = graph.branches[name].values()
        assert (branch.path.afunc if asynchronous else branch.path.func) is route, name
    assert set(graph.branches) == set(table)
