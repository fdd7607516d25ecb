"""The agent graph on the toy env: determinism, sync/async, budgets, window, events, context."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from agent_toy import ENV_ID, CannedChatModel, CounterEnv, SpyScripted, comparable
from langchain_core.messages import AIMessage, SystemMessage, ToolMessage

from agents import (
    PROMPT_VARIANTS,
    AgentConfig,
    Budget,
    BudgetConfigError,
    Event,
    Model,
    RetryPolicy,
    arun_episode,
    build_graph,
    make_model,
    run_episode,
    set_price,
)


def _play(protocol: str = "tags", **kwargs):
    kwargs.setdefault("model", make_model("scripted:toy_oracle", seed=0))
    return run_episode(env_id=ENV_ID, env_kwargs={"protocol": protocol}, seed=1, **kwargs)


def test_graph_has_an_agent_node_and_an_env_node() -> None:
    graph = build_graph().compile().get_graph()
    edges = {(e.source, e.target) for e in graph.edges}
    assert edges == {
        ("__start__", "agent"),
        ("agent", "env"),
        ("agent", "__end__"),
        ("env", "agent"),
        ("env", "__end__"),
    }


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_toy_oracle_completes(protocol: str) -> None:
    record = _play(protocol)
    target = record.info["target"]
    assert record.stop_reason == "terminated"
    assert record.completed and record.return_ == target
    assert [a.action for a in record.actions] == ["<inc>"] * target + ["<done>"]
    assert record.usage.calls == target + 1


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_same_seed_gives_identical_records(protocol: str) -> None:
    def play(seed: int):
        return _play(protocol, model=make_model("scripted:toy_random", seed=seed))

    first, second = play(5), play(5)
    assert comparable(first) == comparable(second)
    others = [comparable(play(s))["actions"] for s in range(6, 11)]
    assert any(o != comparable(first)["actions"] for o in others)


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_sync_and_async_give_the_same_record(protocol: str) -> None:
    model = make_model("scripted:toy_random", seed=3)
    sync = run_episode(env_id=ENV_ID, env_kwargs={"protocol": protocol}, seed=2, model=model)
    asynchronous = asyncio.run(
        arun_episode(env_id=ENV_ID, env_kwargs={"protocol": protocol}, seed=2, model=model)
    )
    assert comparable(sync) == comparable(asynchronous)


def test_many_async_episodes_run_concurrently() -> None:
    async def main():
        model = make_model("scripted:toy_oracle")
        return await asyncio.gather(
            *(arun_episode(env_id=ENV_ID, seed=s, model=model) for s in range(8))
        )

    records = asyncio.run(main())
    assert all(r.completed for r in records)
    assert len({r.episode_id for r in records}) == 8


def test_step_budget() -> None:
    record = _play(config=AgentConfig(budget=Budget(max_steps=2)))
    assert record.stop_reason == "budget_steps"
    assert record.steps == 2 and record.usage.calls == 2
    assert not record.completed and record.return_ is None


def test_token_budget_stops_before_the_next_call() -> None:
    full = _play()
    per_call = full.usage.total_tokens / full.usage.calls
    limit = int(per_call * 2.5)
    record = _play(config=AgentConfig(budget=Budget(max_tokens=limit)))
    assert record.stop_reason == "budget_tokens"
    assert record.usage.total_tokens >= limit
    assert record.usage.calls < full.usage.calls


def test_cost_budget_uses_the_price_table() -> None:
    set_price("openai-compatible:toy-priced", 1000.0, 1000.0)  # 0.001 USD per token
    chat = make_model("scripted:toy_oracle").chat
    model = Model.wrap(chat, "openai-compatible:toy-priced")
    record = _play(model=model, config=AgentConfig(budget=Budget(max_cost_usd=0.2)))
    assert record.stop_reason == "budget_cost"
    assert record.cost_usd == pytest.approx(record.usage.total_tokens * 0.001)
    assert record.cost_usd >= 0.2


def test_cost_budget_needs_a_known_price() -> None:
    chat = make_model("scripted:toy_oracle").chat
    model = Model.wrap(chat, "openai-compatible:never-priced")
    with pytest.raises(BudgetConfigError, match="never-priced"):
        _play(model=model, config=AgentConfig(budget=Budget(max_cost_usd=1.0)))


def test_wall_time_budget_with_an_injected_clock() -> None:
    ticks = itertools.count()
    record = _play(
        config=AgentConfig(budget=Budget(max_wall_time_s=3.5)), clock=lambda: float(next(ticks))
    )
    assert record.stop_reason == "budget_time"
    assert 0 < record.steps < 4


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_sliding_window_keeps_system_first_observation_and_recent_turns(protocol: str) -> None:
    spy = SpyScripted(policy="toy_oracle")
    record = _play(protocol, model=spy, model_spec="scripted:toy_oracle",
                   config=AgentConfig(history_window=2))  # fmt: skip
    assert record.completed
    for k, messages in enumerate(spy.seen, start=1):
        assert isinstance(messages[0], SystemMessage)
        assert messages[1].content.startswith("Reach the target")
        assert len(messages) == 2 + 2 * min(k - 1, 2)
        if protocol == "tools" and len(messages) > 2:
            assert isinstance(messages[2], AIMessage)
            assert isinstance(messages[3], ToolMessage)
            assert messages[3].tool_call_id == messages[2].tool_calls[0]["id"]
    assert len(record.transcript) == 2 + 2 * record.steps  # the record keeps everything


def test_full_history_by_default() -> None:
    spy = SpyScripted(policy="toy_oracle")
    _play(model=spy, model_spec="scripted:toy_oracle")
    assert [len(m) for m in spy.seen] == [2 + 2 * k for k in range(len(spy.seen))]


def test_prompt_variant_and_personalization_block() -> None:
    config = AgentConfig(extra_prompt=PROMPT_VARIANTS["motivating"], personalization="PROFILE")
    record = _play(config=config)
    system = record.transcript[0].content
    assert system.index(PROMPT_VARIANTS["motivating"]) < system.index("PROFILE")
    assert "\n\nPROFILE" in system
    assert record.variant == "motivating"
    assert _play().variant == "neutral"
    assert _play(metadata={"variant": "mine", "condition": "oracle", "k": 1}).extra == {"k": 1}


def test_user_message_events_extend_observations() -> None:
    events = [
        Event(at_step=0, kind="user_message", text="Hello from the user."),
        Event(at_step=2, kind="user_message", text="Keep going!"),
    ]
    record = _play(events=events)
    observations = [m for m in record.transcript if m.role == "user"]
    assert observations[0].content.endswith("\n\nHello from the user.")
    assert observations[2].content.endswith("\n\nKeep going!") and observations[2].step == 2
    assert sum("Keep going" in o.content for o in observations) == 1
    assert [e["at_step"] for e in record.extra["events"]] == [0, 2]


def test_perturb_event_forces_a_perturbation() -> None:
    record = _play(events=[Event(at_step=2, kind="perturb")])
    assert record.actions[1].perturbed_to == "<inc>"
    assert record.actions[0].perturbed_to is None
    assert record.extra["events"] == [{"at_step": 2, "kind": "perturb", "applied": True}]


def test_perturb_event_on_an_env_that_cannot_is_recorded() -> None:
    record = run_episode(
        env_id="telic/CognitiveEffort-v1",
        env_kwargs={"n_blocks": 3},
        seed=10,
        model=make_model("scripted:oracle"),
        events=[Event(at_step=1, kind="perturb")],
    )
    assert record.completed  # the episode still ran
    assert record.errors[0]["kind"] == "event"
    assert "perturb" in record.errors[0]["message"]
    assert record.extra["events"][0]["applied"] is False


def test_set_prompt_event_changes_the_system_prompt_from_its_step() -> None:
    spy = SpyScripted(policy="toy_oracle")
    events = [Event(at_step=2, kind="set_prompt", text="NEW SENTENCE.")]
    record = _play(model=spy, model_spec="scripted:toy_oracle", events=events)
    assert "NEW SENTENCE." not in spy.seen[0][0].content
    assert all(m[0].content.endswith("\n\nNEW SENTENCE.") for m in spy.seen[1:])
    assert sum(isinstance(m, SystemMessage) for m in spy.seen[1]) == 1
    systems = [m for m in record.transcript if m.role == "system"]
    assert [m.step for m in systems] == [0, 2]


def test_events_the_episode_never_reaches_are_logged_as_not_applied() -> None:
    events = [Event(at_step=1, kind="user_message", text="hi"), Event(at_step=99, kind="perturb")]
    record = _play(events=events)
    assert record.extra["events"][0] == {"at_step": 1, "kind": "user_message", "applied": True,
                                         "text": "hi"}  # fmt: skip
    late = record.extra["events"][1]
    assert late["at_step"] == 99 and late["applied"] is False
    assert f"after step {record.steps}" in late["note"]


def test_events_are_validated() -> None:
    with pytest.raises(ValueError, match="at_step must be >= 1"):
        Event(at_step=0, kind="perturb")
    with pytest.raises(ValueError):
        Event(at_step=1, kind="explode")  # type: ignore[arg-type]


def test_prior_transcript_prefixes_the_conversation() -> None:
    first = _play()
    spy = SpyScripted(policy="toy_oracle")
    second = _play(model=spy, model_spec="scripted:toy_oracle",
                   prior_transcript=first.transcript)  # fmt: skip
    prior_body = [m.content for m in first.transcript if m.role != "system"]
    seen = [m.content for m in spy.seen[0][1:]]
    assert seen[: len(prior_body)] == prior_body
    assert sum(isinstance(m, SystemMessage) for m in spy.seen[0]) == 1
    assert second.extra["prior_messages"] == len(first.transcript)
    assert second.transcript[0].role == "system" and second.transcript[1].step == 0


def test_long_episodes_do_not_hit_the_recursion_limit() -> None:
    model = CannedChatModel(replies=[AIMessage(content="<inc>")])
    record = run_episode(env=CounterEnv(cap=150), seed=0, model=model, model_spec="test:canned")
    assert record.stop_reason == "truncated" and record.steps == 150


class _FailingChat(CannedChatModel):
    fail_from: int = 0

    def _generate(self, messages, stop=None, run_manager=None, **kw):
        if len(self.calls) >= self.fail_from:
            self.calls.append((messages, None))
            raise ConnectionError("provider unreachable")
        return super()._generate(messages, stop, run_manager, **kw)


def test_a_provider_failure_that_survives_retries_ends_the_episode_with_a_record() -> None:
    waits: list[float] = []
    chat = _FailingChat(replies=[AIMessage(content="<inc>")], fail_from=2)
    model = Model.wrap(chat, "test:failing", retry=RetryPolicy(max_attempts=3, sleep=waits.append))
    record = run_episode(env=CounterEnv(), seed=0, model=model)
    assert record.stop_reason == "error"
    assert record.steps == 2
    assert [r["step"] for r in record.retries] == [3, 3]
    assert [r["attempt"] for r in record.retries] == [1, 2]
    assert len(waits) == 2 and all(0 <= w <= 2 for w in waits)
    assert record.errors[0]["step"] == 3 and record.errors[0]["kind"] == "connection"
    assert "after 3 attempts" in record.errors[0]["message"]


def test_a_bug_in_the_model_is_not_swallowed() -> None:
    class Buggy(CannedChatModel):
        def _generate(self, messages, stop=None, run_manager=None, **kw):
            raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        run_episode(env=CounterEnv(), seed=0, model=Buggy(replies=[]), model_spec="test:buggy")


def test_numpy_values_in_info_become_plain_json() -> None:
    import json

    import numpy as np

    class NumpyCounter(CounterEnv):
        def _summary(self):
            return {**super()._summary(), "heights": np.array([1.5, 2.0]), "n": np.int64(3)}

    model = make_model("scripted:toy_oracle")
    record = run_episode(env=NumpyCounter(), seed=1, model=model)
    assert record.info["heights"] == [1.5, 2.0] and record.info["n"] == 3
    assert type(record.info["n"]) is int
    json.dumps(record.to_json_dict())
