"""Goal-directedness on the full paper grid: vectorised metrics vs a per-iteration Python loop.

The grid of the paper: 8 models x 4 composite tasks x n_blocks in {3, 4, 5} x 30 seeds, with
the subtask episodes that define each model's capabilities (synthetic records from
``metrics._synthetic``), 2000 Monte Carlo iterations per cell and 1000 bootstrap resamples per
interval. Measured in the same run:

* ``metrics.analyze`` end to end (capabilities, ceilings, GD, both intervals, summaries);
* the Monte Carlo ceiling alone: ``metrics.simulate_ceiling`` on every cell against
  ``metrics._reference.reference_ceiling``, the same algorithm written one draw at a time;
* the two bootstraps alone: vectorised against one Python iteration per resample.

Run: ``python -m benchmarks.bench_metrics``. Prints a markdown section.
"""

from __future__ import annotations

import random
import time
from math import ceil

import numpy as np

import metrics
from metrics._reference import reference_ceiling
from metrics._synthetic import COMPOSITES, SyntheticAgent, synthetic_records

MC_ITERATIONS = 2000
N_RESAMPLES = 1000
#: Share of the cells the per-iteration loop runs (1.0: all of them; lower it to extrapolate
#: on a slow machine). The whole grid takes the loop about ten seconds here.
LOOP_SHARE = 1.0

AGENTS = {
    f"synthetic:m{i}": SyntheticAgent(
        height_sd=0.2 + 0.1 * i,
        composite_height_sd=0.3 + 0.15 * i,
        generate_fraction=1.0 - 0.05 * i,
        composite_fraction=1.0 - 0.08 * i,
        eval_sd=0.1 + 0.05 * i,
        pick_error=0.02 * i,
        slip=0.03 * i,
    )
    for i in range(8)
}


def _cells(episodes: list[metrics.Episode]) -> dict[tuple[str, str, int], list[metrics.Episode]]:
    cells: dict[tuple[str, str, int], list[metrics.Episode]] = {}
    for ep in episodes:
        if ep.task in COMPOSITES and ep.completed and ep.n_blocks is not None:
            cells.setdefault((ep.model, ep.task, ep.n_blocks), []).append(ep)
    return cells


def _caps(table: metrics.CapabilityTable, model: str, task: str, n: int) -> dict[str, np.ndarray]:
    names = metrics.get_task_gd(task).capabilities
    return {name: table.get(model, "neutral", name, n) for name in names}


def _loop_bootstrap(a, b, c, seeds, rng: np.random.Generator) -> tuple[float, float]:
    unpaired, paired = [], []
    keys = sorted(set(seeds.tolist()))
    by_seed = {k: np.flatnonzero(seeds == k) for k in keys}
    for _ in range(N_RESAMPLES):
        ma = a[rng.integers(0, a.size, a.size)].mean()
        mb = b[rng.integers(0, b.size, b.size)].mean()
        mc = c[rng.integers(0, c.size, c.size)].mean()
        unpaired.append(metrics.gd_from_means(ma, mb, mc))
        idx = np.concatenate([by_seed[keys[i]] for i in rng.integers(0, len(keys), len(keys))])
        paired.append(metrics.gd_from_means(a[idx].mean(), b[idx].mean(), c[idx].mean()))
    lo_hi = [
        np.quantile([x for x in v if x is not None], [0.025, 0.975]) for v in (unpaired, paired)
    ]
    return float(lo_hi[0][0]), float(lo_hi[1][0])


def main() -> None:
    t0 = time.perf_counter()
    records = synthetic_records(AGENTS, n_blocks=(3, 4, 5), seeds=range(10, 40), rng=0)
    t_build = time.perf_counter() - t0
    n_composite = sum(r["task"] in COMPOSITES for r in records)

    t0 = time.perf_counter()
    analysis = metrics.analyze(records, mc_iterations=MC_ITERATIONS, n_resamples=N_RESAMPLES)
    t_analyze = time.perf_counter() - t0

    episodes = metrics.normalize_records(records)
    table = metrics.capabilities(episodes)
    cells = _cells(episodes)

    # Monte Carlo ceiling: vectorised on every cell
    t0 = time.perf_counter()
    fast: dict[tuple[str, str, int], np.ndarray] = {}
    for key, eps in cells.items():
        res = metrics.simulate_ceiling(
            key[1], eps, _caps(table, *key), mc_iterations=MC_ITERATIONS, rng=1
        )
        fast[key] = res.ceiling
    t_mc_fast = time.perf_counter() - t0

    # Monte Carlo ceiling: the per-iteration loop on the cells of LOOP_MODELS models
    t0 = time.perf_counter()
    diffs = []
    loop_cells = sorted(cells)[: max(1, round(LOOP_SHARE * len(cells)))]
    for key in loop_cells:
        eps = cells[key]
        heights = [[eps_h for _, eps_h in sorted(e.info["true_heights"].items())] for e in eps]
        caps = {k: v.tolist() for k, v in _caps(table, *key).items()}
        slow = reference_ceiling(
            key[1], heights, caps, ceil(MC_ITERATIONS / len(eps)), random.Random(1)
        )
        diffs.append(abs(float(np.mean(slow)) - float(fast[key].mean())))
    t_mc_loop = (time.perf_counter() - t0) * len(cells) / len(loop_cells)

    # Bootstraps: vectorised vs per-resample loop (on the same cells)
    arrays = {}
    for key in loop_cells:
        eps = cells[key]
        decl = metrics.get_task_gd(key[1])
        arrays[key] = (
            np.array([e.return_ for e in eps]),
            decl.baseline(tuple(eps), key[2]),
            fast[key],
            np.array([e.seed for e in eps]),
        )
    t0 = time.perf_counter()
    for a, b, c, s in arrays.values():
        metrics.bootstrap_ci(a, b, c, n_resamples=N_RESAMPLES, rng=2)
        metrics.paired_bootstrap_ci(a, b, c, s, n_resamples=N_RESAMPLES, rng=3)
    t_boot_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    rng = np.random.default_rng(2)
    for a, b, c, s in arrays.values():
        _loop_bootstrap(a, b, c, s, rng)
    t_boot_loop = time.perf_counter() - t0

    n_rows = len(analysis.gd)
    print(
        f"Grid: {len(AGENTS)} models x {len(COMPOSITES)} composite tasks x n_blocks 3-5 x 30 seeds"
        f" = {n_composite} composite episodes ({len(records)} records with the subtasks, built "
        f"in {t_build:.1f} s); {len(cells)} cells, {n_rows} GD rows; {MC_ITERATIONS} Monte Carlo"
        f" iterations per cell, {N_RESAMPLES} resamples per interval.\n"
    )
    print("| part | vectorised | per-iteration loop | speed-up |")
    print("|---|---:|---:|---:|")
    print(f"| `metrics.analyze`, whole grid | {t_analyze:.2f} s | | |")
    print(
        f"| Monte Carlo ceiling, {len(cells)} cells | {t_mc_fast:.2f} s | "
        f"{t_mc_loop:.1f} s | {t_mc_loop / t_mc_fast:.0f}x |"
    )
    print(
        f"| unpaired + paired bootstrap, {len(loop_cells)} cells | {t_boot_fast:.2f} s | "
        f"{t_boot_loop:.2f} s | {t_boot_loop / t_boot_fast:.0f}x |"
    )
    print(
        f"\nThe loop ran {len(loop_cells)} of the {len(cells)} cells"
        + ("" if len(loop_cells) == len(cells) else " (time extrapolated to all)")
        + ". It samples the pick and execute steps where "
        "the vectorised code integrates them exactly; their per-cell mean ceilings differ by at "
        f"most {max(diffs):.3f} cm (Monte Carlo error of the loop)."
    )


if __name__ == "__main__":
    main()
