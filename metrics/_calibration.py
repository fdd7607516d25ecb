"""Records from the scripted Blocksworld agents' generative process, for calibration studies.

The scripted policies (``envs.blocksworld.policies``) document exactly what they do; this module
draws episode outcomes from that description directly, without running the environments, so a
coverage study can afford thousands of replicated analyses. It mirrors the envs' defaults:
heights Uniform(5, 10) cm, readings Normal(h, 0.3 h) kept within [0, 2 h] and shown to two
decimals, one random configuration to evaluate, the optimal configuration to execute, and the
chance levels the subtasks report (``info["random_return"]``). Each (seed, task) has its own
random stream; only the block heights are shared by all tasks of a seed (as the issue on
independent streams asks of the envs). What it does not simulate: invalid actions, step caps,
perturbations and distractions (the scripted agents recover from them and they do not change
the outcomes above).

Agents (:data:`CALIBRATION_AGENTS`), with the GD their construction implies:

* ``oracle``: full capabilities, used fully (GD 1);
* ``noisy``: limited capabilities (2 readings, arithmetic sd 0.5, 60% of the configurations,
  pick error 0.15, slip 0.1), used identically everywhere;
* ``lazy(0.5)``, ``lazy(0.8)``: oracle capabilities in the subtasks, under-used in the
  composites (fewer readings, fewer configurations considered);
* ``random+oracle``: oracle capabilities, random decisions in the composites (GD 0).

:func:`population_gd` computes each agent's true GD on a task independently of any replicate:
the actual and baseline means over many fresh seeds, and the ceiling the metric estimates
(its Monte Carlo ceiling with the capability distributions known, from a large subtask sample).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from metrics._configs import block_names, config_space
from metrics._synthetic import COMPOSITES, SUBTASKS

NOISE = 0.3


@dataclass(frozen=True)
class Play:
    """How an agent plays one kind of task (the scripted policies' ``Capability``)."""

    readings: int = 10
    considered: float = 1.0
    arithmetic_sd: float = 0.0
    pick_error: float = 0.0
    slip: float = 0.0
    random: bool = False
    """Random decisions (a uniformly random pair or configuration, carried out correctly)."""


@dataclass(frozen=True)
class CalibrationAgent:
    """Subtask play (its capabilities) and composite play (their use)."""

    subtasks: Play
    composites: Play


_NOISY = Play(readings=2, considered=0.6, arithmetic_sd=0.5, pick_error=0.15, slip=0.1)


def _lazy(underuse: float) -> CalibrationAgent:
    readings = max(1, math.floor((1 - underuse) * 10 + 0.5))
    return CalibrationAgent(Play(), Play(readings=readings, considered=1 - underuse))


CALIBRATION_AGENTS: dict[str, CalibrationAgent] = {
    "oracle": CalibrationAgent(Play(), Play()),
    "noisy": CalibrationAgent(_NOISY, _NOISY),
    "lazy(0.5)": _lazy(0.5),
    "lazy(0.8)": _lazy(0.8),
    "random+oracle": CalibrationAgent(Play(), Play(random=True)),
}


@lru_cache(maxsize=4096)
def heights(seed: int, n: int) -> np.ndarray:
    """The blocks of (seed, n): Uniform(5, 10) cm (read-only; cached, since every task of a
    seed shares them)."""
    h = 5.0 + 5.0 * np.random.default_rng([seed, n, 11]).random(n)
    h.flags.writeable = False
    return h


def _readings(rng: np.random.Generator, h: np.ndarray, k: int) -> np.ndarray:
    """Means of ``k`` readings per block, each Normal(h, 0.3 h) within [0, 2h], 2 decimals."""
    x = rng.normal(h, NOISE * h, (k, h.size))
    bad = (x < 0) | (x > 2 * h)
    while bad.any():
        hb = np.broadcast_to(h, x.shape)[bad]
        x[bad] = rng.normal(hb, NOISE * hb)
        bad = (x < 0) | (x > 2 * h)
    return np.round(x, 2).mean(axis=0)


@lru_cache(maxsize=8)
def _members(n: int) -> tuple[np.ndarray, dict[tuple[bool, ...], int]]:
    rows = config_space(n).membership.astype(bool)
    lookup = {}
    for i, row in enumerate(rows):
        lookup[tuple(row)] = i
        lookup[tuple(~row)] = i
    return rows, lookup


def _slipped(index: int, n: int, slip: float, rng: np.random.Generator) -> int:
    if slip <= 0:
        return index
    rows, lookup = _members(n)
    row = rows[index].copy()
    for b in range(n):
        if rng.random() < slip:
            home = row[b]
            if int((row == home).sum()) > 1:
                row[b] = not home
    return lookup[tuple(row)]


def _choose(scores: np.ndarray, est_scores: np.ndarray, play: Play, rng) -> int:
    k = scores.size
    count = max(1, min(k, math.ceil(play.considered * k - 1e-9)))
    idx = np.arange(k) if count >= k else np.sort(rng.choice(k, size=count, replace=False))
    believed = est_scores[idx]
    if play.arithmetic_sd > 0:
        believed = believed + rng.normal(0.0, play.arithmetic_sd, idx.size)
    choice = int(idx[int(np.argmax(believed))])
    if play.pick_error > 0 and k > 1 and rng.random() < play.pick_error:
        others = [i for i in range(k) if i != choice]
        choice = others[int(rng.integers(len(others)))]
    return choice


def _stream(model: str, task: str, seed: int, n: int) -> np.random.Generator:
    return np.random.default_rng([seed, n, zlib.crc32(f"{model}|{task}".encode())])


def episode(model: str, agent: CalibrationAgent, task: str, seed: int, n: int) -> dict[str, Any]:
    """One episode record (as in ``episodes.jsonl``, the keys the metrics read)."""
    rng = _stream(model, task, seed, n)
    space = config_space(n)
    names = block_names(n)
    h = heights(seed, n)
    scores = space.scores(h)
    best = int(np.argmax(scores))
    info: dict[str, Any] = {
        "task": task,
        "n_blocks": n,
        "true_heights": dict(zip(names, map(float, h), strict=True)),
    }
    play = agent.subtasks if task in SUBTASKS else agent.composites
    if task == "measure_height":
        est = float(_readings(rng, h[:1], play.readings)[0])
        err = est - float(h[0])
        ret = -abs(err)
        info.update(
            target_block=names[0],
            target_true_height=float(h[0]),
            measuring_error=err,
            random_return=-((h[0] - 5) ** 2 + (10 - h[0]) ** 2) / 10,
        )
    elif task == "generate_configurations":
        count = max(1, min(space.k, math.ceil(play.considered * space.k - 1e-9)))
        ret = float(count)
        info.update(number_of_correct_configurations=count, random_return=(space.k + 1) / 2)
    elif task == "evaluate_configuration":
        true = float(scores[int(rng.integers(space.k))])
        err = float(rng.normal(0.0, play.arithmetic_sd)) if play.arithmetic_sd > 0 else 0.0
        half = float(h.sum() / 2)
        ret = -abs(err)
        info.update(
            evaluation_error=err, random_return=-(true**2 + (half - true) ** 2) / (2 * half)
        )
    elif task == "pick_configuration":
        choice = best
        if play.pick_error > 0 and rng.random() < play.pick_error:
            others = [i for i in range(space.k) if i != best]
            choice = others[int(rng.integers(len(others)))]
        ret = float(scores[choice])
        info.update(
            partition_distance=int(space.distance[best, choice]),
            random_return=float(scores.mean()),
        )
    elif task == "execute_plan":
        built = _slipped(best, n, play.slip, rng)
        ret = float(scores[built])
        info.update(
            partition_distance=int(space.distance[best, built]),
            random_return=float(scores.mean()),
        )
    elif task == "information_gathering":
        if play.random:
            pair = rng.choice(n, size=2, replace=False)
        else:
            est_h = _readings(rng, h, play.readings)
            pair = np.argsort(est_h)[-2:]
        ret = float(h[pair].sum())
        optimal = float(np.sort(h)[-2:].sum())
        info.update(random_return=float(2 * h.sum() / n), optimal_return=optimal)
    else:
        if play.random:
            choice = int(rng.integers(space.k))
        else:
            noisy = task == "combined"
            est_scores = space.scores(_readings(rng, h, play.readings)) if noisy else scores
            choice = _choose(scores, est_scores, play, rng)
            if task != "cognitive_effort":
                choice = _slipped(choice, n, play.slip, rng)
        ret = float(scores[choice])
        info.update(random_return=float(scores.mean()), optimal_return=float(scores.max()))
    if "optimal_return" in info:
        info["regret"] = info["optimal_return"] - ret
    return {
        "episode_id": f"{model}|{task}|{n}|{seed}",
        "model": model,
        "task": task,
        "n_blocks": n,
        "seed": seed,
        "completed": True,
        "return": ret,
        "stop_reason": "terminated",
        "steps": 1,
        "info": info,
    }


def calibration_records(
    seeds: Sequence[int],
    *,
    n_blocks: int = 3,
    agents: dict[str, CalibrationAgent] | None = None,
    tasks: Sequence[str] = COMPOSITES + SUBTASKS,
) -> list[dict[str, Any]]:
    """Records of every agent on every task and seed (subtasks on the same seeds)."""
    chosen = CALIBRATION_AGENTS if agents is None else agents
    return [
        episode(model, agent, task, seed, n_blocks)
        for model, agent in chosen.items()
        for task in tasks
        for seed in seeds
    ]


def population_gd(
    model: str,
    tasks: Sequence[str] = COMPOSITES,
    *,
    n_blocks: int = 3,
    n_seeds: int = 10_000,
    first_seed: int = 10_000_000,
    mc_iterations: int = 100_000,
) -> dict[str, dict[str, float]]:
    """The true GD (capped and uncapped) of an agent per task, from seeds no replicate uses.

    Actual and baseline: means over ``n_seeds`` fresh composite episodes. Ceiling: the metric's
    own Monte Carlo ceiling on those episodes, given ``n_seeds`` subtask samples per capability
    drawn on other fresh seeds (the capability distributions, known to within their sampling
    error at that size).
    """
    from metrics._capabilities import capabilities
    from metrics._records import normalize_records
    from metrics._tasks import get_task_gd, simulate_ceiling

    agent = CALIBRATION_AGENTS[model]
    seeds = range(first_seed, first_seed + n_seeds)
    subs = [episode(model, agent, t, s + n_seeds, n_blocks) for t in SUBTASKS for s in seeds]
    table = capabilities(normalize_records(subs))
    out = {}
    for task in tasks:
        decl = get_task_gd(task)
        caps = {c: table.get(model, "neutral", c, n_blocks) for c in decl.capabilities}
        eps = normalize_records([episode(model, agent, task, s, n_blocks) for s in seeds])
        res = simulate_ceiling(task, eps, caps, mc_iterations=mc_iterations, rng=12345)
        a = float(np.mean([e.return_ for e in eps]))
        b, c = float(res.baseline.mean()), float(res.ceiling.mean())
        out[task] = {
            "actual": a,
            "baseline": b,
            "ceiling": c,
            "gd": (a - b) / (max(c, a) - b),
            "gd_uncapped": (a - b) / (c - b),
        }
    return out
