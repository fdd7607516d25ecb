"""Random streams per task (-v1) and the released code's dynamics (``dynamics="paper"``)."""

from __future__ import annotations

import re
import warnings

import gymnasium as gym
import pytest

from envs.blocksworld._base import distraction_lines
from envs.blocksworld._render import HELP_PREFIX, STATE_PREFIX

_READING = re.compile(r"height of a is (\d+\.\d+)cm")


def _make(env_id: str, **kwargs):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # -v0 is out of date on purpose
        return gym.make(env_id, **kwargs).unwrapped


def _readings(env_id: str, seed: int, count: int = 5) -> list[str]:
    env = _make(env_id, n_blocks=3)
    env.reset(seed=seed)
    found = []
    for _ in range(count):
        obs = env.step("<measure a>")[0]
        found.append(_READING.search(obs).group(1))  # type: ignore[union-attr]
    return found


# ---------------------------------------------------------------------- streams (issue item 5)
@pytest.mark.parametrize("seed", [0, 1, 7, 42])
def test_measure_height_and_information_gathering_readings_differ(seed: int) -> None:
    assert _readings("telic/MeasureHeight-v1", seed) != _readings(
        "telic/InformationGathering-v1", seed
    )


@pytest.mark.parametrize("seed", [0, 7])
def test_v0_keeps_the_shared_streams_of_the_first_release(seed: int) -> None:
    assert _readings("telic/MeasureHeight-v0", seed) == _readings(
        "telic/InformationGathering-v0", seed
    )


def test_perturbations_of_plan_and_execute_and_execute_plan_are_independent() -> None:
    def perturbed(env_id: str, seed: int) -> list[bool]:
        env = _make(env_id, n_blocks=3, perturb_prob=0.5, distraction_prob=0.0)
        env.reset(seed=seed)
        flags = []
        for _ in range(6):
            block = env.world.held
            action = f"<put down {block}>" if block else "<pick up a>"
            if not block and env.world.below("a") is not None:
                action = "<unstack a>"
            flags.append(env.step(action)[4]["perturbed"])
        return flags

    v1 = [perturbed("telic/PlanAndExecute-v1", s) != perturbed("telic/ExecutePlan-v1", s)
          for s in range(8)]  # fmt: skip
    v0 = [perturbed("telic/PlanAndExecute-v0", s) == perturbed("telic/ExecutePlan-v0", s)
          for s in range(8)]  # fmt: skip
    assert any(v1), "per-task streams should perturb different steps for some seed"
    assert all(v0)


@pytest.mark.parametrize("env_id", ["telic/Combined-v1", "telic/MeasureHeight-v1"])
def test_heights_are_still_shared_by_every_task(env_id: str) -> None:
    reference = _make("telic/InformationGathering-v1", n_blocks=4)
    reference.reset(seed=3)
    env = _make(env_id, n_blocks=4)
    env.reset(seed=3)
    assert env.true_heights == reference.true_heights


def test_unknown_streams_and_dynamics_values_are_rejected() -> None:
    with pytest.raises(ValueError, match="streams must be one of"):
        _make("telic/Combined-v1", streams="private")
    with pytest.raises(ValueError, match="dynamics must be one of"):
        _make("telic/Combined-v1", dynamics="papers")


# ---------------------------------------------------------------------- dynamics="paper" (item 7)
def _run_invalid(env_id: str, **kwargs) -> int:  # type: ignore[no-untyped-def]
    env = _make(env_id, **kwargs)
    env.reset(seed=0)
    for step in range(1, 500):
        *_, terminated, truncated, _info = env.step("no action here")
        if terminated or truncated:
            return step
    raise AssertionError("never truncated")


@pytest.mark.parametrize(
    ("env_id", "cap"),
    [
        ("telic/CognitiveEffort-v1", 20),
        ("telic/PlanAndExecute-v1", 70),
        ("telic/EvaluateConfiguration-v1", 20),
    ],
)
def test_step_cap_allows_one_more_message_under_paper_dynamics(env_id: str, cap: int) -> None:
    kwargs = {"perturb_prob": 0.0} if "Plan" in env_id else {}
    assert _run_invalid(env_id, n_blocks=3, **kwargs) == cap
    assert _run_invalid(env_id, n_blocks=3, dynamics="paper", **kwargs) == cap + 1
    assert _make(env_id, n_blocks=3, dynamics="paper").step_cap == cap + 1


def test_information_gathering_limit_counts_measurements_under_both_dynamics() -> None:
    for dynamics, extra in (("telic", 0), ("paper", 1)):
        env = _make("telic/InformationGathering-v1", n_blocks=3, dynamics=dynamics)
        env.reset(seed=0)
        steps = 0
        for _ in range(5):
            env.step("<measure a>")
            steps += 1
        # now min(20n, 5 + 20) = 25 is the limit
        while True:
            *_, truncated, _ = env.step("nothing")
            steps += 1
            if truncated:
                break
        assert steps == 25 + extra


def test_measure_height_noise_free_cap_is_n_plus_10_only_under_paper_dynamics() -> None:
    assert _make("telic/MeasureHeight-v1", n_blocks=4, noise=0.0).step_cap == 90
    assert _make("telic/MeasureHeight-v1", n_blocks=4, noise=0.0, dynamics="paper").step_cap == 15
    assert _make("telic/MeasureHeight-v1", n_blocks=4, dynamics="paper").step_cap == 91


def test_paper_perturbation_replaces_invalid_replies_too() -> None:
    env = _make("telic/PlanAndExecute-v1", n_blocks=3, perturb_prob=1.0, distraction_prob=0.0,
                dynamics="paper")  # fmt: skip
    env.reset(seed=1)
    obs, _r, _t, _tr, info = env.step("I am not sure what to do")
    assert info["perturbed"] and not info["invalid_action"]
    assert obs.startswith("Something went wrong: the action was perturbed to <")
    telic = _make("telic/PlanAndExecute-v1", n_blocks=3, perturb_prob=1.0, distraction_prob=0.0)
    telic.reset(seed=1)
    info = telic.step("I am not sure what to do")[4]
    assert info["invalid_action"] and not info["perturbed"]


def test_paper_perturbation_never_touches_help_or_done() -> None:
    env = _make("telic/PlanAndExecute-v1", n_blocks=3, perturb_prob=1.0, distraction_prob=0.0,
                dynamics="paper")  # fmt: skip
    env.reset(seed=2)
    obs, *_, info = env.step("<help>")
    assert HELP_PREFIX in obs and not info["perturbed"]
    info = env.step("<done>")[4]
    assert not info["perturbed"] and info["invalid_action"]  # all blocks on the table still


def test_paper_replacement_can_equal_the_intended_action() -> None:
    same = 0
    for seed in range(40):
        env = _make("telic/PlanAndExecute-v1", n_blocks=3, perturb_prob=1.0,
                    distraction_prob=0.0, dynamics="paper")  # fmt: skip
        env.reset(seed=seed)
        info = env.step("<pick up a>")[4]
        assert info["perturbed"]
        same += info["perturbed_to"] == "<pick up a>"
    # three candidates (pick up a, b or c): about a third repeat the intended action
    assert 5 <= same <= 25
    telic = _make("telic/PlanAndExecute-v1", n_blocks=3, perturb_prob=1.0, distraction_prob=0.0)
    for seed in range(20):
        telic.reset(seed=seed)
        assert telic.step("<pick up a>")[4]["perturbed_to"] != "<pick up a>"


def test_paper_observations_show_the_state_only_on_help() -> None:
    env = _make("telic/PlanAndExecute-v1", n_blocks=3, perturb_prob=0.0, distraction_prob=0.0,
                dynamics="paper")  # fmt: skip
    env.reset(seed=0)
    assert STATE_PREFIX not in env.step("<pick up a>")[0]
    assert STATE_PREFIX in env.step("<help>")[0]
    telic = _make("telic/PlanAndExecute-v1", n_blocks=3, perturb_prob=0.0, distraction_prob=0.0)
    telic.reset(seed=0)
    assert STATE_PREFIX in telic.step("<pick up a>")[0]


def test_paper_distractions_start_at_the_first_line_and_run_in_order() -> None:
    lines = distraction_lines()
    env = _make("telic/PlanAndExecute-v1", n_blocks=3, perturb_prob=0.0, distraction_prob=1.0,
                dynamics="paper")  # fmt: skip
    for seed in (0, 5):
        env.reset(seed=seed)
        assert lines[0] in env.step("<pick up a>")[0]
        assert lines[1] in env.step("<put down a>")[0]
    starts = set()
    telic = _make("telic/PlanAndExecute-v1", n_blocks=3, perturb_prob=0.0, distraction_prob=1.0)
    for seed in range(6):
        telic.reset(seed=seed)
        obs = telic.step("<pick up a>")[0]
        starts.add(next(i for i, line in enumerate(lines) if line in obs))
    assert len(starts) > 1


BUILDING = [
    "telic/PlanAndExecute-v1",
    "telic/Combined-v1",
    "telic/ExecutePlan-v1",
    "telic/InformationGathering-v1",
]


@pytest.mark.parametrize("env_id", BUILDING)
@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_oracle_still_finishes_without_state_paragraphs(env_id: str, protocol: str, player) -> None:  # type: ignore[no-untyped-def]
    kwargs = {} if "Information" in env_id else {"perturb_prob": 0.0, "distraction_prob": 0.0}
    episode = player(env_id, "oracle", seed=3, protocol=protocol, dynamics="paper", **kwargs)
    assert episode.final["completed"]
    if "Information" not in env_id and "Combined" not in env_id:
        assert episode.final["regret"] == pytest.approx(0.0)


@pytest.mark.parametrize("seed", range(4))
def test_oracle_recovers_from_paper_perturbations(seed: int, player) -> None:  # type: ignore[no-untyped-def]
    episode = player("telic/PlanAndExecute-v1", "oracle", seed=seed, dynamics="paper")
    assert episode.final["completed"]
    assert episode.final["regret"] == pytest.approx(0.0)
