"""Every scripted policy plays every registered telic env end to end through the agent graph."""

from __future__ import annotations

import pytest

import envs
from agents import make_model, run_episode
from envs.blocksworld import BLOCKSWORLD_ENVS, BLOCKSWORLD_V0_IDS
from personalization.users import USER_ENVS

BLOCKSWORLD_IDS = [env_id for env_id, *_ in BLOCKSWORLD_ENVS]
USER_IDS = [env_id for env_id, *_ in USER_ENVS if "Blocksworld" in env_id]
POLICIES = ["oracle", "random", "random_actions", "noisy", "lazy"]
PROTOCOLS = ["tags", "tools"]


def _check_record(record, env_id: str, protocol: str) -> None:
    assert record.env_id == env_id
    assert record.protocol == protocol
    assert record.stop_reason in ("terminated", "truncated")
    assert record.steps == len(record.actions) == record.info["step"]
    assert record.usage.calls == record.steps  # one model call per env step
    assert record.usage.total_tokens > 0
    assert record.cost_usd == 0.0
    invalid = sum(not a.valid for a in record.actions)
    assert invalid == record.info["invalid_actions"]
    roles = [m.role for m in record.transcript]
    assert roles[:2] == ["system", "user"]
    replies = [m for m in record.transcript if m.role == "assistant"]
    assert len(replies) == record.steps
    observation_role = "tool" if protocol == "tools" else "user"
    assert roles[2:] == ["assistant", observation_role] * record.steps
    if protocol == "tools":
        assert all(m.tool_calls and len(m.tool_calls) == 1 for m in replies)
        assert all(a.raw.startswith("{") for a in record.actions)
    else:
        assert [a.raw for a in record.actions] == [m.content for m in replies]
    for key in ("completed", "return", "optimal_return", "regret"):
        assert key in record.info
    assert record.completed == bool(record.info["completed"])
    assert record.return_ == record.info["return"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("env_id", BLOCKSWORLD_IDS)
def test_scripted_policy_plays_blocksworld(env_id: str, policy: str, protocol: str) -> None:
    record = run_episode(
        env_id=env_id,
        env_kwargs={"n_blocks": 3, "protocol": protocol},
        seed=10,
        model=make_model(f"scripted:{policy}", seed=0),
    )
    _check_record(record, env_id, protocol)
    if protocol == "tags":
        assert all("<" in a.raw for a in record.actions)
    assert record.n_blocks == 3
    assert record.task == record.info["task"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("env_id", BLOCKSWORLD_IDS)
def test_oracle_is_optimal_without_noise_or_perturbation(env_id: str, protocol: str) -> None:
    record = run_episode(
        env_id=env_id,
        env_kwargs={"n_blocks": 3, "protocol": protocol, "noise": 0.0, "perturb_prob": 0.0},
        seed=10,
        model=make_model("scripted:oracle"),
    )
    assert record.stop_reason == "terminated"
    assert record.completed
    assert record.return_ == pytest.approx(record.info["optimal_return"])
    assert record.info["invalid_actions"] == 0


OTHER_IDS = [
    e.id
    for e in envs.registered_envs()
    if e.id.startswith("telic/")
    and e.id not in BLOCKSWORLD_IDS
    and e.id not in BLOCKSWORLD_V0_IDS
    and e.id not in USER_IDS
]


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("env_id", OTHER_IDS)
def test_single_text_envs_play_through_the_graph(env_id: str, protocol: str) -> None:
    # The personalized envs have no built-in scripted policy; a test policy submits a text.
    record = run_episode(
        env_id=env_id,
        env_kwargs={"protocol": protocol},
        seed=3,
        model=make_model("scripted:toy_writer"),
    )
    _check_record(record, env_id, protocol)
    assert record.stop_reason == "terminated"
    assert record.actions[-1].valid


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("policy", ["oracle", "personal_oracle"])
@pytest.mark.parametrize("env_id", USER_IDS)
def test_blocksworld_policies_play_the_user_envs(env_id: str, policy: str, protocol: str) -> None:
    record = run_episode(
        env_id=env_id,
        env_kwargs={"protocol": protocol},
        seed=4,
        model=make_model(f"scripted:{policy}", seed=0),
    )
    _check_record(record, env_id, protocol)
    assert record.completed
    assert "user_reward" in record.info


def test_every_registered_telic_env_is_covered() -> None:
    ids = {e.id for e in envs.registered_envs() if e.id.startswith("telic/")}
    assert ids == set(BLOCKSWORLD_IDS) | set(BLOCKSWORLD_V0_IDS) | set(OTHER_IDS) | set(USER_IDS)
    assert len(BLOCKSWORLD_IDS) == 10
