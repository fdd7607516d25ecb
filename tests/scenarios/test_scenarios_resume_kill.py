"""The real ``telic run`` in a subprocess, killed (SIGKILL) and interrupted (SIGINT) mid-run.

After every kill the run is resumed; at the end every planned episode must be in
``episodes.jsonl`` exactly once, none lost and none duplicated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import write_scenario

from scenarios import expand, load_scenario

REPO = Path(__file__).parents[2]
# Each test starts up to a dozen `telic run` processes, each importing the agent stack: one to
# two minutes on an idle machine, and past the default 300 s per test on a busy one (a 2-core
# machine at load 13 took longer). The limit only catches a hang.
pytestmark = pytest.mark.timeout(1800)
ENVS = [
    "telic/InformationGathering-v1",
    "telic/CognitiveEffort-v1",
    "telic/MeasureHeight-v1",
    "telic/PickConfiguration-v1",
    "telic/BuildTwoBlockTower-v1",
]


def start(scenario: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LANGCHAIN_TRACING_V2": "false", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "telic",
            "run",
            str(scenario),
            "--out",
            str(out),
            "--no-report",
            *list(extra),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )


def _ctrl_c_as_at_a_terminal() -> None:
    """The run gets Ctrl-C's default disposition, as a command typed at a terminal does. A
    process inherits ignored signals, and a test run started in the background (``cmd &`` in
    a script, as some CI runners do) ignores SIGINT: the run would then never see the signal
    and play to the end."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _size(out: Path) -> int:
    path = out / "episodes.jsonl"
    return path.stat().st_size if path.exists() else 0


def lines(out: Path) -> int:
    path = out / "episodes.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


#: Seconds without a new record after which a run counts as stuck (a busy machine can take
#: many seconds just to start the interpreter and import the agent stack).
STALL_S = 120


def wait_for(proc: subprocess.Popen[bytes], out: Path, target: int) -> bool:
    """Wait until ``out`` holds ``target`` records; False if the run ended first."""
    seen = lines(out)
    deadline = time.monotonic() + STALL_S
    size = -1
    while time.monotonic() < deadline:
        if _size(out) == size:  # nothing new: skip re-reading the file (spare the CPU)
            if proc.poll() is not None:
                return False
            time.sleep(0.005)
            continue
        size = _size(out)
        now = lines(out)
        if now >= target:
            return True
        if proc.poll() is not None:
            return False
        if now > seen:  # progress: the run is alive, however slow the machine
            seen, deadline = now, time.monotonic() + STALL_S
        time.sleep(0.005)
    raise AssertionError(f"the run made no progress for {STALL_S} s")


def recorded_ids(out: Path) -> list[str]:
    ids = []
    for line in (out / "episodes.jsonl").read_text().splitlines():
        ids.append(json.loads(line)["episode_id"])
    return ids


def test_sigkill_at_random_points_then_resume_loses_nothing(tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path,
        models=["scripted:oracle", "scripted:noisy"],
        envs=ENVS,
        seeds={"start": 0, "count": 16},
        concurrency={"max_concurrency": 4},
    )
    planned = {e.episode_id for e in expand(load_scenario(scenario)).episodes}
    assert len(planned) == 160
    out = tmp_path / "out"
    rng = np.random.default_rng(2024)
    kills = 0
    for attempt in range(12):
        extra = ("--resume",) if attempt else ()
        proc = start(scenario, out, *extra)
        target = lines(out) + int(rng.integers(5, 40))
        if wait_for(proc, out, target):
            time.sleep(float(rng.uniform(0, 0.03)))  # land anywhere, mid-write included
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            if kills == 2:  # a torn write: the last line loses its end
                path = out / "episodes.jsonl"
                data = path.read_bytes()
                path.write_bytes(data[: len(data) - int(rng.integers(2, 200))])
            continue
        _, err = proc.communicate()
        assert proc.returncode == 0, err.decode()
        break
    else:
        raise AssertionError("the run never finished")
    assert kills >= 3
    ids = recorded_ids(out)
    assert len(ids) == len(set(ids)), "an episode was recorded twice"
    assert set(ids) == planned, "an episode was lost"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "completed" and len(manifest["runs"]) == kills + 1


def test_ctrl_c_stops_cleanly_and_marks_the_run_interrupted(tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path, envs=ENVS, seeds={"start": 0, "count": 30}, concurrency={"max_concurrency": 2}
    )
    out = tmp_path / "out"
    proc = start(scenario, out)
    assert wait_for(proc, out, 10)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=STALL_S)
    assert proc.returncode == 130, err.decode()
    assert "interrupted" in err.decode() and "--resume" in err.decode()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["runs"][-1]["status"] == "interrupted"
    kept = recorded_ids(out)
    assert 10 <= len(kept) < 150 and len(kept) == len(set(kept))
    proc = start(scenario, out, "--resume")
    _, err = proc.communicate(timeout=2 * STALL_S)
    assert proc.returncode == 0, err.decode()
    ids = recorded_ids(out)
    assert len(ids) == len(set(ids)) == 150 and set(kept) <= set(ids)
