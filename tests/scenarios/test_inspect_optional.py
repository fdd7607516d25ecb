"""The Inspect bridge stays optional: nothing imports inspect_ai until an Inspect path runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scenarios.cli import run_cli
from scenarios.inspect_bridge import _cli

PROBE = """
import json, sys
import envs, agents, metrics, scenarios, scenarios.cli, scenarios.inspect_bridge
from scenarios.cli import run_cli
for argv in (["--help"], ["report", "--help"], ["export", "inspect", "--help"], ["envs"]):
    try:
        run_cli(argv)
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] == "inspect_ai")))
"""


def test_telic_and_its_help_do_not_import_inspect() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300, check=True
    )
    assert "export" in done.stdout
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_without_the_extra_the_commands_say_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(_cli.importlib.util, "find_spec", lambda name: None)
    (tmp_path / "episodes.jsonl").write_text("")
    assert run_cli(["export", "inspect", str(tmp_path)]) == 2
    log = tmp_path / "x.eval"
    log.write_bytes(b"")
    assert run_cli(["report", str(log), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("pip install 'telic[inspect]'" in line for line in err)


def test_report_of_something_that_is_not_a_log_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    assert run_cli(["report", str(bad), "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "notes.json" in err
    assert not (tmp_path / "rep" / "episodes.jsonl").exists()


def test_report_refuses_to_write_over_a_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    run.mkdir()
    (run / "episodes.jsonl").write_text("")
    (run / "manifest.json").write_text("{}")
    log = tmp_path / "x.eval"
    log.write_bytes(b"")
    assert run_cli(["report", str(log), "--out", str(run)]) == 2
    assert "holds no report of Inspect logs" in capsys.readouterr().err
    assert (run / "episodes.jsonl").read_text() == ""
