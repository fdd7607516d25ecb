"""Env steps per second for every Blocksworld env, against a bare Gymnasium toy env.

Each env is stepped with random action strings of the kind ``random_actions`` produces (valid
and invalid concrete actions of the task, in the env's protocol), resetting whenever an
episode ends. The baseline is a minimal ``gymnasium.Env`` with ``Discrete`` spaces, made and
stepped the same way in the same run. Prints a markdown table::

    python -m benchmarks.bench_envs [--seconds 1.0]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

import envs
from envs.blocksworld import BLOCKSWORLD_ENVS, all_configurations
from envs.blocksworld._render import ACTION_SPECS

TOY_ID = "telic_bench/Toy-v0"


class ToyEnv(gym.Env[int, int]):
    """The baseline: the smallest useful Gymnasium env (a counter that ends at 20)."""

    def __init__(self) -> None:
        self.observation_space = spaces.Discrete(21)
        self.action_space = spaces.Discrete(2)
        self.count = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):  # type: ignore[override]
        super().reset(seed=seed)
        self.count = 0
        return 0, {}

    def step(self, action: int):  # type: ignore[override]
        self.count += int(action)
        done = self.count >= 20
        return self.count, float(done), done, False, {}


def _action_pool(env_id: str, protocol: str, rng: np.random.Generator, size: int) -> list[str]:
    """Random concrete actions of the env's task (valid or not), in its protocol."""
    base = gym.make(env_id).unwrapped
    blocks = list(base.blocks)
    configs = all_configurations(blocks)
    pool = []
    for _ in range(size):
        name = base.ACTIONS[int(rng.integers(len(base.ACTIONS)))]
        args: dict[str, Any] = {}
        for param in ACTION_SPECS[name].params:
            if param.kind == "block":
                args[param.name] = blocks[int(rng.integers(len(blocks)))]
            elif param.kind == "number":
                args[param.name] = round(float(rng.uniform(0, 20)), 2)
            else:
                config = configs[int(rng.integers(len(configs)))]
                args[param.name] = [list(config[0]), list(config[1])]
        if protocol == "tools":
            pool.append(envs.encode_tool_call(name, args))
        else:
            pool.append("I will try this. " + ACTION_SPECS[name].render(args))
    return pool


def _steps_per_second(env: gym.Env, actions: list[Any], seconds: float) -> float:
    env.reset(seed=0)
    steps = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            steps += 1
            if terminated or truncated:
                env.reset()
    return steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per measurement")
    options = parser.parse_args()
    if TOY_ID not in gym.registry:
        gym.register(TOY_ID, entry_point=ToyEnv)
    rng = np.random.default_rng(0)
    toy = _steps_per_second(gym.make(TOY_ID), [1] * 200, options.seconds)
    rows = []
    for env_id, _, _ in BLOCKSWORLD_ENVS:
        rates = []
        for protocol in ("tags", "tools"):
            pool = _action_pool(env_id, protocol, rng, 200)
            env = gym.make(env_id, protocol=protocol)
            rates.append(_steps_per_second(env, pool, options.seconds))
        rows.append((env_id, *rates))
    print(f"Baseline: bare Gymnasium toy env (Discrete spaces), {toy:,.0f} steps/s.\n")
    print("| env (n_blocks=3) | tags steps/s | tools steps/s | tags / toy | tools / toy |")
    print("|---|---:|---:|---:|---:|")
    for env_id, tags, tools in rows:
        print(f"| {env_id} | {tags:,.0f} | {tools:,.0f} | {tags / toy:.4f} | {tools / toy:.4f} |")


if __name__ == "__main__":
    main()
