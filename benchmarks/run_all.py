"""Run every benchmark and rewrite BENCHMARKS.md with their latest numbers.

    python -m benchmarks.run_all            # all of them (several minutes on 2 cores)
    python -m benchmarks.run_all envs agents  # only these; the other sections are kept
    python -m benchmarks.run_all gd_calibration --calibration-replicates 500  # a quicker study

Each benchmark is a module ``benchmarks.bench_<name>`` that measures against a baseline in the
same run and prints a markdown section; this script runs each in its own process (so one
cannot warm the caches of another), collects the sections and writes them under a header that
records the machine they ran on.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = {
    "envs": "Environment steps per second (issue: Blocksworld environments)",
    "agents": "Agent-graph overhead per step (issue: agent runtime)",
    "metrics": "Goal-directedness on the full paper grid (issue: metrics)",
    "gd_calibration": "GD interval calibration (issue: goal-directedness numbers)",
    "runner": "Runner concurrency against a latency-simulating server (issue: scenarios)",
    "personalization": "HyPerAlign pipeline costs (issue: HyPerAlign)",
    "users": "Simulated users and personalized episodes (issue: personalized agents)",
    "speed": "Speed against the SDK, across cores and at start-up (issue: performance)",
    "report": "report.html size and load time for large runs (issue: real-model runs)",
}


def run(name: str, args: list[str] | None = None) -> tuple[str, float, int]:
    """Run one benchmark module (with ``args``); returns its markdown, the seconds it took and
    its exit code."""
    start = time.perf_counter()
    env = dict(os.environ, LANGCHAIN_TRACING_V2="false", PYTHONHASHSEED="0")
    proc = subprocess.run(
        [sys.executable, "-m", f"benchmarks.bench_{name}", *(args or [])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    body = proc.stdout.strip()
    if proc.returncode != 0:
        tail = proc.stderr.strip()[-2000:]
        body += f"\n\n**Failed** (exit {proc.returncode}):\n\n```\n{tail}\n```"
    return body, time.perf_counter() - start, proc.returncode


def splice(text: str, sections: dict[str, str]) -> str:
    """``text`` (a BENCHMARKS.md) with the sections of the named benchmarks replaced (or
    appended when missing); every other section is kept as it is."""
    for name, body in sections.items():
        heading = f"## {BENCHMARKS[name]}\n"
        start = text.find(heading)
        if start < 0:
            text = text.rstrip("\n") + "\n\n" + body
            continue
        end = text.find("\n## ", start + len(heading))
        end = len(text) if end < 0 else end + 1
        text = text[:start] + body + ("\n" if end < len(text) else "") + text[end:]
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"), help="file to write")
    parser.add_argument(
        "--calibration-replicates",
        type=int,
        default=None,
        help="seed blocks per cell and size in gd_calibration (its default: 2000)",
    )
    args = parser.parse_args(argv)
    if args.calibration_replicates is not None and args.calibration_replicates < 1:
        parser.error("--calibration-replicates must be at least 1")
    extra = {
        "gd_calibration": (
            []
            if args.calibration_replicates is None
            else ["--replicates", str(args.calibration_replicates)]
        )
    }
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    sections = []
    failed = 0
    for name in names:
        print(f"running benchmarks.bench_{name} ...", file=sys.stderr, flush=True)
        body, seconds, code = run(name, extra.get(name))
        failed += code != 0
        sections.append(
            f"## {BENCHMARKS[name]}\n\n`python -m benchmarks.bench_{name}` "
            f"(took {seconds:.0f} s)\n\n{body}\n"
        )
    header = (
        "# Benchmarks\n\n"
        "Latest numbers of `make bench` (`python -m benchmarks.run_all`). Machines here are "
        "shared and noisy, so every number is read against a baseline measured in the same run; "
        "compare ratios, not absolute speeds.\n\n"
        f"- date: {_dt.date.today().isoformat()}\n"
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, {platform.system()}\n\n"
    )
    out = Path(args.out)
    if args.names and out.exists():
        text = splice(out.read_text(), dict(zip(names, sections, strict=True)))
    else:
        text = header + "\n".join(sections)
    out.write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
