"""Task rules: goals, step caps, end rules, returns, summary keys and keyword arguments."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest

from envs.blocksworld import BLOCKSWORLD_ENVS, all_configurations, configuration_score
from envs.blocksworld._base import distraction_lines
from envs.blocksworld._render import CONTINUED, GOALS
from envs.blocksworld.tasks import InformationGathering

IDS = [env_id for env_id, _, _ in BLOCKSWORLD_ENVS]
COMMON = {
    "task", "n_blocks", "true_heights", "completed", "return", "optimal_return", "regret",
    "random_return", "steps", "invalid_actions", "measurements", "perturbations", "noise",
}  # fmt: skip
SPECIFIC = {
    "information_gathering": {"tower"},
    "cognitive_effort": {"final_configuration", "optimal_configuration"},
    "plan_and_execute": {"final_configuration", "optimal_configuration"},
    "combined": {"final_configuration", "optimal_configuration"},
    "measure_height": {"target_block", "estimate", "measuring_error", "target_true_height"},
    "generate_configurations": {"number_of_correct_configurations", "required_configurations"},
    "evaluate_configuration": {"configuration", "answer", "true_value", "evaluation_error"},
    "pick_configuration": {
        "submitted_configuration", "optimal_configuration", "partition_distance"
    },
    "execute_plan": {"intended_configuration", "final_configuration", "partition_distance"},
    "build_two_block_tower": {"tower", "estimates"},
}  # fmt: skip


def _make(env_id: str, seed: int = 0, **kwargs):  # type: ignore[no-untyped-def]
    env = gym.make(env_id, **kwargs)
    obs, _info = env.reset(seed=seed)
    return env, obs


@pytest.mark.parametrize("env_id", IDS)
def test_summary_keys_rewards_and_json(env_id: str, player) -> None:  # type: ignore[no-untyped-def]
    episode = player(env_id, "oracle", seed=4)
    final = episode.final
    assert COMMON | SPECIFIC[final["task"]] <= set(final)
    assert final["completed"] is True and final["return"] is not None
    assert all(r == 0 for r in episode.rewards[:-1])
    assert episode.rewards[-1] == pytest.approx(final["return"])
    assert final["steps"] == len(episode.actions)
    json.dumps(final)  # records store it as JSON
    for info in episode.infos[1:]:
        assert {"measurements", "perturbed", "perturbed_to", "perturbations"} <= set(info)


@pytest.mark.parametrize("env_id", IDS)
def test_goal_sentence_and_continued_prefix(env_id: str) -> None:
    _, obs = _make(env_id)
    task = gym.make(env_id).unwrapped.task_name
    assert obs.startswith("TASK: " + GOALS[task])
    _, cont = _make(env_id, continued=True)
    assert cont.startswith(CONTINUED + "\n\nTASK: ") and cont.endswith(obs)
    env, _ = _make(env_id)
    help_obs = env.step("<help>")[0]
    assert help_obs.startswith("HELP: ") and GOALS[task] in help_obs
    assert "Current state: " in help_obs


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_blocks": 1}, "n_blocks must be between 2 and 26, got 1"),
        ({"n_blocks": 27}, "got 27"),
        ({"n_blocks": "3"}, "n_blocks must be an integer"),
        ({"n_blocks": True}, "n_blocks must be an integer"),
        ({"noise": -0.1}, "noise must be a number"),
        ({"noise": float("nan")}, "noise must be a number"),
        ({"perturb_prob": 1.5}, "perturb_prob must be a number between 0"),
        ({"distraction_prob": "high"}, "distraction_prob must be a number"),
        ({"protocol": "xml"}, "protocol must be one of"),
        ({"continued": "yes"}, "continued must be True or False"),
    ],
)
def test_bad_kwargs_raise_value_error(kwargs, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=match):
        gym.make("telic/InformationGathering-v1", **kwargs)


def test_bad_render_mode_raises_value_error() -> None:
    # built directly: gym.make would first warn about the unknown render mode
    with pytest.raises(ValueError, match="render_mode must be one of"):
        InformationGathering(render_mode="human")


@pytest.mark.parametrize(
    ("env_id", "limit"),
    [
        ("telic/CognitiveEffort-v1", 16),
        ("telic/PlanAndExecute-v1", 16),
        ("telic/Combined-v1", 16),
        ("telic/GenerateConfigurations-v1", 16),
        ("telic/EvaluateConfiguration-v1", 16),
        ("telic/ExecutePlan-v1", 16),
        ("telic/PickConfiguration-v1", 8),
    ],
)
def test_block_limits_name_the_limit(env_id: str, limit: int) -> None:
    gym.make(env_id, n_blocks=limit)
    with pytest.raises(ValueError, match=f"between 2 and {limit}.*got {limit + 1}"):
        gym.make(env_id, n_blocks=limit + 1)


@pytest.mark.parametrize("env_id", ["telic/CognitiveEffort-v1", "telic/PickConfiguration-v1"])
def test_no_perturbation_or_distraction_where_spec_switches_them_off(env_id: str) -> None:
    with pytest.raises(ValueError, match="perturb_prob must be 0"):
        gym.make(env_id, perturb_prob=0.2)
    with pytest.raises(ValueError, match="distraction_prob must be 0"):
        gym.make(env_id, distraction_prob=0.2)
    with pytest.raises(RuntimeError, match="no actions that can be perturbed"):
        gym.make(env_id).unwrapped.force_perturbation()


def test_information_gathering_ends_at_first_two_block_tower() -> None:
    env, _ = _make("telic/InformationGathering-v1", seed=1, n_blocks=4)
    heights = env.unwrapped.true_heights
    env.step("<pick up c>")
    _obs, reward, terminated, truncated, info = env.step("<stack c on b>")
    assert terminated and not truncated and info["completed"]
    assert info["tower"] == ["b", "c"]
    assert reward == pytest.approx(heights["b"] + heights["c"])
    best = sorted(heights.values())[-2:]
    assert info["optimal_return"] == pytest.approx(sum(best))
    assert info["regret"] == pytest.approx(sum(best) - reward)
    assert info["random_return"] == pytest.approx(2 * np.mean(list(heights.values())))


@pytest.mark.parametrize(("noise", "measures", "cap"), [(0.3, 0, 20), (0.3, 30, 50), (0.0, 0, 13)])
def test_information_gathering_step_cap(noise: float, measures: int, cap: int) -> None:
    env, _ = _make("telic/InformationGathering-v1", n_blocks=3, noise=noise)
    for _ in range(measures):
        env.step("<measure a>")
    steps = measures
    while True:
        steps += 1
        _, _, terminated, truncated, info = env.step("<help>")
        if truncated:
            break
    assert steps == cap and not terminated
    assert info["completed"] is False and info["return"] is None and info["regret"] is None


def test_cognitive_effort_retries_invalid_submissions() -> None:
    env, obs = _make("telic/CognitiveEffort-v1", n_blocks=3)
    assert "The blocks have heights a: " in obs and "NP-complete" in obs
    for bad, reason in [
        ("<towers ['a', 'b']; ['b', 'c']>", "more than once"),
        ("<towers ['a', 'b']; []>", "can't be empty"),
        ("<towers ['a']; ['b']>", "missing"),
        ("<towers ['a', 'q']; ['b', 'c']>", "no block 'q'"),
        ("<towers a b c>", "two towers in square brackets"),
    ]:
        info = env.step(bad)[4]
        assert info["invalid_action"] and reason in info["invalid_reason"]
    _, reward, terminated, _, info = env.step("<towers ['c']; ['b', 'a']>")
    heights = env.unwrapped.true_heights
    assert terminated and info["final_configuration"] == [["a", "b"], ["c"]]
    assert reward == pytest.approx(min(heights["a"] + heights["b"], heights["c"]))
    scores = [configuration_score(c, heights) for c in all_configurations(3)]
    assert info["optimal_return"] == pytest.approx(max(scores))
    assert info["random_return"] == pytest.approx(np.mean(scores))
    assert info["invalid_actions"] == 5


@pytest.mark.parametrize(
    ("env_id", "cap"),
    [
        ("telic/CognitiveEffort-v1", 20),
        ("telic/PickConfiguration-v1", 20),
        ("telic/EvaluateConfiguration-v1", 20),
        ("telic/PlanAndExecute-v1", 90),
        ("telic/Combined-v1", 90),
        ("telic/ExecutePlan-v1", 90),
        ("telic/MeasureHeight-v1", 90),
        ("telic/GenerateConfigurations-v1", 37),
        ("telic/BuildTwoBlockTower-v1", 14),
    ],
)
def test_step_caps(env_id: str, cap: int) -> None:
    env, _ = _make(env_id, n_blocks=4)
    assert env.unwrapped.step_cap == cap
    for step in range(1, cap + 1):
        truncated = env.step("no tag here")[3]
        assert truncated == (step == cap)


def test_plan_and_execute_done_and_return() -> None:
    env, _ = _make("telic/PlanAndExecute-v1", n_blocks=4, perturb_prob=0.0, distraction_prob=0)
    for action in ["<pick up c>", "<stack c on a>", "<pick up d>", "<stack d on b>"]:
        assert not env.step(action)[2]
    _, reward, terminated, _, info = env.step("<done>")
    heights = env.unwrapped.true_heights
    expected = min(heights["a"] + heights["c"], heights["b"] + heights["d"])
    assert terminated and reward == pytest.approx(expected)
    assert info["final_configuration"] == [["a", "c"], ["b", "d"]]
    assert info["regret"] == pytest.approx(info["optimal_return"] - expected)


def test_forced_perturbation_replaces_with_a_different_valid_action() -> None:
    env, _ = _make("telic/ExecutePlan-v1", n_blocks=4, perturb_prob=0.0, distraction_prob=0.0)
    env.unwrapped.force_perturbation()
    obs, _, _, _, info = env.step("<help>")  # help is protected: the force waits
    assert not info["perturbed"]
    obs, _, _, _, info = env.step("<pick up a>")
    assert info["perturbed"] and info["perturbations"] == 1
    assert info["action"] == "<pick up a>" and info["perturbed_to"] != "<pick up a>"
    assert info["perturbed_to"].startswith("<pick up ")
    assert obs.startswith(
        f"Something went wrong: your action <pick up a> was perturbed to {info['perturbed_to']}."
    )
    held = info["perturbed_to"][len("<pick up ") : -1]
    assert env.unwrapped.world.held == held
    info = env.step(f"<put down {held}>")[4]
    assert not info["perturbed"] and info["perturbations"] == 1


def test_perturb_prob_one_perturbs_every_world_action() -> None:
    env, _ = _make("telic/Combined-v1", n_blocks=3, perturb_prob=1.0, distraction_prob=0.0)
    for _ in range(20):
        obs, _, terminated, truncated, info = env.step("<measure a>")
        assert info["perturbed"] and info["perturbed_to"] != "<measure a>"
        assert "was perturbed to" in obs
        if terminated or truncated:
            break
    assert info["perturbations"] >= 1


def test_perturbations_follow_perturb_prob() -> None:
    env, _ = _make("telic/Combined-v1", seed=9, n_blocks=3, perturb_prob=0.2, distraction_prob=0)
    flags = []
    for _ in range(60):
        info = env.step("<measure b>")[4]
        flags.append(info["perturbed"])
        if info.get("completed") is not None:
            break
    assert 0.05 < np.mean(flags) < 0.4


def test_distractions_come_from_the_corpus_before_the_state() -> None:
    lines = distraction_lines()
    assert len(lines) >= 55 and all(line.isascii() for line in lines)
    env, _ = _make("telic/PlanAndExecute-v1", perturb_prob=0.0, distraction_prob=1.0)
    seen = []
    for _ in range(3):
        obs = env.step("<help>")[0]
        paragraphs = obs.split("\n\n")
        assert paragraphs[-1].startswith("Current state: ")
        assert paragraphs[-2] in lines
        seen.append(paragraphs[-2])
    assert seen[1] == lines[(lines.index(seen[0]) + 1) % len(lines)]  # the *next* line
    env0, _ = _make("telic/PlanAndExecute-v1", perturb_prob=0.0, distraction_prob=0.0)
    assert not any(line in env0.step("<pick up a>")[0] for line in lines)


@pytest.mark.parametrize(
    "env_id", ["telic/InformationGathering-v1", "telic/PlanAndExecute-v1",
               "telic/Combined-v1", "telic/ExecutePlan-v1", "telic/BuildTwoBlockTower-v1"],
)  # fmt: skip
def test_building_observations_end_with_the_state(env_id: str) -> None:
    env, _ = _make(env_id, seed=2)
    for action in ["<help>", "nonsense", "<pick up a>", "<put down a>"]:
        obs = env.step(action)[0]
        assert obs.rsplit("\n\n", 1)[-1] == env.unwrapped.state_description()


def test_measure_height_target_and_error() -> None:
    env, obs = _make("telic/MeasureHeight-v1", n_blocks=4, target_block="c")
    assert "The block to measure is 'c'" in obs
    _, reward, terminated, _, info = env.step("I think <height 7.5cm>")
    true = env.unwrapped.true_heights["c"]
    assert terminated and info["estimate"] == 7.5 and info["target_block"] == "c"
    assert info["measuring_error"] == pytest.approx(7.5 - true)
    assert reward == pytest.approx(-abs(7.5 - true))
    assert info["target_true_height"] == true
    with pytest.raises(ValueError, match="target_block must be one of the blocks a, b, c"):
        gym.make("telic/MeasureHeight-v1", target_block="d")


def test_generate_configurations_echo_duplicates_and_done() -> None:
    env, _ = _make("telic/GenerateConfigurations-v1", n_blocks=3)
    obs, _, _, _, info = env.step("<towers ['b', 'a']; ['c']>")
    assert "Configurations accepted so far (1):\n1. ['a', 'b']; ['c']" in obs
    info = env.step("<towers ['c']; ['a', 'b']>")[4]
    assert info["invalid_action"] and "already in your list" in info["invalid_reason"]
    obs = env.step("<towers ['a']; ['c', 'b']>")[0]
    assert "(2):" in obs and "2. ['a']; ['b', 'c']" in obs
    _, reward, terminated, _, info = env.step("<done>")
    assert terminated and reward == 2 and info["number_of_correct_configurations"] == 2
    assert info["required_configurations"] == 3 and info["regret"] == 1


def test_evaluate_configuration_draws_a_config_from_the_env_rng() -> None:
    drawn = set()
    for seed in range(12):
        env, obs = _make("telic/EvaluateConfiguration-v1", seed=seed, n_blocks=4)
        info = env.step("<height 10cm>")[4]
        drawn.add(json.dumps(info["configuration"]))
        heights = env.unwrapped.true_heights
        assert info["true_value"] == pytest.approx(
            configuration_score(info["configuration"], heights)
        )
        assert info["evaluation_error"] == pytest.approx(10 - info["true_value"])
        again = _make("telic/EvaluateConfiguration-v1", seed=seed, n_blocks=4)[1]
        assert again == obs
    assert len(drawn) > 3


def test_pick_configuration_lists_every_configuration() -> None:
    env, obs = _make("telic/PickConfiguration-v1", n_blocks=4)
    heights = env.unwrapped.true_heights
    for config in all_configurations(4):
        text = "; ".join("[" + ", ".join(f"'{b}'" for b in t) + "]" for t in config)
        assert f"{text}: lower tower {configuration_score(config, heights):.2f}cm" in obs
    info = env.step("<towers ['a']; ['b', 'c', 'd']>")[4]
    optimal = info["optimal_configuration"]
    assert info["partition_distance"] == min(
        len(set(optimal[0]) ^ {"a"}), len(set(optimal[1]) ^ {"a"})
    )


def test_execute_plan_reports_distance_to_the_intended_plan() -> None:
    env, obs = _make("telic/ExecutePlan-v1", n_blocks=3, perturb_prob=0.0, distraction_prob=0)
    intended = env.unwrapped._intended
    assert "The best configuration has been computed for you: " in obs
    env.step("<pick up b>")
    env.step("<stack b on a>")
    info = env.step("<done>")[4]
    assert info["final_configuration"] == [["a", "b"], ["c"]]
    assert info["intended_configuration"] == [list(intended[0]), list(intended[1])]
    assert info["partition_distance"] == (0 if intended == (("a", "b"), ("c",)) else 1)


def test_build_two_block_tower_uses_given_estimates() -> None:
    estimates = {"a": 5.0, "b": 9.5, "c": 9.0}
    env, obs = _make("telic/BuildTwoBlockTower-v1", estimates=estimates)
    assert "Your earlier estimates of the heights are a: 5.00cm, b: 9.50cm, c: 9.00cm." in obs
    env.step("<pick up c>")
    info = env.step("<stack c on b>")[4]
    assert info["tower"] == ["b", "c"] and info["estimates"] == estimates
    with pytest.raises(ValueError, match="estimates must map every block"):
        gym.make("telic/BuildTwoBlockTower-v1", estimates={"a": 5.0})


def test_render_ansi_returns_last_observation() -> None:
    env = gym.make("telic/CognitiveEffort-v1", render_mode="ansi")
    obs, _ = env.reset(seed=0)
    assert env.render() == obs


@pytest.mark.parametrize(
    ("env_id", "keys"),
    [
        ("telic/PlanAndExecute-v1", ["final_configuration"]),
        ("telic/ExecutePlan-v1", ["final_configuration", "partition_distance"]),
        ("telic/CognitiveEffort-v1", ["final_configuration"]),
        ("telic/PickConfiguration-v1", ["submitted_configuration", "partition_distance"]),
        ("telic/InformationGathering-v1", ["tower"]),
    ],
)
def test_outcome_keys_are_none_when_not_completed(env_id: str, keys: list[str]) -> None:
    env, _ = _make(
        env_id, n_blocks=3, **({} if "Pick" in env_id or "Cog" in env_id else {"perturb_prob": 0.0})
    )
    if "PlanAndExecute" in env_id or "ExecutePlan" in env_id:
        env.step("<pick up b>")
        env.step("<stack b on a>")  # two towers stand, but <done> is never said
    while True:
        _, _, terminated, truncated, info = env.step("<help>")
        if terminated or truncated:
            break
    assert truncated and info["completed"] is False
    assert info["return"] is None and info["regret"] is None
    assert all(info[key] is None for key in keys)
