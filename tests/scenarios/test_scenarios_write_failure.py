"""A failed write to the output folder stops the run at once (disk full, I/O error, read-only).

The disk-full case is simulated by injecting a writer that fails (CI needs no small file
system): the first records go through, then one write puts half a batch on disk and raises
ENOSPC, as a real full disk does.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from conftest import FakeExecutor, scenario_data, write_scenario

from scenarios import expand, read_episodes, read_manifest, run_plan
from scenarios._load import scenario_from_dict
from scenarios._lock import LOCK_FILE
from scenarios._store import EpisodeWriter
from scenarios.cli import run_cli


def plan_of(**changes: object):
    return expand(scenario_from_dict(scenario_data(**changes)))


class DiskFills:
    """Patches ``EpisodeWriter._write_all``: ``good`` writes succeed, then every write puts
    half its bytes on disk and raises ``error``."""

    def __init__(self, good: int, error: int = errno.ENOSPC) -> None:
        self.good = good
        self.error = error
        self.writes = 0
        self.failed_at_call: int | None = None

    def __call__(self, fd: int, data: bytes) -> None:
        self.writes += 1
        if self.writes <= self.good:
            os.write(fd, data)
            return
        os.write(fd, data[: len(data) // 2])
        raise OSError(self.error, os.strerror(self.error))


class CountingExecutor(FakeExecutor):
    """Counts episode starts after the disk filled up."""

    def __init__(self, disk: DiskFills, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.disk = disk
        self.started_after_failure = 0
        self.cancelled = 0

    async def play(self, spec, prior):  # type: ignore[no-untyped-def]
        import asyncio

        if self.disk.writes > self.disk.good:
            self.started_after_failure += 1
        try:
            return await super().play(spec, prior)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EIO, errno.EROFS])
def test_a_write_failure_stops_the_run_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: int
) -> None:
    plan = plan_of(seeds={"start": 0, "count": 40})  # 80 episodes
    disk = DiskFills(good=2, error=error)
    monkeypatch.setattr(EpisodeWriter, "_write_all", staticmethod(disk))
    executor = CountingExecutor(disk, delay_s=0.01)
    stats = run_plan(plan, tmp_path, executor, concurrency=4, progress=False)
    assert stats.status == "failed"
    assert disk.writes == disk.good + 1  # one failed write, no retry of it, no flush after
    # at most the chains already in flight when the write failed were started; none after
    assert executor.started_after_failure <= 4
    assert len(executor.calls) < len(plan.episodes) / 2
    assert stats.failure is not None and str(tmp_path) in stats.failure
    assert "\n" not in stats.failure
    if error == errno.ENOSPC:
        assert "more free space" in stats.failure and "free now" in stats.failure
    manifest = read_manifest(tmp_path)
    assert manifest is not None and manifest["status"] == "failed"
    assert manifest["failure"] == stats.failure
    recorded = read_episodes(tmp_path)
    assert not recorded.truncated_tail and not recorded.bad_lines  # the half batch was cut
    assert manifest["episodes_missing"] == len(plan.episodes) - len(recorded.records)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episodes.jsonl", "manifest.json"]

    # after freeing space, --resume finishes exactly: every episode once, nothing replayed
    monkeypatch.undo()
    again = FakeExecutor()
    stats = run_plan(plan, tmp_path, again, resume=True, progress=False)
    assert stats.status == "completed"
    assert len(again.calls) == len(plan.episodes) - len(recorded.records)
    lines = (tmp_path / "episodes.jsonl").read_text().splitlines()
    ids = [json.loads(line)["episode_id"] for line in lines]
    assert sorted(ids) == sorted(e.episode_id for e in plan.episodes)  # each exactly once


def test_the_cli_says_one_line_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path, seeds={"start": 0, "count": 20})
    out = tmp_path / "out"
    monkeypatch.setattr(EpisodeWriter, "_write_all", staticmethod(DiskFills(good=1)))
    code = run_cli(["run", str(scenario), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "No space left on device" in errors[0] and str(out) in errors[0]
    assert "Traceback" not in err and "--resume" in err
    assert not list(out.glob("*.tmp")) and not (out / "report.html").exists()
    monkeypatch.undo()
    assert run_cli(["run", str(scenario), "--out", str(out), "--resume", "--no-progress"]) == 0
    assert len(read_episodes(out).records) == 40


def test_a_failed_manifest_write_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scenarios._store import OutputWriteError, write_manifest

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    write_manifest(tmp_path, {"status": "running"})
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OutputWriteError, match="No space left"):
        write_manifest(tmp_path, {"status": "completed"})
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]
    assert read_manifest(tmp_path) == {"status": "running"}


def test_a_read_only_output_folder_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path)
    real_mkdir = Path.mkdir

    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        if self.name == "out":
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", read_only)
    code = run_cli(["run", str(scenario), "--out", str(tmp_path / "out"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: cannot write to output folder")
    assert "Read-only file system" in err and "--out" in err


def test_the_lock_reserve_gives_room_back(tmp_path: Path) -> None:
    from scenarios._lock import FolderLock

    lock = FolderLock(tmp_path, reserve_bytes=64 * 1024).acquire()
    assert (tmp_path / LOCK_FILE).stat().st_size == 64 * 1024
    lock.release_reserve()
    assert (tmp_path / LOCK_FILE).stat().st_size < 200
    assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == os.getpid()
    lock.release()
    assert not (tmp_path / LOCK_FILE).exists()
