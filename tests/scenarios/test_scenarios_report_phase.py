"""Interrupts and kills in the report phase: a message, the manifest saying what is missing,
files replaced atomically, and ``telic report`` writing them again."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from conftest import write_scenario

from scenarios import read_manifest
from scenarios.cli import run_cli

REPORT = ["plots", "report.html", "report.md", "summary.json"]


def _stop(how: str):
    def render(*args: object, **kwargs: object) -> str:
        if how == "SIGTERM":
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises long before this ends
        raise KeyboardInterrupt

    return render


@pytest.mark.parametrize("how", ["Ctrl-C", "SIGTERM"])
def test_an_interrupted_report_says_so_and_telic_report_restores_it(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path)
    out = tmp_path / "out"
    monkeypatch.setattr("scenarios._report.render_html", _stop(how))
    code = run_cli(["run", str(scenario), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 130
    assert f"interrupted ({how})" in err and f"telic report {out}" in err
    manifest = read_manifest(out)
    assert manifest is not None and manifest["status"] == "completed"  # every episode recorded
    assert manifest["report"]["status"] == "interrupted"
    assert manifest["report"]["missing"] == ["report.html"]  # the rest was written before it
    assert not [p.name for p in out.iterdir() if p.name.endswith((".tmp", ".old"))]
    monkeypatch.undo()
    assert run_cli(["report", str(out)]) == 0
    assert {p.name for p in out.iterdir()} >= set(REPORT)
    manifest = read_manifest(out)
    assert manifest["report"]["status"] == "written"
    assert "report.html" in manifest["report"]["files"]


def test_a_kill_while_plots_were_written_leaves_the_old_set_and_is_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = write_scenario(tmp_path)
    out = tmp_path / "out"
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-progress"]) == 0
    before = sorted(p.name for p in (out / "plots").iterdir())
    # what a SIGKILL between writing the new plots and swapping them in leaves behind
    (out / "plots.tmp").mkdir()
    (out / "plots.tmp" / "gd.png").write_bytes(b"\x89PNG half")
    assert sorted(p.name for p in (out / "plots").iterdir()) == before  # untouched
    assert run_cli(["report", str(out)]) == 0
    assert not (out / "plots.tmp").exists() and not (out / "plots.old").exists()
    assert sorted(p.name for p in (out / "plots").iterdir()) == before
    # every plot is whole again (PNG and SVG copies since the reports write both)
    pngs = [p for p in (out / "plots").iterdir() if p.suffix == ".png"]
    svgs = [p for p in (out / "plots").iterdir() if p.suffix == ".svg"]
    assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert all(p.read_text().rstrip().endswith("</svg>") for p in svgs)


def test_plots_are_swapped_whole_when_a_plot_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = write_scenario(tmp_path)
    out = tmp_path / "out"
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-progress"]) == 0
    before = {p.name: p.read_bytes() for p in (out / "plots").iterdir()}

    def half(analysis: object, folder: Path) -> list[Path]:
        (Path(folder) / "gd.png").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr("metrics.write_plots", half)
    assert run_cli(["report", str(out)]) == 130
    assert {p.name: p.read_bytes() for p in (out / "plots").iterdir()} == before
    assert not (out / "plots.tmp").exists()
    assert json.loads((out / "manifest.json").read_text())["report"]["status"] == "interrupted"
