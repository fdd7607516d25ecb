"""One run per output folder: a second run on a folder in use exits 2 naming the first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import FakeExecutor, scenario_data, write_scenario

from scenarios import expand, read_episodes, run_plan
from scenarios._load import scenario_from_dict
from scenarios._lock import LOCK_FILE, FolderLock, FolderLockedError
from scenarios.cli import run_cli

HOLD = textwrap.dedent(
    """
    import sys, time
    from scenarios._lock import FolderLock
    FolderLock(sys.argv[1], reserve_bytes=4096).acquire()
    print("locked", flush=True)
    time.sleep(60)
    """
)


def _holder(folder: Path) -> subprocess.Popen[str]:
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_run_on_a_folder_in_use_exits_2_naming_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path)
    out = tmp_path / "out"
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-report"]) == 0
    before = (out / "episodes.jsonl").read_bytes()
    proc = _holder(out)
    try:
        capsys.readouterr()
        code = run_cli(["run", str(scenario), "--out", str(out), "--resume", "--retry-errors"])
        err = capsys.readouterr().err
    finally:
        proc.kill()
        proc.wait()
    assert code == 2
    assert err.count("\n") == 1 and f"in use by process {proc.pid}" in err
    assert (out / "episodes.jsonl").read_bytes() == before


def test_a_killed_run_leaves_no_lock_behind(tmp_path: Path) -> None:
    plan = expand(scenario_from_dict(scenario_data()))
    out = tmp_path / "out"
    proc = _holder(out)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (out / LOCK_FILE).exists()  # the file stays, the lock went with the process
    stats = run_plan(plan, out, FakeExecutor(), progress=False)
    assert stats.status == "completed" and len(read_episodes(out).records) == 6
    assert not (out / LOCK_FILE).exists()


def test_run_plan_refuses_a_folder_in_use(tmp_path: Path) -> None:
    plan = expand(scenario_from_dict(scenario_data()))
    proc = _holder(tmp_path)
    try:
        executor = FakeExecutor()
        with pytest.raises(FolderLockedError, match=str(proc.pid)):
            run_plan(plan, tmp_path, executor, progress=False)
        assert not executor.calls and not (tmp_path / "manifest.json").exists()
    finally:
        proc.kill()
        proc.wait()


def test_the_same_process_cannot_take_a_lock_twice(tmp_path: Path) -> None:
    with FolderLock(tmp_path), pytest.raises(FolderLockedError):
        FolderLock(tmp_path).acquire()


def test_a_report_is_refused_while_a_run_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path)
    out = tmp_path / "out"
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-report"]) == 0
    proc = _holder(out)
    try:
        capsys.readouterr()
        code = run_cli(["report", str(out)])
        err = capsys.readouterr().err
    finally:
        proc.kill()
        proc.wait()
    assert code == 2 and f"process {proc.pid}" in err and not (out / "report.html").exists()
