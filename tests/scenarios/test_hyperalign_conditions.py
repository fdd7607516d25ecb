"""An unknown HyPerAlign condition fails before the run (exit 2, nothing written)."""

from __future__ import annotations

from pathlib import Path

from scenarios.cli import run_cli

REPO = Path(__file__).resolve().parents[2]


def test_unknown_condition_is_rejected_before_anything_runs(tmp_path: Path, capsys) -> None:
    text = (REPO / "scenarios" / "hyperalign_authorship.yaml").read_text()
    conditions = "conditions: [none, hypotheses, swap, generic, few_shot, hypotheses_few_shot]"
    assert conditions in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(conditions, "conditions: [none, hypothesis]"))
    out = tmp_path / "run"
    code = run_cli(["run", str(bad), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown personalization condition 'hypothesis'" in err
    assert "Did you mean 'hypotheses'" in err
    assert not out.exists()
