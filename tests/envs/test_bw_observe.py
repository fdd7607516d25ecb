"""The observation parser the scripted policies use reads back what the renderer writes."""

from __future__ import annotations

import gymnasium as gym
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envs.blocksworld import BLOCKSWORLD_ENVS, all_configurations, configuration_score
from envs.blocksworld._observe import WorldState, parse_episode, parse_state
from envs.blocksworld._render import state_text

IDS = [env_id for env_id, _, _ in BLOCKSWORLD_ENVS]


@st.composite
def world_states(draw: st.DrawFn) -> WorldState:
    n = draw(st.integers(2, 26))
    blocks = list("abcdefghijklmnopqrstuvwxyz"[:n])
    order = draw(st.permutations(blocks))
    held = draw(st.sampled_from([None, *order]))
    rest = [b for b in order if b != held]
    towers: list[list[str]] = []
    for block in rest:
        if towers and draw(st.booleans()):
            towers[draw(st.integers(0, len(towers) - 1))].append(block)
        else:
            towers.append([block])
    towers.sort(key=lambda t: t[0])
    return WorldState(tuple(tuple(t) for t in towers), held)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(world_states())
def test_state_text_round_trips(state: WorldState) -> None:
    text = state_text(state.towers, state.held)
    assert parse_state("Something happened.\n\n" + text) == state


@pytest.mark.parametrize("env_id", IDS)
@pytest.mark.parametrize("protocol", ["tags", "tools"])
@pytest.mark.parametrize("continued", [False, True])
def test_first_observation_is_understood(env_id: str, protocol: str, continued: bool) -> None:
    env = gym.make(env_id, n_blocks=4, protocol=protocol, continued=continued)
    obs, _ = env.reset(seed=6)
    base = env.unwrapped
    view = parse_episode(["an older, unrelated observation", obs])
    assert view is not None
    assert view.task == base.task_name and view.protocol == protocol
    assert view.blocks == ("a", "b", "c", "d") and view.steps == 0
    assert view.actions == base.ACTIONS
    assert view.state == WorldState((("a",), ("b",), ("c",), ("d",)), None)
    given = view.heights or view.estimates
    if view.heights is not None:
        assert view.heights == base.true_heights
    if view.estimates is not None:
        assert view.estimates == base._estimates
    if base.task_name in {"cognitive_effort", "plan_and_execute"}:
        assert given is not None
    if base.task_name == "evaluate_configuration":
        assert view.configuration == base._config
    if base.task_name == "execute_plan":
        assert view.intended == base._intended
    if base.task_name == "measure_height":
        assert view.target_block == "a"
    if base.task_name == "pick_configuration":
        expected = [
            (c, round(configuration_score(c, base.true_heights), 2)) for c in all_configurations(4)
        ]
        assert sorted(view.listed) == sorted(expected)
    # <help> repeats the task but does not start a new episode
    help_obs = env.step("<help>")[0]
    again = parse_episode(["an older, unrelated observation", obs, help_obs])
    assert again is not None and again.first == obs and again.steps == 1


def test_episode_facts_accumulate_and_survive_distractions() -> None:
    env = gym.make("telic/Combined-v1", n_blocks=3, perturb_prob=0.0, distraction_prob=1.0)
    obs, _ = env.reset(seed=1)
    observations = [obs]
    for action in ["<measure a>", "<measure a>", "<measure c>", "<pick up b>", "<stack b on a>"]:
        observations.append(env.step(action)[0])
    view = parse_episode(observations)
    assert view is not None
    assert sorted(view.readings) == ["a", "c"] and len(view.readings["a"]) == 2
    assert view.state == WorldState((("a", "b"), ("c",)), None)
    assert view.steps == 5


def test_generate_accepted_list_is_read_back() -> None:
    env = gym.make("telic/GenerateConfigurations-v1", n_blocks=4)
    obs, _ = env.reset(seed=0)
    observations = [obs]
    submitted = all_configurations(4)[:3]
    for config in submitted:
        text = "; ".join("[" + ", ".join(t) + "]" for t in reversed(config))
        observations.append(env.step(f"<towers {text}>")[0])
    view = parse_episode(observations)
    assert view is not None and view.accepted == tuple(submitted)


def test_no_task_means_no_view() -> None:
    assert parse_episode([]) is None
    assert parse_episode(["TASK: something we never wrote"]) is None


def test_text_before_the_task_line_is_tolerated() -> None:
    obs, _ = gym.make("telic/PlanAndExecute-v1").reset(seed=0)
    view = parse_episode(["Some preamble a runtime added.\n\n" + obs])
    assert view is not None and view.task == "plan_and_execute"
    assert view.heights is not None and len(view.heights) == 3
