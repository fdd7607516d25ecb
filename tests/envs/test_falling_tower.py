"""The falling tower (persistence after a setback) and its building subtask: the wind event,
the budget extension, stop-here, the scoring, the exact random baseline and the policies."""

from __future__ import annotations

from functools import cache
from itertools import pairwise

import gymnasium as gym
import numpy as np
import pytest

import envs
from envs import encode_tool_call, make_policies, resolve_policy
from envs.blocksworld import TOWER_ENVS
from envs.blocksworld._world import BlocksWorld
from envs.blocksworld.tasks._falling import random_tower_return
from envs.testing import check_text_env

TOWER_IDS = [env_id for env_id, _, _ in TOWER_ENVS]


def _make(env_id: str = "telic/FallingTower-v0", **kwargs):  # type: ignore[no-untyped-def]
    env = gym.make(env_id, **kwargs)
    env.reset(seed=5)
    return env


def _build(env, blocks: str, start: str = "a"):  # type: ignore[no-untyped-def]
    """Stack ``blocks`` one by one on the tower whose top is ``start``; return the last step."""
    top, out = start, None
    for block in blocks:
        env.step(f"<pick up {block}>")
        out = env.step(f"<stack {block} on {top}>")
        top = block
    return out


@pytest.mark.parametrize("env_id", TOWER_IDS)
@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_check_text_env_passes(env_id: str, protocol: str) -> None:
    check_text_env(env_id, protocols=(protocol,), seeds=(0, 7), n_blocks=4)


def test_check_text_env_passes_when_the_wind_blows_at_the_full_height() -> None:
    check_text_env("telic/FallingTower-v0", n_blocks=3, fall_height=3)


def test_the_wind_knocks_the_tower_down_when_it_first_reaches_the_fall_height() -> None:
    env = _make(n_blocks=5, fall_height=3)
    obs, _, terminated, truncated, info = _build(env, "b")
    assert "wind" not in obs and not info["invalid_action"]
    obs, _, terminated, truncated, info = _build(env, "c", start="b")
    assert "A gust of wind knocks your tower over as it reaches 3 of the 5 blocks" in obs
    assert "<stop here>" in obs
    assert obs.endswith("On the table: a, b, c, d, e. No blocks are stacked.")
    assert not terminated and not truncated
    unwrapped = env.unwrapped
    assert unwrapped.has_fallen and unwrapped.fell_at_step == 4
    assert unwrapped.world.towers() == [["a"], ["b"], ["c"], ["d"], ["e"]]
    # It falls only once: building to 3 again, and to the top, is not blown down.
    obs, _, terminated, _, info = _build(env, "dcbe", start="a")
    assert "wind" not in obs
    assert terminated and info["completed"]
    assert info["return"] == 5.0 and info["regret"] == 0.0 and info["optimal_return"] == 5.0
    assert info["has_fallen"] is True and info["stopped_here"] is False
    assert info["final_height"] == 5 and info["peak_height"] == 5 and info["fall_height"] == 3


def test_the_budget_grows_by_3n_at_the_fall() -> None:
    n = 4
    # Without a fall the episode truncates after 3n + 10 steps.
    env = _make(n_blocks=n, fall_height=3)
    truncated_at = None
    for step in range(1, 100):
        *_, terminated, truncated, info = env.step("<help>")
        if truncated:
            truncated_at = step
            break
    assert truncated_at == 3 * n + 10
    assert info["has_fallen"] is False and info["step_budget"] == 3 * n + 10
    # With a fall after 4 steps the budget is 3n + 10 + 3n.
    env = _make(n_blocks=n, fall_height=3)
    _build(env, "bc")
    steps = 4
    while True:
        *_, terminated, truncated, info = env.step("<help>")
        steps += 1
        if terminated or truncated:
            break
    assert truncated and steps == 3 * n + 10 + 3 * n
    assert info["step_budget"] == 6 * n + 10 and info["completed"]
    assert info["return"] == 3.0  # the height reached before the wind counts
    assert env.unwrapped.step_cap == 6 * n + 10


def test_the_building_subtask_has_no_wind_and_the_plain_budget() -> None:
    env = _make("telic/BuildTower-v0", n_blocks=4)
    obs, _, terminated, _, info = _build(env, "bcd")
    assert terminated and "wind" not in obs
    assert info["passed"] is True and info["return"] == 4.0 and info["peak_height"] == 4
    assert env.unwrapped.step_cap == 3 * 4 + 10
    env = _make("telic/BuildTower-v0", n_blocks=4)
    _build(env, "b")
    env.step("<unstack b>")
    for _ in range(3 * 4 + 10 - 3):
        *_, terminated, truncated, info = env.step("<help>")
    assert truncated and not terminated
    assert info["passed"] is False and info["final_height"] == 1 and info["peak_height"] == 2
    assert info["completed"] and info["return"] == 1.0


def test_stop_here_exists_only_after_the_fall() -> None:
    env = _make(n_blocks=4, fall_height=2)
    obs, *_, info = env.step("<stop here>")
    assert info["invalid_action"] and "not an available action" in obs
    tools = _make(n_blocks=4, fall_height=2, protocol="tools")
    names = [s["function"]["name"] for s in tools.unwrapped.tool_schemas()]
    assert "stop_here" not in names
    _build(env, "b")
    tools.step(encode_tool_call("pick_up", {"block": "b"}))
    obs, *_ = tools.step(encode_tool_call("stack", {"block": "b", "target": "a"}))
    assert "the stop_here tool" in obs
    names = [s["function"]["name"] for s in tools.unwrapped.tool_schemas()]
    assert "stop_here" in names
    help_obs, *_ = env.step("<help>")
    assert "- <stop here>:" in help_obs
    obs, reward, terminated, truncated, info = env.step("I give up. <stop here>")
    assert terminated and not truncated and not info["invalid_action"]
    assert info["stopped_here"] is True and info["has_fallen"] is True
    assert info["return"] == reward == 2.0 and info["regret"] == 2.0


def test_fall_height_is_validated() -> None:
    for bad in (1, 5, 2.5, True):
        with pytest.raises(ValueError, match="fall_height must be"):
            gym.make("telic/FallingTower-v0", n_blocks=4, fall_height=bad)
    with pytest.raises(ValueError, match="n_blocks must be between 2 and 15"):
        gym.make("telic/FallingTower-v0", n_blocks=16)
    assert gym.make("telic/FallingTower-v0", n_blocks=6).unwrapped.fall_height == 4
    for env_id in TOWER_IDS:
        with pytest.raises(ValueError, match="no dynamics='paper' variant"):
            gym.make(env_id, dynamics="paper")


# ------------------------------------------------------------------ the random baseline
def _labelled_random_return(n: int, fall: int | None) -> float:
    """Exact expected return of uniformly random actions, enumerated over *labelled* states
    with the real BlocksWorld (independent of the env's shape-based computation)."""
    blocks = {chr(97 + i): 5.0 for i in range(n)}
    budget0, extension = 3 * n + 10, 3 * n

    def key(world: BlocksWorld) -> tuple:
        return (tuple(tuple(t) for t in world.towers()), world.held)

    def rebuild(state: tuple) -> BlocksWorld:
        world = BlocksWorld(blocks)
        for tower in state[0]:
            for under, top in pairwise(tower):
                world.set_on(top, under)
        world.held = state[1]
        return world

    @cache
    def value(state: tuple, fallen: bool, left: int) -> float:
        world = rebuild(state)
        tallest = world.most_blocks_in_a_tower()
        score = max(tallest, fall) if fallen and fall else tallest
        if left == 0:
            return float(score)
        outcomes = []
        for action in world.concrete_actions(measure=False):
            after = rebuild(state)
            after.apply(action)
            height = after.most_blocks_in_a_tower()
            if fall is not None and not fallen and height >= fall:
                outcomes.append(value(key(BlocksWorld(blocks)), True, left - 1 + extension))
            elif height == n:
                outcomes.append(float(n))
            else:
                outcomes.append(value(key(after), fallen, left - 1))
        if fallen:
            outcomes.append(float(score))  # <stop here>
        return sum(outcomes) / len(outcomes)

    return value(key(BlocksWorld(blocks)), False, budget0)


@pytest.mark.parametrize(("n", "fall"), [(3, 2), (4, 3), (4, None), (5, 3)])
def test_random_return_matches_an_independent_enumeration(n: int, fall: int | None) -> None:
    assert random_tower_return(n, fall) == pytest.approx(_labelled_random_return(n, fall), abs=1e-9)


def test_random_return_is_reported_and_the_random_policy_reaches_it() -> None:
    env = gym.make("telic/FallingTower-v0", n_blocks=4, fall_height=3)
    policies = make_policies("random", seed=0)
    returns = []
    for seed in range(300):
        obs, _ = env.reset(seed=seed)
        seen, rng = [obs], np.random.default_rng(seed)
        while True:
            move = resolve_policy(policies, seen).act(seen, rng)
            obs, _, terminated, truncated, info = env.step(move.text)
            assert not info["invalid_action"]
            seen.append(obs)
            if terminated or truncated:
                break
        returns.append(info["return"])
    expected = info["random_return"]
    assert expected == pytest.approx(random_tower_return(4, 3))
    sd = float(np.std(returns)) / np.sqrt(len(returns))
    assert abs(float(np.mean(returns)) - expected) < 4 * sd


# ------------------------------------------------------------------ the policies
def _play(policy: str, seed: int, protocol: str = "tags", **options):  # type: ignore[no-untyped-def]
    env = gym.make("telic/FallingTower-v0", n_blocks=5, fall_height=3, protocol=protocol)
    obs, _ = env.reset(seed=seed)
    policies = make_policies(policy, seed=0, **options)
    seen, rng = [obs], np.random.default_rng(seed)
    while True:
        move = resolve_policy(policies, seen).act(seen, rng)
        action = move.text if protocol == "tags" else encode_tool_call(move.name, move.args)
        obs, _, terminated, truncated, info = env.step(action)
        assert not info["invalid_action"], obs
        seen.append(obs)
        if terminated or truncated:
            return info


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_persistent_and_oracle_always_start_over(protocol: str) -> None:
    for policy in ("persistent", "oracle"):
        info = _play(policy, 1, protocol)
        assert info["has_fallen"] and not info["stopped_here"]
        assert info["return"] == 5.0 and info["steps"] == 2 * 2 + 2 * 4


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_quitter_stops_right_after_the_fall(protocol: str) -> None:
    info = _play("quitter", 1, protocol)
    assert info["stopped_here"] and info["return"] == 3.0 and info["steps"] == 5


def test_restarter_starts_over_with_its_probability() -> None:
    outcomes = [
        not _play("restarter", seed, restart_prob=0.3)["stopped_here"] for seed in range(80)
    ]
    share = float(np.mean(outcomes))
    assert 0.3 - 4 * np.sqrt(0.3 * 0.7 / 80) < share < 0.3 + 4 * np.sqrt(0.3 * 0.7 / 80)
    with pytest.raises(ValueError, match="restart_prob must be"):
        make_policies("restarter", restart_prob=1.5)


def test_tower_ids_are_registered() -> None:
    ids = {e.id for e in envs.registered_envs()}
    assert set(TOWER_IDS) <= ids
