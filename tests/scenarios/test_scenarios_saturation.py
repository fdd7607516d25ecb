"""The measured CPU warning: a run whose own CPU, not the provider, sets its pace says so once
(and what to do), from readings of the playing processes' CPU time while it plays."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import write_scenario

import scenarios._saturation as saturation
from agents import uses_network
from agents.testing import FakeProviderServer
from scenarios import run_scenario
from scenarios._saturation import CpuWatch, LoopIdle, Reading, busy_shares, saturation_note
from scenarios.cli import run_cli


def reading(wall: float, *cpu: float, finished: int = 0) -> Reading:
    return Reading(wall, tuple(cpu), finished)


def test_busy_shares_are_cpu_over_wall_per_process() -> None:
    assert busy_shares(reading(0.0, 1.0, 2.0), reading(10.0, 10.0, 7.0)) == [0.9, 0.5]
    assert busy_shares(reading(5.0, 1.0), reading(5.0, 2.0)) == []  # no time passed
    assert busy_shares(reading(0.0, 1.0), reading(1.0, 1.0, 2.0)) == []  # a worker appeared


def test_a_busy_loop_with_the_limit_full_is_reported_with_what_to_do() -> None:
    before, after = reading(0.0, 0.0, finished=0), reading(10.0, 9.5, finished=120)
    note = saturation_note(before, after, in_flight=256, limit=256, workers=1, cores=4)
    assert note is not None
    assert "busy 95% of the last 10 s with 256 episodes in flight" in note
    assert "12.0 finished per second" in note and "--workers 4" in note
    # every core already in use: lower the concurrency or spread the run
    full = saturation_note(reading(0.0, 0.0, 0.0), reading(10.0, 9.5, 9.7), in_flight=250,
                           limit=256, workers=2, cores=2)  # fmt: skip
    assert full is not None and "2 worker processes" in full and "--concurrency" in full
    assert "--workers" not in full


@pytest.mark.parametrize(
    ("cpu", "in_flight", "limit"),
    [
        (8.0, 256, 256),  # busy 80%: the CPU still has room
        (9.5, 200, 256),  # the limit is not full: the run's tail, or too few episodes
        (9.5, 1, 1),  # one episode at a time: concurrency is not the question
    ],
)
def test_no_note_when_the_cpu_is_not_what_limits(cpu: float, in_flight: int, limit: int) -> None:
    before, after = reading(0.0, 0.0), reading(10.0, cpu, finished=50)
    assert saturation_note(before, after, in_flight=in_flight, limit=limit, workers=1) is None


def test_the_watch_reports_once_and_stops() -> None:
    clock = iter(float(t) for t in range(0, 100, 10))
    cpu = iter([[0.0], [3.0], [12.8], [22.0]])  # idle 30%, then busy 98%
    notes: list[str] = []
    watch = CpuWatch(lambda: next(cpu), window_s=0.001, clock=lambda: next(clock), cores=1)
    asyncio.run(asyncio.wait_for(watch.watch(lambda: 64, lambda: 0, 64, notes.append), 5))
    assert len(notes) == 1 and "busy 98%" in notes[0] and watch.note == notes[0]
    assert "Every core is in use" in notes[0]


def test_the_watch_keeps_quiet_without_readings() -> None:
    notes: list[str] = []
    watch = CpuWatch(lambda: None, window_s=0.001)

    async def briefly() -> None:
        task = asyncio.create_task(watch.watch(lambda: 64, lambda: 0, 64, notes.append))
        await asyncio.sleep(0.05)
        task.cancel()

    asyncio.run(briefly())
    assert notes == [] and watch.note is None


def test_loop_idle_counts_waiting_apart_from_work() -> None:
    async def sleep_then_spin() -> tuple[list[float] | None, list[float] | None, object]:
        loop = asyncio.get_running_loop()
        own = loop._selector  # type: ignore[attr-defined]
        idle = LoopIdle(loop)
        assert idle.busy_seconds() is None and idle.install()
        await asyncio.sleep(0.3)  # waiting in the selector
        slept = idle.busy_seconds()
        started = time.perf_counter()
        while time.perf_counter() - started < 0.3:  # work without yielding
            pass
        spun = idle.busy_seconds()
        idle.remove()
        return slept, spun, loop._selector is own  # type: ignore[attr-defined]

    slept, spun, restored = asyncio.run(sleep_then_spin())
    assert slept is not None and spun is not None and restored
    assert slept[0] < 0.15  # of 0.3 s asleep, almost all counted as waiting
    assert spun[0] - slept[0] >= 0.29  # the spin never waited


def test_network_providers_are_told_apart() -> None:
    assert uses_network("openai:gpt-4o-mini") and uses_network("anthropic:claude-x")
    assert not uses_network("scripted:oracle") and not uses_network("local:smollm2")


def _scenario(tmp_path: Path, models: list[object]) -> Path:
    return write_scenario(
        tmp_path,
        models=models,
        envs=["telic/MeasureHeight-v0"],
        seeds={"start": 0, "count": 12},
        concurrency={"max_concurrency": 4},
    )


def _always_saturated(monkeypatch: pytest.MonkeyPatch) -> None:
    """Readings every few milliseconds, and any busy share counts: the run's wiring decides."""
    monkeypatch.setattr(saturation, "WINDOW_S", 0.005)
    monkeypatch.setattr(saturation, "BUSY_FRACTION", 0.0)
    monkeypatch.setattr(saturation, "FULL_FRACTION", 0.0)


def _cli_run_against_a_fake(tmp_path: Path, *options: str) -> None:
    """``telic run`` of an OpenAI-compatible model on the fake server (stats: ``run_scenario``)."""
    with FakeProviderServer(latency_s=0.02) as server:
        model = {"spec": "openai-compatible:fake", "options": {"base_url": server.openai_base_url}}
        scenario = _scenario(tmp_path, [model])
        out = tmp_path / "cli"
        common = ["run", str(scenario), "--out", str(out), "--no-report", "--no-progress"]
        assert run_cli([*common, *options]) == 0


def test_a_run_prints_the_note_once_and_keeps_it_in_its_stats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _always_saturated(monkeypatch)
    with FakeProviderServer(latency_s=0.02) as server:
        model = {"spec": "openai-compatible:fake", "options": {"base_url": server.openai_base_url}}
        stats = run_scenario(_scenario(tmp_path, [model]), tmp_path / "api")
    assert len(stats.warnings) == 1 and "event loop was busy" in stats.warnings[0]
    capsys.readouterr()
    _cli_run_against_a_fake(tmp_path)
    err = capsys.readouterr().err
    assert err.count("warning: telic's event loop was busy") == 1


def test_a_run_with_workers_reads_the_workers_loops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _always_saturated(monkeypatch)
    _cli_run_against_a_fake(tmp_path, "--workers", "2")
    err = capsys.readouterr().err
    assert err.count("warning: telic's 2 worker processes were (on average) busy") == 1


def test_scripted_only_runs_are_not_watched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _always_saturated(monkeypatch)
    scenario = _scenario(tmp_path, ["scripted:oracle"])
    out = tmp_path / "out"
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-report", "--no-progress"]) == 0
    assert "busy" not in capsys.readouterr().err


def test_ray_and_scripted_runs_are_not_watched() -> None:
    from scenarios._ray import RayExecutor
    from scenarios._runner import _cpu_watch

    assert RayExecutor.plays_remotely is True

    class Remote:
        plays_remotely = True

    plan = SimpleNamespace(scenario=SimpleNamespace(models=[SimpleNamespace(spec="openai:x")]))
    scripted = SimpleNamespace(
        scenario=SimpleNamespace(models=[SimpleNamespace(spec="scripted:oracle")])
    )
    assert _cpu_watch(Remote(), plan) is None  # type: ignore[arg-type]
    assert _cpu_watch(object(), plan) is not None  # type: ignore[arg-type]
    assert _cpu_watch(object(), scripted) is None  # type: ignore[arg-type]
