"""How well the scenario runner overlaps model calls, and what a concurrent episode costs.

A fake OpenAI-compatible provider (``agents.testing.FakeProviderServer``, in its own process,
a fixed latency per call) answers real HTTP requests from the real openai SDK. The same few
hundred episodes run at concurrency 1, 16 and 128, each level in a fresh process, and we report:

* makespan as a multiple of the ideal, ``calls x latency / concurrency`` (the baseline measured
  in the same run: the server counts the calls). 1.0 would be perfect overlap with zero
  overhead;
* the runner's own CPU time: the runner process is one thread, so when it reaches the makespan
  the run is CPU-bound (episode setup, LangGraph, the HTTP client) rather than waiting on calls;
* memory per concurrent episode: the peak RSS growth over the concurrency-1 level divided by
  the extra episodes in flight.

Run: ``python -m benchmarks.bench_runner [--episodes 240] [--latency-ms 50]``. Prints markdown.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

LEVELS = (1, 16, 128)
ENVS = ("telic/PickConfiguration-v1", "telic/BuildTwoBlockTower-v1")


def _serve(latency_s: float, urls: Any, stop: Any) -> None:
    from agents.testing import FakeProviderServer

    with FakeProviderServer(latency_s=latency_s, keep_bodies=False) as server:
        urls.put(server.openai_base_url)
        stop.wait()
        urls.put(server.requests)


def _scenario(episodes: int, base_url: str, concurrency: int) -> dict[str, Any]:
    return {
        "name": "bench-runner",
        "models": [
            {"spec": "openai-compatible:fake", "options": {"base_url": base_url, "timeout": 60}}
        ],
        "envs": list(ENVS),
        "n_blocks": [3],
        "seeds": {"start": 0, "count": episodes // len(ENVS)},
        "concurrency": {
            "max_concurrency": concurrency,
            "max_in_flight": {"openai-compatible": concurrency},
        },
    }


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def worker(episodes: int, base_url: str, concurrency: int) -> dict[str, Any]:
    """One level, in this process: returns makespan, calls and memory."""
    from scenarios import LocalExecutor, preflight, run_plan
    from scenarios._load import scenario_from_dict

    scenario = scenario_from_dict(_scenario(episodes, base_url, concurrency))
    prepared = preflight(scenario)
    # Warm up imports and code paths outside the timed region with the synchronous client:
    # langchain-openai shares one async HTTP client per base URL across the process, and it
    # belongs to the first event loop that used it, so a warm-up asyncio run would break it.
    from agents import run_episode
    from scenarios._execute import episode_call

    first = prepared.plan.episodes[0]
    run_episode(**episode_call(first, prepared.models[first.model.name], None))
    rss_before = _rss_kib()
    with tempfile.TemporaryDirectory() as out:
        started, cpu_started = time.perf_counter(), time.process_time()
        stats = run_plan(prepared.plan, out, LocalExecutor(prepared.models), progress=False)
        makespan = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        calls, episode_time = 0, 0.0
        for line in (Path(out) / "episodes.jsonl").read_text().splitlines():
            record = json.loads(line)
            calls += record["usage"]["calls"]
            episode_time += record["wall_time_s"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "concurrency": concurrency,
        "episodes": stats.finished,
        "errors": stats.errors,
        "error_messages": stats.error_messages,
        "calls": calls,
        "makespan_s": makespan,
        "cpu_s": cpu,
        "episode_time_s": episode_time,
        "rss_growth_kib": max(peak - rss_before, 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=240)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.episodes, args.base_url, args.concurrency)))
        return

    latency = args.latency_ms / 1000
    ctx = mp.get_context("spawn")
    urls, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=_serve, args=(latency, urls, stop), daemon=True)
    server.start()
    base_url = urls.get(timeout=60)
    results = []
    try:
        for level in LEVELS:
            env = {**os.environ, "LANGCHAIN_TRACING_V2": "false"}
            command = [sys.executable, "-m", "benchmarks.bench_runner", "--worker"]
            command += ["--episodes", str(args.episodes), "--base-url", base_url]
            command += ["--concurrency", str(level)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        stop.set()
        server.join(timeout=10)

    base_rss = results[0]["rss_growth_kib"]
    print(f"### Runner overlap ({args.episodes} episodes, {args.latency_ms:g} ms per call)\n")
    print(
        "| concurrency | calls | makespan (s) | ideal (s) | makespan / ideal "
        "| runner CPU (s) | MiB per extra episode |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ideal = r["calls"] * latency / r["concurrency"]
        per_episode = ""
        if r["concurrency"] > 1:
            growth = (r["rss_growth_kib"] - base_rss) / (r["concurrency"] - 1)
            per_episode = f"{growth / 1024:.2f}"
        print(
            f"| {r['concurrency']} | {r['calls']} | {r['makespan_s']:.2f} | {ideal:.2f} "
            f"| {r['makespan_s'] / ideal:.2f} | {r['cpu_s']:.2f} | {per_episode} |"
        )
    errors = sum(r["errors"] for r in results)
    if errors:
        print(f"\n{errors} episodes ended in an error; the numbers above are not comparable.")


if __name__ == "__main__":
    main()
