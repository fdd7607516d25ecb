"""The Ray backend: the same records as the local backend, and a clear message without ray."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import folder_snapshot, write_scenario

from scenarios.cli import run_cli

REPO = Path(__file__).parents[2]
HAS_RAY = importlib.util.find_spec("ray") is not None
#: Fields that measure time, not behaviour.
TIMING_FIELDS = ("wall_time_s",)


def records(out: Path) -> dict[str, dict[str, object]]:
    found = {}
    for line in (out / "episodes.jsonl").read_text().splitlines():
        record = json.loads(line)
        for name in TIMING_FIELDS:
            record.pop(name)
        found[record["episode_id"]] = record
    return found


@pytest.mark.skipif(not HAS_RAY, reason="the ray extra is not installed (pip install 'telic[ray]')")
def test_ray_and_local_write_identical_records(tmp_path: Path) -> None:
    scenario = write_scenario(
        tmp_path,
        models=["scripted:oracle", "scripted:noisy"],
        envs=["telic/InformationGathering-v1", "telic/MeasureHeight-v1"],
        sequences=[
            {"name": "seq", "tasks": ["telic/MeasureHeight-v1", "telic/PickConfiguration-v1"]}
        ],
        seeds=[1, 2],
    )
    env = {
        **os.environ,
        "LANGCHAIN_TRACING_V2": "false",
        "PYTHONPATH": str(REPO),
        "RAY_USAGE_STATS_ENABLED": "0",
    }
    command = ["run", str(scenario), "--out", str(tmp_path / "ray"), "--backend", "ray"]
    result = subprocess.run(
        [sys.executable, "-m", "telic", *command, "--no-report"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,  # starting Ray on a busy machine takes a while
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert run_cli(["run", str(scenario), "--out", str(tmp_path / "local"), "--no-report"]) == 0
    on_ray, local = records(tmp_path / "ray"), records(tmp_path / "local")
    assert len(local) == 16 and on_ray.keys() == local.keys()
    for episode_id, record in local.items():
        assert on_ray[episode_id] == record
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    assert manifest["runs"][-1]["backend"] == "ray"


def test_without_ray_the_message_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    scenario = write_scenario(tmp_path)
    before = folder_snapshot(tmp_path)
    code = run_cli(["run", str(scenario), "--out", str(tmp_path / "out"), "--backend", "ray"])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'telic[ray]'" in err
    assert folder_snapshot(tmp_path) == before
