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

from metrics._analysis import _DEFAULTS
from metrics._configs import block_names, config_space
from metrics._records import Episode, episode_from_fields
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
    vectorised: bool = False,
) -> dict[str, dict[str, float]]:
    """The true GD (capped and uncapped) of an agent per task, from seeds no replicate uses.

    Actual and baseline: means over ``n_seeds`` fresh composite episodes. Ceiling: the metric's
    own Monte Carlo ceiling on those episodes, given ``n_seeds`` subtask samples per capability
    drawn on other fresh seeds (the capability distributions, known to within their sampling
    error at that size). ``vectorised`` draws the episodes with :func:`draw_blocks` (the same
    process, all seeds at once) instead of one at a time with :func:`episode`.
    """
    from metrics._capabilities import capabilities
    from metrics._records import normalize_records
    from metrics._tasks import get_task_gd, simulate_ceiling

    agent = CALIBRATION_AGENTS[model]
    seeds = range(first_seed, first_seed + n_seeds)
    if vectorised:
        # two independent draws: one for the subtasks, one for the composite episodes
        one = {model: agent}
        subs = draw_blocks(
            first_seed + n_seeds,
            n_seeds,
            1,
            stream=(first_seed, 1),
            n_blocks=n_blocks,
            agents=one,
            tasks=SUBTASKS,
        )[0]
        drawn = draw_blocks(
            first_seed,
            n_seeds,
            1,
            stream=(first_seed, 2),
            n_blocks=n_blocks,
            agents=one,
            tasks=tasks,
        )
        composite = {task: [e for e in drawn[0] if e.task == task] for task in tasks}
    else:
        subs = normalize_records(
            [episode(model, agent, t, s + n_seeds, n_blocks) for t in SUBTASKS for s in seeds]
        )
    table = capabilities(subs)
    out = {}
    for task in tasks:
        decl = get_task_gd(task)
        caps = {c: table.get(model, "neutral", c, n_blocks) for c in decl.capabilities}
        eps = (
            composite[task]
            if vectorised
            else normalize_records([episode(model, agent, task, s, n_blocks) for s in seeds])
        )
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


# ------------------------------------------------------------------ the batched study
# The calibration study replicates thousands of independent seed blocks. Drawing every episode
# one at a time (:func:`episode`) and running the whole of ``metrics.analyze`` on each block
# would take hours, so the study draws the episodes of many blocks at once
# (:func:`draw_blocks`, the same generative process as :func:`episode`, vectorised over seeds),
# computes each block's GD cells with the analysis's own code (:func:`block_cells`: the same
# capability samples, Monte Carlo ceiling, sensitivities and two-level resamples as
# ``metrics.analyze`` with the same seed), and turns the resamples of many blocks into
# intervals at once (:func:`batch_interval`). ``tests/metrics/test_metrics_calibration.py``
# checks that a block's intervals equal those ``metrics.analyze`` reports on the block's records.

_EPISODE_DEFAULTS: dict[str, Any] = {
    **_DEFAULTS,
    "variant": "neutral",
    "steps": 1,
    "stop_reason": "terminated",
}


def _readings_many(rng: np.random.Generator, h: np.ndarray, k: int) -> np.ndarray:
    """:func:`_readings` for a (S, m) array of heights: (S, m) means of ``k`` readings."""
    x = rng.normal(h, NOISE * h, (k, *h.shape))
    hb = np.broadcast_to(h, x.shape)
    bad = (x < 0) | (x > 2 * hb)
    while bad.any():
        x[bad] = rng.normal(hb[bad], NOISE * hb[bad])
        bad = (x < 0) | (x > 2 * hb)
    return np.round(x, 2).mean(axis=0)


def _slipped_many(index: np.ndarray, n: int, slip: float, rng: np.random.Generator) -> np.ndarray:
    """:func:`_slipped` for an array of configuration indices."""
    if slip <= 0:
        return index
    rows = config_space(n).membership.astype(bool)[index]
    for b in range(n):
        hit = rng.random(index.size) < slip
        home = rows[:, b].copy()
        movable = (rows == home[:, None]).sum(axis=1) > 1
        flip = hit & movable
        rows[flip, b] = ~home[flip]
    members, _ = _members(n)
    bits = 1 << np.arange(n)
    lookup = np.full(1 << n, -1, dtype=np.int64)
    for i, row in enumerate(members):
        lookup[int(row @ bits)] = i
        lookup[int((~row) @ bits)] = i
    return lookup[rows.astype(np.int64) @ bits]


def _pick_error_many(
    choice: np.ndarray, k: int, pick_error: float, rng: np.random.Generator
) -> np.ndarray:
    if pick_error <= 0 or k <= 1:
        return choice
    wrong = rng.random(choice.size) < pick_error
    other = (choice + 1 + rng.integers(0, k - 1, choice.size)) % k
    return np.where(wrong, other, choice)


def _choose_many(
    scores: np.ndarray, est_scores: np.ndarray, play: Play, rng: np.random.Generator
) -> np.ndarray:
    """:func:`_choose` for (S, K) scores."""
    s, k = scores.shape
    count = max(1, min(k, math.ceil(play.considered * k - 1e-9)))
    if count >= k:
        idx = np.broadcast_to(np.arange(k), (s, k))
    else:
        idx = np.sort(np.argsort(rng.random((s, k)), axis=1)[:, :count], axis=1)
    believed = np.take_along_axis(est_scores, idx, axis=1)
    if play.arithmetic_sd > 0:
        believed = believed + rng.normal(0.0, play.arithmetic_sd, believed.shape)
    choice = idx[np.arange(s), np.argmax(believed, axis=1)]
    return _pick_error_many(choice, k, play.pick_error, rng)


def _task_outcomes(
    agent: CalibrationAgent, task: str, h: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Returns and info columns of ``task`` on the (S, n) heights (see :func:`episode`)."""
    s, n = h.shape
    space = config_space(n)
    scores = space.scores(h)
    rows = np.arange(s)
    best = np.argmax(scores, axis=1)
    play = agent.subtasks if task in SUBTASKS else agent.composites
    cols: dict[str, np.ndarray] = {}
    if task == "measure_height":
        h0 = h[:, 0]
        err = _readings_many(rng, h[:, :1], play.readings)[:, 0] - h0
        ret = -np.abs(err)
        cols = {
            "target_true_height": h0,
            "measuring_error": err,
            "random_return": -((h0 - 5) ** 2 + (10 - h0) ** 2) / 10,
        }
    elif task == "generate_configurations":
        count = max(1, min(space.k, math.ceil(play.considered * space.k - 1e-9)))
        ret = np.full(s, float(count))
        cols = {
            "number_of_correct_configurations": np.full(s, count),
            "random_return": np.full(s, (space.k + 1) / 2),
        }
    elif task == "evaluate_configuration":
        true: np.ndarray = scores[rows, rng.integers(0, space.k, s)]
        err = np.asarray(
            rng.normal(0.0, play.arithmetic_sd, s) if play.arithmetic_sd > 0 else np.zeros(s)
        )
        half: np.ndarray = h.sum(axis=1) / 2
        ret = -np.abs(err)
        cols = {
            "evaluation_error": err,
            "random_return": -(true**2 + (half - true) ** 2) / (2 * half),
        }
    elif task in ("pick_configuration", "execute_plan"):
        if task == "pick_configuration":
            choice = _pick_error_many(best, space.k, play.pick_error, rng)
        else:
            choice = _slipped_many(best, n, play.slip, rng)
        ret = scores[rows, choice]
        cols = {
            "partition_distance": space.distance[best, choice],
            "random_return": scores.mean(axis=1),
        }
    elif task == "information_gathering":
        if play.random:
            pair = np.argsort(rng.random((s, n)), axis=1)[:, :2]
        else:
            pair = np.argsort(_readings_many(rng, h, play.readings), axis=1)[:, -2:]
        ret = np.take_along_axis(h, pair, axis=1).sum(axis=1)
        cols = {
            "random_return": 2 * h.sum(axis=1) / n,
            "optimal_return": np.sort(h, axis=1)[:, -2:].sum(axis=1),
        }
    else:
        if play.random:
            choice = np.asarray(rng.integers(0, space.k, s))
        else:
            est = (
                space.scores(_readings_many(rng, h, play.readings))
                if task == "combined"
                else scores
            )
            choice = _choose_many(scores, est, play, rng)
            if task != "cognitive_effort":
                choice = _slipped_many(choice, n, play.slip, rng)
        ret = scores[rows, choice]
        cols = {"random_return": scores.mean(axis=1), "optimal_return": scores.max(axis=1)}
    if "optimal_return" in cols:
        cols["regret"] = cols["optimal_return"] - ret
    return ret, cols


def draw_blocks(
    first_seed: int,
    size: int,
    blocks: int,
    *,
    stream: Sequence[int],
    n_blocks: int = 3,
    agents: dict[str, CalibrationAgent] | None = None,
    tasks: Sequence[str] = COMPOSITES + SUBTASKS,
) -> list[list[Episode]]:
    """The episodes of ``blocks`` independent seed blocks of ``size`` seeds (block ``i``: seeds
    ``first_seed + i * size`` onwards), every agent on every task, as :class:`metrics.Episode`
    objects (what :func:`calibration_records` gives after ``normalize_records``).

    The generative process is :func:`episode`'s, drawn for all seeds at once: the heights
    from one generator and each (agent, task) from its own (``stream`` + a checksum of the
    agent and task), so only the heights are shared by the tasks of a seed.
    """
    chosen = CALIBRATION_AGENTS if agents is None else agents
    total = size * blocks
    seeds = np.arange(first_seed, first_seed + total)
    names = block_names(n_blocks)
    h = 5.0 + 5.0 * np.random.default_rng([*stream, n_blocks, 11]).random((total, n_blocks))
    out: list[list[Episode]] = [[] for _ in range(blocks)]
    for model, agent in chosen.items():
        for task in tasks:
            rng = np.random.default_rng([*stream, n_blocks, zlib.crc32(f"{model}|{task}".encode())])
            ret, cols = _task_outcomes(agent, task, h, rng)
            keys = list(cols)
            columns = [cols[key].tolist() for key in keys]
            heights = h.tolist()
            returns = ret.tolist()
            for i in range(total):
                info: dict[str, Any] = {
                    "task": task,
                    "n_blocks": n_blocks,
                    "true_heights": dict(zip(names, heights[i], strict=True)),
                }
                if task == "measure_height":
                    info["target_block"] = names[0]
                for key, column in zip(keys, columns, strict=True):
                    info[key] = column[i]
                seed = int(seeds[i])
                out[i // size].append(
                    episode_from_fields(
                        {
                            "model": model,
                            "task": task,
                            "n_blocks": n_blocks,
                            "seed": seed,
                            "completed": True,
                            "return_": returns[i],
                            "info": info,
                            "episode_id": f"{model}|{task}|{n_blocks}|{seed}",
                            **_EPISODE_DEFAULTS,
                        }
                    )
                )
    return out


def as_record(ep: Episode) -> dict[str, Any]:
    """The ``episodes.jsonl`` record of an episode from :func:`draw_blocks` (for checking the
    batched study against ``metrics.analyze``)."""
    return {
        "episode_id": ep.episode_id,
        "model": ep.model,
        "task": ep.task,
        "n_blocks": ep.n_blocks,
        "seed": ep.seed,
        "completed": ep.completed,
        "return": ep.return_,
        "stop_reason": ep.stop_reason,
        "steps": ep.steps,
        "info": ep.info,
    }


@dataclass(frozen=True)
class CellResamples:
    """One GD cell of one block: what its intervals are built from (as in ``analyze``)."""

    gd: float | None
    """The capped GD as ``analyze`` reports it (None: undefined by its rules)."""
    estimate: float
    """The uncapped GD (NaN when not computed)."""
    raw: np.ndarray
    """(B,) uncapped GD of the two-level resamples (NaN where undefined)."""
    paired: np.ndarray
    """(B,) capped GD with the capabilities held fixed (the paired interval's resamples)."""
    jack: np.ndarray
    """Leave-one-cluster-out uncapped GD."""
    jack_strata: np.ndarray
    n_clusters: int
    n_strata: int


def block_cells(
    episodes: Sequence[Episode],
    *,
    mc_iterations: int,
    n_resamples: int,
    seed: int,
    confidence: float = 0.95,
) -> dict[tuple[str, str, int], CellResamples]:
    """The GD cells of one block, per (model, task, n_blocks), computed as
    ``metrics.analyze(records, mc_iterations=..., n_resamples=..., seed=...)`` computes them
    (the same capability table, ceiling simulation, rules and two-level resamples), without
    the tables the study does not read and without turning resamples into intervals."""
    from threadpoolctl import threadpool_limits

    # one BLAS thread, as metrics.analyze runs (its thin products gain nothing from more)
    with threadpool_limits(limits=1, user_api="blas"):
        return _block_cells(episodes, mc_iterations, n_resamples, seed, confidence)


def _block_cells(
    episodes: Sequence[Episode],
    mc_iterations: int,
    n_resamples: int,
    seed: int,
    confidence: float,
) -> dict[tuple[str, str, int], CellResamples]:
    from metrics import _analysis as an
    from metrics._bootstrap import jackknife, percentile
    from metrics._capabilities import CapabilityCollector
    from metrics._tasks import declared_tasks

    tasks = declared_tasks()
    collector = CapabilityCollector()
    cells: dict[tuple[Any, ...], list[Episode]] = {}
    for ep in episodes:
        collector.add(ep)
        if ep.task in tasks:
            cells.setdefault((ep.model, ep.variant, ep.task, ep.n_blocks), []).append(ep)
    settings = {
        "mc_iterations": int(mc_iterations),
        "n_resamples": int(n_resamples),
        "seed": int(seed),
        "confidence": float(confidence),
    }
    ctx = an._Context(collector.table(), settings)
    out: dict[tuple[str, str, int], CellResamples] = {}
    block = None
    for key in sorted(cells, key=lambda k: (k[0], k[1], k[2], k[3] is None, k[3] or 0)):
        if key[:2] != block:
            block = key[:2]
            ctx.start_block(key[0], key[1])
        _, _, cell = an._prepare_cell(ctx, tasks[key[2]], key, cells[key])
        empty = np.zeros(0)
        if cell is None:
            out[(key[0], key[2], key[3])] = CellResamples(
                None, float("nan"), empty, empty, empty, np.zeros(0, dtype=np.int64), 0, 1
            )
            continue
        a, b, c = cell.actual.mean(), cell.baseline.mean(), cell.ceiling.mean()
        min_margin = an.MIN_CEILING_MARGIN * max(0.0, cell.optimal.mean() - b)
        res = ctx.draws.resample(cell.data)
        denom = res.ceiling - res.baseline
        low, _, _ = percentile(denom, confidence)
        defined = cell.capabilities_ok and low is not None and low > min_margin
        with np.errstate(divide="ignore", invalid="ignore"):
            raw = np.where(denom > min_margin, (res.actual - res.baseline) / denom, np.nan)
            fixed = np.where(
                res.ceiling_fixed - res.baseline > min_margin,
                (res.actual - res.baseline)
                / (np.maximum(res.ceiling_fixed, res.actual) - res.baseline),
                np.nan,
            )
        jk, jk_strata = jackknife(cell.data)
        jk_denom = jk.ceiling - jk.baseline
        with np.errstate(divide="ignore", invalid="ignore"):
            jk_raw = np.where(jk_denom > min_margin, (jk.actual - jk.baseline) / jk_denom, np.nan)
        out[(key[0], key[2], key[3])] = CellResamples(
            an.gd_from_means(a, b, c, min_margin=min_margin) if defined else None,
            float((a - b) / (c - b)) if defined else float("nan"),
            raw,
            fixed,
            jk_raw,
            jk_strata,
            int(jk_strata.size),
            max(1, int(np.unique(jk_strata).size)),
        )
    return out
