"""The multi-process backend (``telic run --workers N``): the records of the single-process
runner, one writer, exact resume, provider limits shared out, and the CPU warning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_scenario

from agents.testing import FakeProviderServer
from scenarios import EpisodeSpec
from scenarios._execute import error_record
from scenarios._multiprocess import cpu_warning, remote_error, share_limits, worker_count
from scenarios._schema import Concurrency
from scenarios.cli import run_cli

#: Fields that measure time, not behaviour.
TIMING_FIELDS = ("wall_time_s",)


def records(out: Path) -> tuple[dict[str, dict[str, object]], int]:
    found, lines = {}, 0
    for line in (out / "episodes.jsonl").read_text().splitlines():
        record = json.loads(line)
        for name in TIMING_FIELDS:
            record.pop(name)
        found[record["episode_id"]] = record
        lines += 1
    return found, lines


def test_workers_write_the_records_of_one_process(tmp_path: Path) -> None:
    with FakeProviderServer() as server:
        scenario = write_scenario(
            tmp_path,
            models=[
                "scripted:oracle",
                "scripted:noisy",
                {
                    "spec": "openai-compatible:fake",
                    "options": {"base_url": server.openai_base_url},
                },
            ],
            envs=["telic/InformationGathering-v0", "telic/MeasureHeight-v0"],
            sequences=[
                {"name": "seq", "tasks": ["telic/MeasureHeight-v0", "telic/PickConfiguration-v0"]}
            ],
            seeds=[1, 2],
            concurrency={"max_concurrency": 6},
        )
        common = ["run", str(scenario), "--no-report", "--no-progress"]
        assert run_cli([*common, "--out", str(tmp_path / "one")]) == 0
        assert run_cli([*common, "--out", str(tmp_path / "two"), "--workers", "2"]) == 0
    single, single_lines = records(tmp_path / "one")
    multi, multi_lines = records(tmp_path / "two")
    assert len(single) == 24 and single_lines == 24
    assert multi_lines == 24 and multi.keys() == single.keys()
    for episode_id, record in single.items():
        assert multi[episode_id] == record
    assert any(r["model"] == "openai-compatible:fake" and r["steps"] > 0 for r in multi.values())
    manifest = json.loads((tmp_path / "two" / "manifest.json").read_text())
    assert manifest["runs"][-1]["backend"] == "processes"
    assert manifest["status"] == "completed"


def test_resume_with_workers_plays_only_what_is_missing(tmp_path: Path) -> None:
    scenario = write_scenario(tmp_path, seeds={"start": 0, "count": 4})
    out = tmp_path / "out"
    common = ["run", str(scenario), "--out", str(out), "--no-report", "--no-progress"]
    assert run_cli(common) == 0
    full, _ = records(out)
    lines = (out / "episodes.jsonl").read_text().splitlines()
    (out / "episodes.jsonl").write_text("\n".join(lines[:3]) + "\n")  # as if killed after 3
    assert run_cli([*common, "--resume", "--workers", "2"]) == 0
    resumed, count = records(out)
    assert count == len(full) == 8 and resumed == full


def test_limits_are_shared_out_without_exceeding_them() -> None:
    concurrency = Concurrency(rpm={"openai": 100}, max_in_flight={"openai": 3})
    shared, workers = share_limits(concurrency, 2)
    assert workers == 2 and shared.rpm == {"openai": 50} and shared.max_in_flight == {"openai": 1}
    shared, workers = share_limits(Concurrency(max_in_flight={"anthropic": 1}), 4)
    assert workers == 1 and shared.max_in_flight == {"anthropic": 1}
    assert share_limits(Concurrency(), 3)[1] == 3
    assert worker_count(0) >= 1 and worker_count(5) == 5
    with pytest.raises(ValueError):
        worker_count(-1)


def test_a_remote_failure_is_recorded_as_a_local_one() -> None:
    spec = EpisodeSpec.model_validate(
        {
            "episode_id": "e1",
            "scenario": "s",
            "model": {"spec": "scripted:oracle"},
            "env_id": "telic/MeasureHeight-v0",
            "env_kwargs": {"n_blocks": 3},
            "seed": 1,
            "variant": "default",
            "extra_prompt": None,
        }
    )
    local = error_record(spec, ValueError("bad move"), 0.0)
    remote = error_record(spec, remote_error("ValueError", "bad move"), 0.0)
    assert remote == local and remote.errors[0]["kind"] == "ValueError"


def test_the_cpu_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 4)
    assert cpu_warning(8, 1) is None
    assert cpu_warning(256, 1) is None  # one process feeds that many at 200 ms a call
    assert cpu_warning(512, 4) is None
    note = cpu_warning(512, 1)
    assert note is not None and "--workers 4" in note
    monkeypatch.setattr("os.cpu_count", lambda: 1)
    assert cpu_warning(512, 1) is None


def test_workers_with_ray_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = write_scenario(tmp_path)
    code = run_cli(["run", str(scenario), "--backend", "ray", "--workers", "2"])
    assert code == 2 and "--workers" in capsys.readouterr().err
