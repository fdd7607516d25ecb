"""Calibration of the GD intervals: coverage of the truth over independent seed blocks.

For scripted agents whose goal-directedness follows from their construction (oracle, noisy,
random decisions with the oracle's capabilities, lazy at two levels; see
``metrics._calibration``), this replicates independent blocks of 40 and of 100 seeds (every
composite task and every subtask on the block's seeds, 3 blocks), runs ``metrics.analyze`` on
each block, and counts how often each 95% interval contains the agent's true GD. The truth is
computed once per agent and task, independently of the replicates, from 10,000 fresh seeds
(actual and baseline means; the metric's ceiling given 10,000 subtask samples per capability).

The episodes are drawn from the scripted agents' documented generative process (heights,
noisy readings, subsets, arithmetic errors, pick errors, slips) rather than played through the
environments, which would take hours for this many replicates; ``test_metrics_ground_truth``
checks the same agents through the real environments. Intervals compared:

* ``ci`` (default): two-level bootstrap, composite and subtask episodes resampled by
  (seed, n_blocks) cluster;
* ``paired_ci``: seeds of the composite episodes only, capabilities held fixed;
* ``unpaired_ci``: the paper's, actual, baseline and ceiling resampled independently.

Run: ``python -m benchmarks.bench_gd_calibration [replicates]`` (default 200). Prints a markdown
section.
"""

from __future__ import annotations

import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

SIZES = (40, 100)
MC_ITERATIONS = 2000
N_RESAMPLES = 1000
INTERVALS = ("ci", "paired_ci", "unpaired_ci")


def _replicate(args: tuple[int, int]) -> list[tuple]:
    import metrics
    from metrics._calibration import calibration_records

    size, r = args
    first = 100_000 * size + r * size
    records = calibration_records(range(first, first + size))
    analysis = metrics.analyze(records, mc_iterations=MC_ITERATIONS, n_resamples=N_RESAMPLES)
    out = []
    for row in analysis.gd:
        if row.n_blocks != 3:
            continue
        bounds = tuple(
            (getattr(row, f"{name}_low"), getattr(row, f"{name}_high")) for name in INTERVALS
        )
        out.append((row.model, row.task, size, row.gd, bounds))
    return out


def _truths() -> dict[tuple[str, str], dict[str, float]]:
    from metrics._calibration import CALIBRATION_AGENTS, population_gd

    return {
        (model, task): value
        for model in CALIBRATION_AGENTS
        for task, value in population_gd(model).items()
    }


def main(replicates: int = 200) -> None:
    from metrics._calibration import CALIBRATION_AGENTS, COMPOSITES

    t0 = time.perf_counter()
    workers = min(2, os.cpu_count() or 1)
    jobs = [(size, r) for size in SIZES for r in range(replicates)]
    with ProcessPoolExecutor(workers) as pool:
        truth_future = pool.submit(_truths)
        results = [row for rows in pool.map(_replicate, jobs, chunksize=4) for row in rows]
        truths = truth_future.result()
    elapsed = time.perf_counter() - t0
    print(
        f"{replicates} independent seed blocks per size; 3 blocks; {MC_ITERATIONS} Monte Carlo "
        f"iterations, {N_RESAMPLES} resamples per interval; truth from 10,000 fresh seeds per "
        f"agent; {elapsed:.0f} s on {workers} processes. Episodes drawn from the scripted "
        "agents' generative process (metrics._calibration), not played through the envs.\n"
    )
    print(
        "| agent | task | true GD | seeds | defined | coverage `ci` (two-level) | mean width "
        "| coverage `paired_ci` | coverage `unpaired_ci` |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    worst = 1.0
    for model in CALIBRATION_AGENTS:
        for task in COMPOSITES:
            truth = truths[(model, task)]["gd"]
            for size in SIZES:
                rows = [r for r in results if r[0] == model and r[1] == task and r[2] == size]
                defined = [r for r in rows if r[3] is not None]
                cells = []
                for i in range(len(INTERVALS)):
                    hits = [lo <= truth <= hi for *_, b in defined for lo, hi in [b[i]]]
                    cells.append(np.mean(hits) if hits else float("nan"))
                widths = [b[0][1] - b[0][0] for *_, b in defined]
                if defined:
                    worst = min(worst, cells[0])
                print(
                    f"| {model} | {task} | {truth:.3f} | {size} | {len(defined)}/{len(rows)} "
                    f"| {cells[0]:.3f} | {np.mean(widths) if widths else float('nan'):.3f} "
                    f"| {cells[1]:.3f} | {cells[2]:.3f} |"
                )
    print(
        f"\nLowest coverage of the default interval: {worst:.3f} (target 0.93). A replicate "
        "where GD is undefined (rules in docs/goal_directedness.md) has no interval and is "
        "left out of its cell's coverage. With "
        f"{replicates} replicates a coverage's standard error is about "
        f"{np.sqrt(0.95 * 0.05 / replicates):.3f}."
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
