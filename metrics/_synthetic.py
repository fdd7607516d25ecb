"""Synthetic Blocksworld episode records, for trying the metrics without running any episode.

:func:`synthetic_records` plays a simple simulated agent (:class:`SyntheticAgent`) on every
subtask and composite task, for given models, block counts and seeds, and writes records with
the final-info keys the Blocksworld envs report (only those the metrics read). The benchmark
uses it to build the paper-sized grid; it is also a quick way to see a report.

Block heights depend only on (seed, n_blocks), as in the envs, though not with the same values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrics._configs import block_names, config_space

COMPOSITES = ("information_gathering", "cognitive_effort", "plan_and_execute", "combined")
SUBTASKS = (
    "measure_height",
    "generate_configurations",
    "evaluate_configuration",
    "pick_configuration",
    "execute_plan",
)


@dataclass(frozen=True)
class SyntheticAgent:
    """Capabilities (used in subtasks) and how much of them the agent uses in composites."""

    height_sd: float = 0.3
    """SD (cm) of the height estimate when estimating is the whole task."""
    composite_height_sd: float = 0.6
    """SD (cm) of its height estimates inside IG and Combined (underuse: fewer measurements)."""
    generate_fraction: float = 0.9
    """Chance of listing each configuration in the generate subtask."""
    composite_fraction: float = 0.7
    """Fraction of the configurations it considers inside composite tasks."""
    eval_sd: float = 0.2
    """SD (cm) of its arithmetic errors."""
    pick_error: float = 0.1
    """Chance of submitting a configuration one block away from the intended one."""
    slip: float = 0.1
    """Chance of building a configuration one block away from the intended one."""
    completion: float = 0.95
    """Chance that an episode is completed."""


def _heights(seed: int, n: int) -> np.ndarray:
    return 5.0 + 5.0 * np.random.default_rng([seed, n, 7]).random(n)


def _neighbour(space, i: int, rng: np.random.Generator) -> int:
    options = np.flatnonzero(space.distance[i] == 1)
    return int(rng.choice(options)) if options.size else i


def _choose(space, h_true, h_est, fraction, agent, rng) -> int:
    k = space.k
    m = max(1, round(fraction * k))
    listed = rng.choice(k, size=m, replace=False)
    believed = space.scores(h_est)[listed] + rng.normal(0.0, agent.eval_sd, m)
    plan = int(listed[np.argmax(believed)])
    return _neighbour(space, plan, rng) if rng.random() < agent.pick_error else plan


def _record(model, task, n, seed, completed, ret, info, rng) -> dict[str, Any]:
    steps = int(rng.integers(3, 30))
    tokens_in, tokens_out = steps * 400, steps * 60
    return {
        "episode_id": f"{model}|{task}|{n}|{seed}",
        "model": model,
        "env_id": f"synthetic/{task}",
        "seed": seed,
        "task": task,
        "n_blocks": n,
        "variant": "neutral",
        "steps": steps,
        "completed": completed,
        "return": ret if completed else None,
        "info": {"task": task, "n_blocks": n, "completed": completed, "invalid_actions": 0, **info},
        "usage": {
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
            "calls": steps,
        },
        "cost_usd": None,
        "wall_time_s": 0.0,
    }


def _episode(model, agent, task, n, seed, rng) -> dict[str, Any]:
    space = config_space(n)
    names = block_names(n)
    h = _heights(seed, n)
    scores = space.scores(h)
    base: dict[str, Any] = {"true_heights": dict(zip(names, map(float, h), strict=True))}
    completed = bool(rng.random() < agent.completion)
    if task == "measure_height":
        err = float(rng.normal(0.0, agent.height_sd))
        info = {
            **base,
            "target_block": "a",
            "target_true_height": float(h[0]),
            "estimate": float(h[0]) + err,
            "measuring_error": err,
            "measurements": {"a": 10},
            "random_return": -((h[0] - 5) ** 2 + (10 - h[0]) ** 2) / 10,
        }
        return _record(model, task, n, seed, completed, -abs(err), info, rng)
    if task == "generate_configurations":
        count = int(rng.binomial(space.k, agent.generate_fraction))
        info = {
            "number_of_correct_configurations": count,
            "required_configurations": space.k,
            "random_return": (space.k + 1) / 2,
        }
        return _record(model, task, n, seed, completed, float(count), {**base, **info}, rng)
    if task == "evaluate_configuration":
        err = float(np.round(rng.normal(0.0, agent.eval_sd), 2))
        true, half = float(scores[seed % space.k]), float(h.sum() / 2)
        chance = -(true**2 + (half - true) ** 2) / (2 * half)
        info = {**base, "evaluation_error": err, "random_return": chance}
        return _record(model, task, n, seed, completed, -abs(err), info, rng)
    if task in ("pick_configuration", "execute_plan"):
        p = agent.pick_error if task == "pick_configuration" else agent.slip
        d = int(rng.random() < p)
        # chance: the mean distance of a uniformly random configuration from the target
        chance = -float(space.distance[int(np.argmax(scores))].mean())
        info = {**base, "partition_distance": d, "random_return": chance}
        return _record(model, task, n, seed, completed, float(-d), info, rng)
    opt = float(scores.max())
    if task == "information_gathering":
        est = h + rng.normal(0.0, agent.composite_height_sd, n)
        top = np.argsort(est)[-2:]
        ret, rnd, opt = float(h[top].sum()), float(2 * h.sum() / n), float(np.sort(h)[-2:].sum())
        counts = {b: 5 for b in names}
    else:
        noisy = task == "combined"
        est = h + rng.normal(0.0, agent.composite_height_sd, n) if noisy else h
        plan = _choose(space, h, est, agent.composite_fraction, agent, rng)
        if task != "cognitive_effort" and rng.random() < agent.slip:
            plan = _neighbour(space, plan, rng)
        ret, rnd = float(scores[plan]), float(scores.mean())
        counts = {b: (5 if noisy else 0) for b in names}
    info = {**base, "optimal_return": opt, "random_return": rnd, "regret": opt - ret}
    info["measurements"] = counts
    return _record(model, task, n, seed, completed, ret, info, rng)


def synthetic_records(
    agents: Mapping[str, SyntheticAgent],
    *,
    n_blocks: Sequence[int] = (3, 4, 5),
    seeds: Sequence[int] = tuple(range(10, 40)),
    tasks: Sequence[str] = COMPOSITES + SUBTASKS,
    rng: np.random.Generator | int = 0,
) -> list[dict[str, Any]]:
    """Records of every (agent, task, n_blocks, seed), as dicts like ``episodes.jsonl`` lines.

    Args:
        agents: model spec string -> simulated agent.
        n_blocks: block counts.
        seeds: seeds (the blocks depend on (seed, n_blocks) only).
        tasks: task names (composites and subtasks).
        rng: a generator or a seed for the agents' randomness.
    """
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return [
        _episode(model, agent, task, n, seed, gen)
        for model, agent in agents.items()
        for task in tasks
        for n in n_blocks
        for seed in seeds
    ]
