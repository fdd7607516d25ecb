"""Goal-directedness on the full paper grid: vectorised metrics vs a per-iteration Python loop.

The grid of the paper: 8 models x 4 composite tasks x n_blocks in {3, 4, 5} x 30 seeds, with
the subtask episodes that define each model's capabilities (synthetic records from
``metrics._synthetic``), 2000 Monte Carlo iterations per cell and 1000 bootstrap resamples per
interval. Measured in the same run:

* ``metrics.analyze`` end to end (capabilities, ceilings, GD, both intervals, summaries);
* the Monte Carlo ceiling alone: ``metrics.simulate_ceiling`` on every cell against
  ``metrics._reference.reference_ceiling``, the same algorithm written one draw at a time;
* the two bootstraps alone: vectorised against one Python iteration per resample;
* the intervals of a GD row: today's default (the two-level bootstrap over composite and
  subtask episodes turned into the interval named by ``metrics._bootstrap.DEFAULT_METHOD``, with
  the leave-one-cluster-out jackknife the BCa constructions use, plus the paper's unpaired
  interval) against the plain percentile interval of the
  same resamples and against the multinomial seed-paired bootstrap, on the same cells; and
  ``metrics.analyze`` of the whole grid with the percentile construction patched in;
* a large analysis: 8 models x ``LARGE_SEEDS`` seeds x n_blocks 3-5 (every composite task and
  subtask) in ``episodes.jsonl``, measured directly (not extrapolated), each run in a fresh
  process (CPU of it and its worker processes from getrusage, wall, and memory: the peak of the
  sum of the processes' proportional set sizes, sampled): ``metrics.analyze`` streaming the
  file in one process (``workers=1``) and with its default workers (one per core), against
  only reading and parsing it; and at a tenth of the seeds the same, plus the previous
  release's ``metrics`` package (checked out of git history) on the same file.

Run: ``python -m benchmarks.bench_metrics [large_seeds]``. Prints a markdown section.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from math import ceil
from pathlib import Path
from typing import Any

import numpy as np

import metrics
from metrics._bootstrap import DEFAULT_METHOD
from metrics._reference import reference_ceiling
from metrics._synthetic import COMPOSITES, SyntheticAgent, synthetic_records
from metrics._workers import cores as metrics_cores

MC_ITERATIONS = 2000
N_RESAMPLES = 1000
#: Seeds per (model, task, n_blocks) of the large analysis (issue target: 3,000).
LARGE_SEEDS = 3000
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


def _interval_comparison(cells, fast, table) -> tuple[float, float]:
    """Seconds for the intervals of every cell: the previous pair vs today's default pair."""
    from metrics._bootstrap import (
        ClusterData,
        cluster_resamples,
        interval,
        jackknife,
        percentile,
        sensitivities_for,
    )
    from metrics._ceiling import CeilingInput

    prepared = []
    for key, eps in cells.items():
        model, task, n = key
        decl = metrics.get_task_gd(task)
        caps = {c: table.get_samples(model, "neutral", c, n) for c in decl.capabilities}
        sim = decl.ceiling(
            CeilingInput(
                tuple(eps),
                n,
                {c: v.values for c, v in caps.items()},
                ceil(MC_ITERATIONS / len(eps)),
                np.random.default_rng(1),
            )
        )
        sens = sensitivities_for(sim.sensitivity, list(caps)) or {}
        a = np.array([e.return_ for e in eps])
        b = decl.baseline(tuple(eps), n)
        seeds = np.array([e.seed for e in eps])
        data = ClusterData(
            episode_clusters=np.stack([seeds, np.full(seeds.size, n)], axis=1),
            completed=np.ones(seeds.size, dtype=bool),
            actual=a,
            baseline=b,
            ceiling=sim.ceiling,
            sample_clusters=np.concatenate([v.clusters for v in caps.values()]),
            sensitivity=np.concatenate([sens[c] for c in caps]),
        )
        prepared.append((a, b, sim.ceiling, seeds, data))
    t0 = time.process_time()
    for a, b, c, s, _ in prepared:
        metrics.bootstrap_ci(a, b, c, n_resamples=N_RESAMPLES, rng=2)
        metrics.paired_bootstrap_ci(a, b, c, s, n_resamples=N_RESAMPLES, rng=3)
    t_old = time.process_time() - t0
    t0 = time.process_time()
    for a, b, c, _, data in prepared:
        metrics.bootstrap_ci(a, b, c, n_resamples=N_RESAMPLES, rng=2)
        res = cluster_resamples(data, N_RESAMPLES, np.random.default_rng(3))
        percentile(_gd_of(res), 0.95, 1.0)
    t_percentile = time.process_time() - t0
    t0 = time.process_time()
    for a, b, c, _, data in prepared:
        metrics.bootstrap_ci(a, b, c, n_resamples=N_RESAMPLES, rng=2)
        res = cluster_resamples(data, N_RESAMPLES, np.random.default_rng(3))
        jk, strata = jackknife(data)
        estimate = float((a.mean() - b.mean()) / (c.mean() - b.mean()))
        interval(_gd_of(res), estimate, 0.95, jack=_gd_of(jk), jack_strata=strata,
                 n_clusters=strata.size, clip_high=1.0)  # fmt: skip
    t_new = time.process_time() - t0
    return t_old, t_percentile, t_new


def _gd_of(res) -> np.ndarray:
    """Uncapped GD of resampled means (NaN where the ceiling is not above the baseline)."""
    denom = res.ceiling - res.baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, (res.actual - res.baseline) / denom, np.nan)


def _analyze_with_percentile_intervals(records) -> float:
    """CPU seconds of ``metrics.analyze`` with the previous release's interval construction
    (plain percentile of the two-level resamples, no jackknife), patched in for comparison."""
    from metrics import _analysis, _bootstrap

    saved = _analysis.interval, _analysis.jackknife

    def plain(values, estimate, confidence, method=None, *, clip_high=None, **_):
        return _bootstrap.interval(values, estimate, confidence, "percentile", clip_high=clip_high)

    def no_jackknife(data):
        empty = np.zeros(0)
        return _bootstrap.Resampled(empty, empty, empty, empty, empty), np.zeros(0, dtype=int)

    _analysis.interval, _analysis.jackknife = plain, no_jackknife
    try:
        t0 = time.process_time()
        metrics.analyze(records, mc_iterations=MC_ITERATIONS, n_resamples=N_RESAMPLES)
        return time.process_time() - t0
    finally:
        _analysis.interval, _analysis.jackknife = saved


_CHILD = """
import json, os, resource, sys, time
import metrics
path, mode = sys.argv[1], sys.argv[2]

def cpu():
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        total += r.ru_utime + r.ru_stime
    return total

w, c = time.perf_counter(), cpu()
if mode == "parse":
    rows = sum(1 for _ in metrics.read_records(path))
else:
    workers = {"analyze1": {"workers": 1}, "analyze": {}}.get(mode, {})
    analysis = metrics.analyze(
        metrics.read_records(path), mc_iterations=2000, n_resamples=1000, **workers
    )
    rows = len(analysis.gd)
print(json.dumps({"wall": time.perf_counter() - w, "cpu": cpu() - c,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": rows, "where": metrics.__file__}))
"""

#: The metrics package before the large-analysis work (per-row two-level draws, whole
#: composite episodes kept, every bootstrap by per-element indices), run from git history as
#: the baseline of the same run.
PREVIOUS = "d2d24f5"


def _write_large(path: Path, seeds: int) -> int:
    """The large grid (8 models x ``seeds`` seeds x n_blocks 3-5, every task) as JSON lines."""
    count = 0
    with path.open("w", encoding="utf-8") as fh:
        for i, (model, agent) in enumerate(AGENTS.items()):
            for start in range(0, seeds, 500):
                chunk = range(10 + start, 10 + min(seeds, start + 500))
                for rec in synthetic_records({model: agent}, seeds=chunk, rng=i * 7919 + start):
                    fh.write(json.dumps(rec) + "\n")
                    count += 1
    return count


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (Linux ``/proc``)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return found


def _pss_mb(pid: int) -> float:
    """Proportional set size of ``pid`` in MB (shared pages split among their sharers, so the
    sum over processes counts each page once); 0 when unreadable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _child(path: Path, mode: str, pythonpath: str | None = None) -> dict[str, Any]:
    """One measurement in a fresh process (CPU from getrusage, all its threads and worker
    processes; memory: the peak of the summed PSS of it and its workers, sampled every 20 ms,
    where ``/proc`` has it, else the process's peak resident set)."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path), mode],
            stdout=out,
            text=True,
            env=env,
            cwd=pythonpath or None,
        )
        peak, processes = 0.0, 1
        while proc.poll() is None:
            tree = _tree(proc.pid)
            peak = max(peak, sum(_pss_mb(p) for p in tree))
            processes = max(processes, len(tree))
            time.sleep(0.02)
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, proc.args)
        out.seek(0)
        result = dict(json.loads(out.read().strip().splitlines()[-1]))
    result["pss_mb"] = peak or None
    result["processes"] = processes
    return result


def _previous_tree(tmp: str) -> str | None:
    """The previous metrics (and telic, envs) packages checked out of git into ``tmp``, or
    None."""
    root = Path(__file__).resolve().parents[1]
    try:
        archive = subprocess.run(
            # envs too: today's envs imports helpers the previous telic package lacks
            ["git", "-C", str(root), "archive", PREVIOUS, "metrics", "telic", "envs"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return tmp


def _large_analysis(seeds: int) -> tuple[dict[int, int], dict[str, dict[str, Any]]]:
    """Write the large grid at ``seeds`` and at a tenth of it; measure, each in its own
    process: parsing only (baseline), this release's streamed analysis, and (at the tenth)
    the previous release's."""
    out: dict[str, dict[str, Any]] = {}
    counts: dict[int, int] = {}
    small = max(1, seeds // 10)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for n in (small, seeds):
            paths[n] = Path(tmp) / f"episodes-{n}.jsonl"
            counts[n] = _write_large(paths[n], n)
        out["load_before"] = {"load": os.getloadavg()[0]}
        (Path(tmp) / "previous").mkdir()
        previous = _previous_tree(str(Path(tmp) / "previous"))
        for n in (small, seeds):
            out[f"parse_{n}"] = _child(paths[n], "parse")
            out[f"one_{n}"] = _child(paths[n], "analyze1")
            out[f"stream_{n}"] = _child(paths[n], "analyze")
        if previous is not None:
            out[f"previous_{small}"] = _child(paths[small], "analyze", previous)
            if not out[f"previous_{small}"]["where"].startswith(previous):
                raise RuntimeError("the previous release's metrics package was not the one run")
        out["load_after"] = {"load": os.getloadavg()[0]}
    return counts, out


def main(large_seeds: int = LARGE_SEEDS) -> None:
    t0 = time.process_time()
    records = synthetic_records(AGENTS, n_blocks=(3, 4, 5), seeds=range(10, 40), rng=0)
    t_build = time.process_time() - t0
    n_composite = sum(r["task"] in COMPOSITES for r in records)

    t0 = time.process_time()
    analysis = metrics.analyze(records, mc_iterations=MC_ITERATIONS, n_resamples=N_RESAMPLES)
    t_analyze = time.process_time() - t0
    t_analyze_percentile = _analyze_with_percentile_intervals(records)

    episodes = metrics.normalize_records(records)
    table = metrics.capabilities(episodes)
    cells = _cells(episodes)

    # Monte Carlo ceiling: vectorised on every cell
    t0 = time.process_time()
    fast: dict[tuple[str, str, int], np.ndarray] = {}
    for key, eps in cells.items():
        res = metrics.simulate_ceiling(
            key[1], eps, _caps(table, *key), mc_iterations=MC_ITERATIONS, rng=1
        )
        fast[key] = res.ceiling
    t_mc_fast = time.process_time() - t0

    # Monte Carlo ceiling: the per-iteration loop on the cells of LOOP_MODELS models
    t0 = time.process_time()
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
    t_mc_loop = (time.process_time() - t0) * len(cells) / len(loop_cells)

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
    t0 = time.process_time()
    for a, b, c, s in arrays.values():
        metrics.bootstrap_ci(a, b, c, n_resamples=N_RESAMPLES, rng=2)
        metrics.paired_bootstrap_ci(a, b, c, s, n_resamples=N_RESAMPLES, rng=3)
    t_boot_fast = time.process_time() - t0
    t0 = time.process_time()
    rng = np.random.default_rng(2)
    for a, b, c, s in arrays.values():
        _loop_bootstrap(a, b, c, s, rng)
    t_boot_loop = time.process_time() - t0

    t_old_ci, t_percentile_ci, t_new_ci = _interval_comparison(cells, fast, table)
    n_large, large = _large_analysis(large_seeds)

    n_rows = len(analysis.gd)
    print(
        f"Grid: {len(AGENTS)} models x {len(COMPOSITES)} composite tasks x n_blocks 3-5 x 30 seeds"
        f" = {n_composite} composite episodes ({len(records)} records with the subtasks, built "
        f"in {t_build:.1f} s); {len(cells)} cells, {n_rows} GD rows; {MC_ITERATIONS} Monte Carlo"
        f" iterations per cell, {N_RESAMPLES} resamples per interval.\n"
    )
    print("| part (CPU seconds) | vectorised | per-iteration loop | speed-up |")
    print("|---|---:|---:|---:|")
    print(
        f"| `metrics.analyze`, whole grid (default intervals: two-level, `{DEFAULT_METHOD}`) | "
        f"{t_analyze:.2f} s | with the plain percentile two-level interval (the "
        f"default of earlier releases): {t_analyze_percentile:.2f} s | "
        f"{t_analyze / t_analyze_percentile:.2f}x the time |"
    )
    print(
        f"| Monte Carlo ceiling, {len(cells)} cells | {t_mc_fast:.2f} s | "
        f"{t_mc_loop:.1f} s | {t_mc_loop / t_mc_fast:.0f}x |"
    )
    print(
        f"| unpaired + paired bootstrap, {len(loop_cells)} cells | {t_boot_fast:.2f} s | "
        f"{t_boot_loop:.2f} s | {t_boot_loop / t_boot_fast:.0f}x |"
    )
    print(
        f"| intervals of {len(cells)} cells: today's default (two-level `{DEFAULT_METHOD}` with "
        f"the cluster jackknife + unpaired, CPU) | {t_new_ci:.2f} s | two-level percentile + "
        f"unpaired: {t_percentile_ci:.2f} s; multinomial paired + unpaired: {t_old_ci:.2f} s | "
        f"{t_new_ci / t_percentile_ci:.2f}x the percentile's time |"
    )
    small = min(n_large)
    cores = metrics_cores()
    print(
        f"\nLarge analysis: {len(AGENTS)} models x {large_seeds} seeds x n_blocks 3-5, every "
        f"composite task and subtask ({n_large[large_seeds]} records in episodes.jsonl; "
        f"{n_large[small]} at {small} seeds), {MC_ITERATIONS} Monte Carlo iterations and "
        f"{N_RESAMPLES} resamples. Each line is a fresh process reading the file line by line "
        "(`metrics.read_records`); CPU is the user + system time of the process and its "
        "worker processes (getrusage, all threads); memory is the peak of the sum of the "
        "processes' proportional set sizes (PSS: a page shared by forked workers counts once), "
        f"sampled every 20 ms. {cores} cores; load average "
        f"{large['load_before']['load']:.1f} before, {large['load_after']['load']:.1f} after "
        "(the cores are shared with other jobs: wall times are noisy).\n"
    )
    print("| seeds | what | CPU | wall | peak memory (PSS sum) |")
    print("|---:|---|---:|---:|---:|")
    lines = [
        (small, "parse", "read and parse only (baseline)"),
        (small, "previous", f"`metrics.analyze`, previous release ({PREVIOUS})"),
        (small, "one", "`metrics.analyze`, this release, one process (`workers=1`)"),
        (small, "stream", "`metrics.analyze`, this release, default workers"),
        (large_seeds, "parse", "read and parse only (baseline)"),
        (large_seeds, "one", "`metrics.analyze`, this release, one process (`workers=1`)"),
        (large_seeds, "stream", "`metrics.analyze`, this release, default workers"),
    ]
    for n, mode, label in lines:
        r = large.get(f"{mode}_{n}")
        if r is None:
            print(f"| {n} | {label} | not measured (no git history) | | |")
            continue
        if mode == "stream":
            n_proc = r["processes"]
            label += f" ({n_proc} process{'es' if n_proc != 1 else ''})"
        memory = r["pss_mb"] or r["rss_mb"]
        print(f"| {n} | {label} | {r['cpu']:.1f} s | {r['wall']:.1f} s | {memory:.0f} MB |")
    new_small, new_large = large[f"stream_{small}"], large[f"stream_{large_seeds}"]
    one_large = large[f"one_{large_seeds}"]
    parse_large = large[f"parse_{large_seeds}"]
    prev = large.get(f"previous_{small}")

    def mem(r: dict[str, Any]) -> float:
        return float(r["pss_mb"] or r["rss_mb"])

    speed = (
        f"at {small} seeds this release (one process) takes "
        f"{large[f'one_{small}']['cpu'] / prev['cpu']:.2f}x the CPU and "
        f"{mem(large[f'one_{small}']) / mem(prev):.2f}x the memory of the previous one; "
        if prev
        else ""
    )
    print(
        f"\nReading: {speed}at {large_seeds} seeds the analysis with its default workers takes "
        f"{new_large['wall']:.1f} s wall ({new_large['wall'] / one_large['wall']:.2f}x the "
        f"{one_large['wall']:.1f} s of one process; "
        f"{new_large['wall'] / parse_large['wall']:.1f}x the {parse_large['wall']:.1f} s of "
        f"only parsing the file), {new_large['cpu']:.1f} CPU s over its processes "
        f"({new_large['cpu'] / one_large['cpu']:.2f}x one process's), and {mem(new_large):.0f} "
        "MB at peak"
        + (
            f"; target at {LARGE_SEEDS} seeds: under 15 s and 600 MB (wall "
            f"{'met' if new_large['wall'] < 15 else 'not met'}, memory "
            f"{'met' if mem(new_large) < 600 else 'not met'})."
            if large_seeds == LARGE_SEEDS
            else f" (the target, under 15 s and 600 MB, is for {LARGE_SEEDS} seeds)."
        )
        + f" At {small} seeds with its default workers: {new_small['wall']:.1f} s wall."
    )
    print(
        f"\nThe loop ran {len(loop_cells)} of the {len(cells)} cells"
        + ("" if len(loop_cells) == len(cells) else " (time extrapolated to all)")
        + ". It samples the pick and execute steps where "
        "the vectorised code integrates them exactly; their per-cell mean ceilings differ by at "
        f"most {max(diffs):.3f} cm (Monte Carlo error of the loop)."
    )


if __name__ == "__main__":
    import argparse

    cli = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_metrics",
        description="GD metrics on the paper grid and a large streamed analysis (markdown).",
    )
    cli.add_argument(
        "large_seeds",
        nargs="?",
        type=int,
        default=LARGE_SEEDS,
        help=f"seeds per model and n_blocks in the large analysis (default {LARGE_SEEDS})",
    )
    main(cli.parse_args().large_seeds)
