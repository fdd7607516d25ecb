"""The Blocksworld world: heights, state graph, precondition errors and measurement noise."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

import envs
from envs.blocksworld import BLOCKSWORLD_ENVS
from envs.blocksworld._world import noisy_reading

IDS = [env_id for env_id, _, _ in BLOCKSWORLD_ENVS]


def _pe(**kwargs):  # type: ignore[no-untyped-def]
    env = gym.make("telic/PlanAndExecute-v1", perturb_prob=0.0, distraction_prob=0.0, **kwargs)
    env.reset(seed=3)
    return env


def _do(env, *actions):  # type: ignore[no-untyped-def]
    out = None
    for action in actions:
        out = env.step(action)
        assert not out[4]["invalid_action"], out[0]
    return out


@pytest.mark.parametrize("seed", [0, 7, 123])
def test_heights_depend_only_on_seed_and_n(seed: int) -> None:
    heights = []
    for env_id in IDS:
        env = gym.make(env_id, n_blocks=4)
        env.reset(seed=seed)
        heights.append(env.unwrapped.true_heights)
    assert all(h == heights[0] for h in heights), "every task must draw the same heights"
    values = np.array(list(heights[0].values()))
    assert np.all((values >= 5) & (values <= 10))
    assert np.allclose(values * 100, np.round(values * 100))  # kept at 0.01 cm
    # the first draws of the generator: 5 + 5 * U, nothing drawn before them
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    assert np.allclose(values, np.round(5 + 5 * rng.random(4), 2))
    other = gym.make(IDS[0], n_blocks=4)
    other.reset(seed=seed + 1)
    assert other.unwrapped.true_heights != heights[0]


def test_state_encoding() -> None:
    env = _pe()
    _do(env, "<pick up b>", "<stack b on a>", "<pick up c>")
    world = env.unwrapped.world
    assert world.on == {"b": "a"}  # X -> Y: X stands on Y
    assert world.under == {"a": "b"}
    assert world.held == "c"
    assert world.towers() == [["a", "b"]]
    assert world.heights["a"] == env.unwrapped.true_heights["a"]
    _do(env, "<put down c>", "<unstack b>")
    assert world.on == {} and world.under == {} and world.held == "b"
    copy = world.copy()
    copy.set_on("b", "c")
    assert world.on == {} and copy.on == {"b": "c"} and copy.under == {"c": "b"}


def test_state_description() -> None:
    env = _pe(n_blocks=4)
    obs = _do(env, "<pick up b>", "<stack b on a>", "<pick up c>", "<stack c on b>")[0]
    assert obs.endswith(
        "Current state: You are holding nothing. On the table: a, d. "
        "Block b is on top of a, and c is on top of b."
    )
    obs = _do(env, "<pick up d>")[0]
    assert "You are holding d. On the table: a." in obs


PRECONDITIONS = [
    (
        ["<pick up b>", "<stack b on a>"],
        "<pick up a>",
        "you can't pick up a because b is on top of it",
    ),
    (["<pick up c>"], "<pick up a>", "you can't pick up a because you are already holding c"),
    (["<pick up c>"], "<pick up c>", "already holding it"),
    (["<pick up b>", "<stack b on a>"], "<pick up b>", "use <unstack b>"),
    ([], "<put down a>", "you are not holding anything"),
    (["<pick up c>"], "<put down a>", "you are holding c, not a"),
    ([], "<stack b on a>", "you are not holding b (your hand is empty)"),
    (["<pick up c>"], "<stack b on a>", "you are not holding b (you are holding c)"),
    (["<pick up a>"], "<stack a on a>", "on itself"),
    (["<pick up b>", "<stack b on a>", "<pick up c>"], "<stack c on a>", "b is on top of a"),
    ([], "<unstack a>", "it is on the table"),
    (["<pick up b>", "<stack b on a>", "<pick up c>"], "<unstack b>", "already holding c"),
    (["<pick up b>", "<stack b on a>"], "<unstack a>", "b is on top of it"),
    (["<pick up c>"], "<unstack c>", "already holding it"),
    ([], "<pick up z>", "there is no block 'z'"),
    ([], "<done>", "there are 3 towers"),
    (["<pick up b>", "<stack b on a>", "<pick up c>", "<stack c on b>"], "<done>", "one tower"),
    (["<pick up b>"], "<done>", "still holding b"),
]


@pytest.mark.parametrize(("setup", "action", "message"), PRECONDITIONS)
def test_precondition_errors(setup, action, message) -> None:  # type: ignore[no-untyped-def]
    env = _pe()
    _do(env, *setup)
    before = env.unwrapped.state_description()
    obs, reward, terminated, _truncated, info = env.step(action)
    assert info["invalid_action"] and message in info["invalid_reason"]
    assert obs.startswith("Error: ") and message in obs
    assert obs.endswith(before)  # the state is unchanged and shown again
    assert env.unwrapped.state_description() == before
    assert reward == 0 and not terminated
    assert info["invalid_actions"] == 1


def test_measure_unknown_block_and_unavailable_actions() -> None:
    env = gym.make("telic/Combined-v1", perturb_prob=0.0, distraction_prob=0.0)
    env.reset(seed=0)
    info = env.step("<measure q>")[4]
    assert info["invalid_action"] and "no block 'q'" in info["invalid_reason"]
    assert info["measurements"] == {"a": 0, "b": 0, "c": 0}
    pe = _pe()
    info = pe.step("<measure a>")[4]  # PE gives the heights: no measuring
    assert info["invalid_action"] and "not an available action" in info["invalid_reason"]


def _truncated_sd_factor(c: float) -> float:
    """sd of a standard normal truncated to [-c, c]."""
    phi = math.exp(-c * c / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(c / math.sqrt(2))
    return math.sqrt(1 - 2 * c * phi / mass)


@pytest.mark.parametrize(("noise", "height"), [(0.3, 7.0), (0.1, 9.3), (1.0, 5.5)])
def test_noise_mean_spread_and_range(noise: float, height: float) -> None:
    rng = np.random.default_rng(11)
    draws = np.array([noisy_reading(rng, height, noise) for _ in range(20000)])
    assert draws.min() >= 0 and draws.max() <= 2 * height
    sd = noise * height * _truncated_sd_factor(1 / noise)
    assert abs(draws.mean() - height) < 4 * sd / math.sqrt(len(draws)) + 0.005
    assert draws.std() == pytest.approx(sd, rel=0.03)
    assert np.allclose(draws * 100, np.round(draws * 100))  # shown with 2 decimals


def test_measurements_in_env_are_noisy_and_counted() -> None:
    env = gym.make("telic/MeasureHeight-v1", n_blocks=3, noise=0.3)
    env.reset(seed=5)
    true = env.unwrapped.true_heights["b"]
    values = []
    for _ in range(60):
        obs, _, _, _, info = env.step("<measure b>")
        values.append(float(obs.split(" is ")[1].split("cm")[0]))
    assert info["measurements"] == {"a": 0, "b": 60, "c": 0}
    assert len(set(values)) > 30 and all(0 <= v <= 2 * true for v in values)
    assert abs(np.mean(values) - true) < 4 * 0.3 * true / math.sqrt(60)


def test_zero_noise_readings_are_exact() -> None:
    env = gym.make("telic/Combined-v1", noise=0.0, n_blocks=4, perturb_prob=0.0)
    env.reset(seed=2)
    for block, height in env.unwrapped.true_heights.items():
        obs = env.step(f"<measure {block}>")[0]
        assert f"The height of {block} is {height:.2f}cm." in obs.replace(
            "A noisy reading of the height", "The height"
        )


def test_envs_package_exposes_registered_ids() -> None:
    ids = {entry.id for entry in envs.registered_envs()}
    assert set(IDS) <= ids
