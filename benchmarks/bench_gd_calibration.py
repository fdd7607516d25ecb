"""Calibration of the GD intervals: coverage of the truth over independent seed blocks.

For scripted agents whose goal-directedness follows from their construction (oracle, noisy,
random decisions with the oracle's capabilities, lazy at two levels; see
``metrics._calibration``), this replicates independent blocks of 40 and of 100 seeds (every
composite task and every subtask on the block's seeds, 3 blocks), analyses each block as
``metrics.analyze`` does, and counts how often each 95% interval contains the agent's true GD.
The truth is computed once per agent and task, independently of the replicates, from 10,000
fresh seeds (actual and baseline means; the metric's ceiling given 10,000 subtask samples per
capability).

The episodes are drawn from the scripted agents' documented generative process (heights,
noisy readings, subsets, arithmetic errors, pick errors, slips) rather than played through the
environments; ``test_metrics_ground_truth`` checks the same agents through the real
environments. To afford thousands of replicates per cell the study is batched
(``metrics._calibration``): the episodes of many blocks are drawn at once, each block's cells
are computed by the analysis's own code (capability samples, Monte Carlo ceiling and its
sensitivities, definedness rules, two-level resamples, jackknife; the same numbers as
``metrics.analyze`` with the same seed), and the intervals of many blocks are built at once
(``metrics._bootstrap.batch_interval``). ``tests/metrics/test_metrics_calibration.py`` checks
that a block's batched intervals equal the ones ``metrics.analyze`` reports on its records.

Intervals compared, all from the same resamples of each replicate: every construction in
``metrics._bootstrap.METHODS`` (the default, ``DEFAULT_METHOD``, builds ``ci``; ``percentile``
is ``percentile_ci``) and ``paired_ci`` (capabilities held fixed, percentile). Each coverage
comes with its Wilson 95% interval over the replicates.

Run: ``python -m benchmarks.bench_gd_calibration [--replicates N] [--workers W]`` (or
``python -m benchmarks.run_all gd_calibration --calibration-replicates N``). Prints a markdown
section and writes the per-cell numbers to ``benchmarks/results/gd_calibration.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import numpy as np

SIZES = (40, 100)
REPLICATES = 2000
MC_ITERATIONS = 2000
#: Resamples per interval: the analysis default (what users get).
N_RESAMPLES = 1000
CONFIDENCE = 0.95
TARGET = 0.93
#: Replicates per worker task (their episodes are drawn, and their intervals built, at once).
BATCH = 25
#: Seed of the study's random streams.
STUDY = 2026
RESULTS = Path(__file__).resolve().parent / "results" / "gd_calibration.json"


def _batch(args: tuple[int, int, int, int]) -> dict[str, Any]:
    """Replicates ``start .. stop - 1`` of one size (random streams from ``study``): per
    (agent, task), GD and every bound."""
    from metrics._bootstrap import METHODS, batch_interval
    from metrics._calibration import block_cells, draw_blocks

    size, start, stop, study = args
    cpu0 = time.process_time()
    blocks = draw_blocks(
        1_000_000 * size + start * size, size, stop - start, stream=(study, size, start)
    )
    per_cell: dict[tuple[str, str], list[Any]] = {}
    for offset, episodes in enumerate(blocks):
        cells = block_cells(
            episodes, mc_iterations=MC_ITERATIONS, n_resamples=N_RESAMPLES, seed=start + offset
        )
        for (model, task, n), cell in cells.items():
            if n == 3:
                per_cell.setdefault((model, task), []).append(cell)
    out: dict[str, Any] = {}
    for (model, task), cells in per_cell.items():
        defined = [c for c in cells if c.gd is not None]
        row: dict[str, Any] = {"replicates": len(cells), "gd": [c.gd for c in defined]}
        if defined:
            raw = np.stack([c.raw for c in defined])
            est = np.array([c.estimate for c in defined])
            width = max(c.jack.size for c in defined)
            jack = np.full((len(defined), width), np.nan)
            for i, c in enumerate(defined):
                jack[i, : c.jack.size] = c.jack
            strata = next(c.jack_strata for c in defined if c.jack.size == width)
            clusters = np.array([c.n_clusters for c in defined])
            for method in METHODS:
                low, high = batch_interval(
                    raw,
                    est,
                    CONFIDENCE,
                    method,
                    jack=jack,
                    jack_strata=strata,
                    n_clusters=clusters,
                    n_strata=defined[0].n_strata,
                    clip_high=1.0,
                )
                row[method] = np.stack([low, high], axis=1).tolist()
            paired = np.stack([c.paired for c in defined])
            lo, hi = np.nanquantile(paired, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2], axis=1)
            row["paired_ci"] = np.stack([lo, np.minimum(hi, 1.0)], axis=1).tolist()
        out[f"{model}|{task}"] = row
    return {
        "size": size,
        "replicates": stop - start,
        "cells": out,
        "cpu_s": time.process_time() - cpu0,
    }


def _truths(model: str) -> tuple[dict[str, dict[str, float]], float]:
    from metrics._calibration import population_gd

    cpu0 = time.process_time()
    return population_gd(model, vectorised=True), time.process_time() - cpu0


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion."""
    if n == 0:
        return float("nan"), float("nan")
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _coverage(bounds: list[list[float]], truth: float) -> dict[str, Any]:
    arr = np.asarray(bounds, dtype=float).reshape(-1, 2)
    ok = np.isfinite(arr).all(axis=1)
    arr = arr[ok]
    hits = int(np.sum((arr[:, 0] <= truth) & (truth <= arr[:, 1])))
    n = int(arr.shape[0])
    lo, hi = wilson(hits, n)
    return {
        "hits": hits,
        "n": n,
        "coverage": hits / n if n else None,
        "wilson": [lo, hi],
        "mean_width": float(np.mean(arr[:, 1] - arr[:, 0])) if n else None,
    }


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def run(
    replicates: int,
    workers: int,
    max_wall: float | None = None,
    out: Path | None = None,
    study_seed: int = STUDY,
) -> dict[str, Any]:
    """Run the study; returns the per-cell results (what the JSON file holds).

    Batches of replicates alternate between the sizes. With ``max_wall`` (seconds) no batch
    starts after that time, so a study on a busy machine ends with fewer replicates (the
    results say how many). With ``out`` the results so far are written after every batch.
    ``study_seed`` seeds every random stream of the replicates (another value gives an
    independent replication of the study; the truths do not depend on it)."""
    from metrics._calibration import CALIBRATION_AGENTS

    load_before = _load()
    t0 = time.perf_counter()
    jobs = [
        (size, start, min(replicates, start + BATCH), study_seed)
        for start in range(0, replicates, BATCH)
        for size in SIZES
    ]
    merged: dict[tuple[int, str], dict[str, Any]] = {}
    done = dict.fromkeys(SIZES, 0)
    with ProcessPoolExecutor(workers) as pool:
        truth_futures = {m: pool.submit(_truths, m) for m in CALIBRATION_AGENTS}
        truths = {m: f.result()[0] for m, f in truth_futures.items()}
        cpu = [sum(f.result()[1] for f in truth_futures.values())]
        pending = list(reversed(jobs))
        running: set[Future[dict[str, Any]]] = set()
        while pending or running:
            while pending and len(running) < 2 * workers:
                if max_wall is not None and time.perf_counter() - t0 > max_wall:
                    pending.clear()
                    break
                running.add(pool.submit(_batch, pending.pop()))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                part = future.result()
                done[part["size"]] += part["replicates"]
                cpu[0] += part["cpu_s"]
                for key, row in part["cells"].items():
                    into = merged.setdefault((part["size"], key), {"replicates": 0})
                    into["replicates"] += row.pop("replicates")
                    for name, values in row.items():
                        into.setdefault(name, []).extend(values)
            if out is not None:
                partial = _results(
                    merged, truths, done, replicates, workers, t0, cpu[0], load_before, study_seed
                )
                out.write_text(json.dumps(partial, indent=1) + "\n")
    return _results(merged, truths, done, replicates, workers, t0, cpu[0], load_before, study_seed)


def _results(
    merged: dict[tuple[int, str], dict[str, Any]],
    truths: dict[str, dict[str, dict[str, float]]],
    done: dict[int, int],
    replicates: int,
    workers: int,
    t0: float,
    worker_cpu: float,
    load_before: str,
    study_seed: int = STUDY,
) -> dict[str, Any]:
    from metrics._bootstrap import DEFAULT_METHOD, METHODS
    from metrics._calibration import CALIBRATION_AGENTS, COMPOSITES

    elapsed = time.perf_counter() - t0
    cells = []
    for model in CALIBRATION_AGENTS:
        for task in COMPOSITES:
            truth = truths[model][task]["gd"]
            for size in SIZES:
                row = merged.get((size, f"{model}|{task}"), {"replicates": 0})
                cell: dict[str, Any] = {
                    "agent": model,
                    "task": task,
                    "seeds": size,
                    "true_gd": truth,
                    "replicates": row["replicates"],
                    "defined": len(row.get("gd", [])),
                    "coverage": {
                        name: _coverage(row.get(name, []), truth)
                        for name in (*METHODS, "paired_ci")
                    },
                }
                cells.append(cell)
    return {
        "settings": {
            "replicates": min(done.values()),
            "replicates_requested": replicates,
            "replicates_per_size": {str(k): v for k, v in done.items()},
            "sizes": list(SIZES),
            "n_blocks": 3,
            "mc_iterations": MC_ITERATIONS,
            "n_resamples": N_RESAMPLES,
            "confidence": CONFIDENCE,
            "target": TARGET,
            "default_method": DEFAULT_METHOD,
            "methods": list(METHODS),
            "study_seed": study_seed,
        },
        "run": {
            "wall_s": elapsed,
            "cpu_s": worker_cpu,
            "workers": workers,
            "load_before": load_before,
            "load_after": _load(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
        },
        "cells": cells,
    }


def _cell(c: dict[str, Any]) -> str:
    if not c["n"]:
        return "n/a"
    lo, hi = c["wilson"]
    return f"{c['coverage']:.3f} [{lo:.3f}, {hi:.3f}]"


def summary(results: dict[str, Any]) -> dict[str, dict[int, dict[str, Any]]]:
    """Per construction and size: lowest coverage, cells below target, mean width."""
    settings = results["settings"]
    out: dict[str, dict[int, dict[str, Any]]] = {}
    for name in (*settings["methods"], "paired_ci"):
        for size in settings["sizes"]:
            cells = [c for c in results["cells"] if c["seeds"] == size]
            covs = [c["coverage"][name] for c in cells if c["coverage"][name]["n"]]
            worst = min(covs, key=lambda c: c["coverage"])
            out.setdefault(name, {})[size] = {
                "lowest": worst["coverage"],
                "lowest_cell": next(
                    f"{c['agent']} on {c['task']}" for c in cells if c["coverage"][name] is worst
                ),
                "below": sum(c["coverage"] < settings["target"] for c in covs),
                "wilson_upper_below": sum(c["wilson"][1] < settings["target"] for c in covs),
                "mean_width": float(np.mean([c["mean_width"] for c in covs])),
                "cells": len(covs),
            }
    return out


def markdown(results: dict[str, Any]) -> str:
    """The BENCHMARKS.md section body (and the docs' table) from the results."""
    s, r = results["settings"], results["run"]
    default = s["default_method"]
    methods = [default, *[m for m in s["methods"] if m != default]]
    label = {m: f"`{m}`" + (" (default `ci`)" if m == default else "") for m in methods}
    label["percentile"] = "`percentile` (`percentile_ci`)" + (
        " (default `ci`)" if default == "percentile" else ""
    )
    lines = [
        f"{s['replicates']} independent seed blocks per cell and size (blocks of "
        f"{' and '.join(map(str, s['sizes']))} seeds; n_blocks 3; every composite task and "
        f"every subtask on the block's seeds); {s['mc_iterations']} Monte Carlo iterations and "
        f"{s['n_resamples']} two-level resamples per analysis (the defaults); truth from 10,000 "
        "fresh seeds per agent. Episodes are drawn from the scripted agents' generative process "
        "(`metrics._calibration`), not played through the envs. "
        f"Wall time {r['wall_s']:.0f} s on {r['workers']} processes "
        f"({r['cpu_s']:.0f} CPU s in the workers); "
        f"{r['cores']} cores, load average (1/5/15 min) {r['load_before']} before and "
        f"{r['load_after']} after. Default interval construction (`ci`): `{default}`. "
        "Raw per-cell numbers: `benchmarks/results/gd_calibration.json`.",
        "",
        "Coverage of the 95% interval, with its Wilson 95% interval over the replicates:",
        "",
        "| agent | task | true GD | seeds | defined | "
        + " | ".join(f"{label[m]}" for m in methods)
        + " | `paired_ci` |",
        "|---|---|---:|---:|---:|" + "---|" * (len(methods) + 1),
    ]
    for c in results["cells"]:
        lines.append(
            f"| {c['agent']} | {c['task']} | {c['true_gd']:.3f} | {c['seeds']} "
            f"| {c['defined']}/{c['replicates']} | "
            + " | ".join(_cell(c["coverage"][m]) for m in methods)
            + f" | {_cell(c['coverage']['paired_ci'])} |"
        )
    lines += [
        "",
        "Mean width of the interval per cell (replicates where GD is defined):",
        "",
        "| agent | task | seeds | " + " | ".join(label[m] for m in methods) + " | `paired_ci` |",
        "|---|---|---:|" + "---:|" * (len(methods) + 1),
    ]
    for c in results["cells"]:
        lines.append(
            f"| {c['agent']} | {c['task']} | {c['seeds']} | "
            + " | ".join(f"{c['coverage'][m]['mean_width']:.3f}" for m in (*methods, "paired_ci"))
            + " |"
        )
    summ = summary(results)
    lines += [
        "",
        f"Per construction, over the {summ[default][s['sizes'][0]]['cells']} agent x task cells "
        "per size:",
        "",
        f"| construction | seeds | lowest coverage | cell | cells below {s['target']} "
        f"| cells whose Wilson upper bound is below {s['target']} | mean width |",
        "|---|---:|---:|---|---:|---:|---:|",
    ]
    passing = {}
    for m in (*methods, "paired_ci"):
        for size in s["sizes"]:
            v = summ[m][size]
            lines.append(
                f"| {label.get(m, f'`{m}`')} | {size} | {v['lowest']:.3f} | {v['lowest_cell']} "
                f"| {v['below']} | {v['wilson_upper_below']} | {v['mean_width']:.3f} |"
            )
        if m != "paired_ci" and all(summ[m][size]["below"] == 0 for size in s["sizes"]):
            passing[m] = float(np.mean([summ[m][size]["mean_width"] for size in s["sizes"]]))
    choice = min(passing, key=passing.__getitem__) if passing else None
    lines += [
        "",
        f"Constructions with coverage of at least {s['target']} in every cell at both sizes: "
        + (", ".join(f"`{m}` (mean width {w:.3f})" for m, w in passing.items()) or "none")
        + "; the narrowest: "
        + (f"`{choice}`" if choice else "none")
        + (" (the default)." if choice == default else f"; the default is `{default}`."),
        "",
        f"With {s['replicates']} replicates a calibrated 95% interval's coverage has standard "
        f"error {math.sqrt(0.95 * 0.05 / s['replicates']):.4f}. A replicate where GD is "
        "undefined (rules in docs/goal_directedness.md) has no interval and is left out of its "
        "cell. Where the truth is 1 and the actual return equals the ceiling on every seed "
        "(the oracle on CognitiveEffort and PlanAndExecute) every resample equals the "
        "estimate and the interval is [1, 1]: those cells cover by construction.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--replicates", type=int, default=REPLICATES, help="seed blocks per cell and size"
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument(
        "--study-seed",
        type=int,
        default=STUDY,
        help=f"seed of the replicates' random streams (default {STUDY}; another value "
        "replicates the study independently)",
    )
    parser.add_argument("--out", default=str(RESULTS), help="JSON file for the per-cell numbers")
    parser.add_argument(
        "--max-wall",
        type=float,
        default=None,
        help="start no batch after this many seconds (a busy machine then gives fewer replicates)",
    )
    parser.add_argument(
        "--from-json", default=None, help="print the section of an earlier run's JSON instead"
    )
    args = parser.parse_args(argv)
    if args.replicates < 1 or args.workers < 1:
        print("--replicates and --workers must be at least 1", file=sys.stderr)
        return 2
    if args.from_json:
        path = Path(args.from_json)
        if not path.is_file():
            print(f"no such file: {path}; run the study first", file=sys.stderr)
            return 2
        results = json.loads(path.read_text())
    else:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        results = run(args.replicates, args.workers, args.max_wall, out, args.study_seed)
        out.write_text(json.dumps(results, indent=1) + "\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
