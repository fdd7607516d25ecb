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
checks the same agents through the real environments.

Intervals compared, all from the same analysis of each replicate:

* ``ci`` (default): the two-level bootstrap (composite and subtask episodes resampled by
  (seed, n_blocks) cluster) turned into an interval by ``metrics._bootstrap.DEFAULT_METHOD``;
* the other ways to turn the same resamples into an interval
  (``metrics._bootstrap.METHODS``: percentile, expanded percentile, BCa, expanded BCa);
  ``percentile`` is ``percentile_ci``, the default of earlier releases;
* ``paired_ci``: seeds of the composite episodes only, capabilities held fixed (percentile);
* ``unpaired_ci``: the paper's, actual, baseline and ceiling resampled independently.

Each coverage comes with its Wilson 95% interval over the replicates, so a shortfall can be
told from chance: with R replicates a perfectly calibrated interval's coverage has standard
error ``sqrt(0.95 * 0.05 / R)``.

Run: ``python -m benchmarks.bench_gd_calibration [replicates]`` (default :data:`REPLICATES`).
Prints a markdown section. Runs on 2 processes.
"""

from __future__ import annotations

import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

SIZES = (40, 100)
REPLICATES = 500
MC_ITERATIONS = 2000
#: Resamples per interval: the analysis default (what users get).
N_RESAMPLES = 1000
TARGET = 0.93
#: Replicates per worker task (amortises process start-up and pickling).
BATCH = 25


def _replicate_batch(args: tuple[int, int, int]) -> list[tuple]:
    import metrics
    from metrics import _analysis
    from metrics._calibration import calibration_records

    size, start, stop = args
    out = []
    for r in range(start, stop):
        first = 100_000 * size + r * size
        records = calibration_records(range(first, first + size))
        _analysis._interval_log = []
        analysis = metrics.analyze(
            records, mc_iterations=MC_ITERATIONS, n_resamples=N_RESAMPLES, seed=r
        )
        methods = {key: value for key, value in _analysis._interval_log}
        _analysis._interval_log = None
        for row in analysis.gd:
            if row.n_blocks != 3:
                continue
            bounds = {
                "ci": (row.ci_low, row.ci_high),
                "paired_ci": (row.paired_ci_low, row.paired_ci_high),
                "unpaired_ci": (row.unpaired_ci_low, row.unpaired_ci_high),
            }
            bounds.update(methods.get((row.model, row.variant, row.task, 3), {}))
            out.append((row.model, row.task, size, row.gd, bounds))
    return out


def _truths(model: str) -> dict[tuple[str, str], dict[str, float]]:
    from metrics._calibration import population_gd

    return {(model, task): value for task, value in population_gd(model).items()}


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion."""
    if n == 0:
        return float("nan"), float("nan")
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _coverage(defined: list[tuple], name: str, truth: float) -> tuple[int, int, float]:
    """(hits, replicates with an interval, mean width) of one interval in one cell."""
    hits, n, widths = 0, 0, []
    for *_, bounds in defined:
        lo, hi = bounds.get(name, (None, None))
        if lo is None or hi is None:
            continue
        n += 1
        hits += lo <= truth <= hi
        widths.append(hi - lo)
    return hits, n, float(np.mean(widths)) if widths else float("nan")


def _cell(hits: int, n: int) -> str:
    lo, hi = wilson(hits, n)
    return f"{hits / n:.3f} [{lo:.3f}, {hi:.3f}]" if n else "n/a"


def main(replicates: int = REPLICATES) -> None:
    from metrics._bootstrap import DEFAULT_METHOD, METHODS
    from metrics._calibration import CALIBRATION_AGENTS, COMPOSITES

    t0 = time.perf_counter()
    workers = min(2, os.cpu_count() or 1)
    jobs = [
        (size, start, min(replicates, start + BATCH))
        for size in SIZES
        for start in range(0, replicates, BATCH)
    ]
    with ProcessPoolExecutor(workers) as pool:
        truth_futures = [pool.submit(_truths, model) for model in CALIBRATION_AGENTS]
        results = [row for rows in pool.map(_replicate_batch, jobs) for row in rows]
        truths = {k: v for f in truth_futures for k, v in f.result().items()}
    elapsed = time.perf_counter() - t0
    others = [m for m in METHODS if m != DEFAULT_METHOD]
    print(
        f"{replicates} independent seed blocks per size (seeds {SIZES[0]} and {SIZES[1]}); "
        f"3 blocks; {MC_ITERATIONS} Monte Carlo iterations, {N_RESAMPLES} resamples per "
        f"interval; truth from 10,000 fresh seeds per agent; {elapsed:.0f} s wall on {workers} "
        "processes. Episodes are simulated from the scripted agents' generative process "
        "(metrics._calibration), not played through the envs. Coverage of the 95% interval "
        "with its Wilson 95% interval over the replicates in brackets; the default `ci` is "
        f"built by `{DEFAULT_METHOD}`; `percentile` is `percentile_ci` (the earlier default).\n"
    )
    print(
        "| agent | task | true GD | seeds | defined | coverage `ci` (default) | mean width "
        "| coverage `percentile_ci` | mean width | "
        + " | ".join(f"coverage `{m}`" for m in others if m != "percentile")
        + " | coverage `paired_ci` | coverage `unpaired_ci` |"
    )
    print("|---|---|---:|---:|---:|" + "---:|" * (4 + len(others) - 1 + 2))
    summary: dict[tuple[str, int], list[tuple[int, int, float]]] = {}
    for model in CALIBRATION_AGENTS:
        for task in COMPOSITES:
            truth = truths[(model, task)]["gd"]
            for size in SIZES:
                rows = [r for r in results if r[0] == model and r[1] == task and r[2] == size]
                defined = [r for r in rows if r[3] is not None]
                cov = {
                    name: _coverage(defined, name, truth)
                    for name in ("ci", "paired_ci", "unpaired_ci", *METHODS)
                }
                for name in METHODS:
                    summary.setdefault((name, size), []).append(cov[name])
                extra = "".join(
                    f" | {cov[m][0] / max(1, cov[m][1]):.3f}" for m in others if m != "percentile"
                )
                print(
                    f"| {model} | {task} | {truth:.3f} | {size} | {len(defined)}/{len(rows)} "
                    f"| {_cell(*cov['ci'][:2])} | {cov['ci'][2]:.3f} "
                    f"| {_cell(*cov['percentile'][:2])} | {cov['percentile'][2]:.3f}{extra} "
                    f"| {cov['paired_ci'][0] / max(1, cov['paired_ci'][1]):.3f} "
                    f"| {cov['unpaired_ci'][0] / max(1, cov['unpaired_ci'][1]):.3f} |"
                )
    print(
        "\nThe ways to build the interval from the same two-level resamples, over the "
        f"{len(CALIBRATION_AGENTS) * len(COMPOSITES)} agent x task cells per size (width: mean "
        "over cells of the mean width, relative to the percentile interval's):\n"
    )
    print(
        f"| method | seeds | lowest coverage | cells below {TARGET} | cells whose Wilson upper "
        f"bound is below {TARGET} | cells whose Wilson lower bound is above {TARGET} "
        "| mean width vs percentile |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    passing = {}
    for name in (DEFAULT_METHOD, *others):
        lowest, ratio_all = 1.0, []
        for size in SIZES:
            cells = [c for c in summary[(name, size)] if c[1] > 0]
            base = [c for c in summary[("percentile", size)] if c[1] > 0]
            covs = [h / n for h, n, _ in cells]
            real = sum(wilson(h, n)[1] < TARGET for h, n, _ in cells)
            sure = sum(wilson(h, n)[0] > TARGET for h, n, _ in cells)
            ratios = [c[2] / b[2] for c, b in zip(cells, base, strict=True) if b[2] > 0]
            lowest, ratio_all = min(lowest, min(covs)), ratio_all + ratios
            label = f"`{name}`" + (" (default)" if name == DEFAULT_METHOD else "")
            print(
                f"| {label} | {size} | {min(covs):.3f} | {sum(c < TARGET for c in covs)} "
                f"| {real} | {sure}/{len(cells)} | {np.mean(ratios):.3f} |"
            )
        if lowest >= TARGET:
            passing[name] = float(np.mean(ratio_all))
    choice = min(passing, key=passing.__getitem__) if passing else None
    print(
        "\nMethods reaching the target in every cell at both sizes: "
        + (", ".join(f"`{m}` (width {w:.3f}x)" for m, w in passing.items()) or "none")
        + "; the narrowest of them: "
        + (f"`{choice}`" if choice else "none")
        + (
            " (the default)."
            if choice == DEFAULT_METHOD
            else f" (the default is `{DEFAULT_METHOD}`)."
        )
    )
    default = [c for size in SIZES for c in summary[(DEFAULT_METHOD, size)] if c[1] > 0]
    worst = min(h / n for h, n, _ in default)
    print(
        f"\nLowest coverage of the default interval: {worst:.3f} (target {TARGET}). A "
        "replicate where GD is undefined (rules in docs/goal_directedness.md) has no interval "
        f"and is left out of its cell's coverage. With {replicates} replicates a perfectly "
        "calibrated 95% interval's coverage has standard error "
        f"{math.sqrt(0.95 * 0.05 / replicates):.4f}; cells where the truth is 1 and both "
        "the actual return and the ceiling are exact (the oracle on CE and PE) cover by "
        "construction."
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else REPLICATES)
