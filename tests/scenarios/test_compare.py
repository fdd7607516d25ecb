"""``telic compare`` on the motivation scenario with scripted models (offline).

Scripted policies ignore the system prompt, so by variant every paired difference of return,
regret and completion is exactly 0 (a plumbing check of the pairing); by model the lazy policy
loses return against the oracle on a composite task, which the interval must show.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from scenarios._bundled import BUNDLED_DIR
from scenarios.cli import run_cli


@pytest.fixture(scope="module")
def motivation_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("motivation")
    data = yaml.safe_load((BUNDLED_DIR / "motivation.yaml").read_text())
    data.update(
        seeds={"start": 10, "count": 10},
        n_blocks=[3],
        envs=["telic/InformationGathering-v0", "telic/CognitiveEffort-v0",
              "telic/MeasureHeight-v0", "telic/GenerateConfigurations-v0",
              "telic/EvaluateConfiguration-v0", "telic/PickConfiguration-v0"],
        variants=["neutral", "motivating"],
        cache={"mode": "off"},
    )  # fmt: skip
    data.pop("budget", None)
    path = folder / "motivation.yaml"
    path.write_text(yaml.safe_dump(data))
    code = run_cli(["run", str(path), "-m", "scripted:oracle", "-m", "scripted:lazy",
                    "--out", str(folder / "run"), "--no-report"])  # fmt: skip
    assert code == 0
    return folder / "run"


def _rows(folder: Path) -> list[dict]:
    return json.loads((folder / "compare.json").read_text())["rows"]


def test_compare_variants_pairs_by_seed(
    motivation_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(["compare", str(motivation_run), "--by", "variant"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Paired differences by variant (value - neutral)" in out
    rows = _rows(motivation_run)
    assert {r["variant"] for r in rows} == {"motivating"}
    for row in rows:
        if row["measure"] != "gd":
            assert row["diff"] == 0 and row["ci_low"] == 0 and row["ci_high"] == 0, row
            assert row["n_seeds"] == 10
    for name in ("compare.md", "compare.svg", "compare.png"):
        assert (motivation_run / name).stat().st_size > 0


def test_compare_models_finds_the_lazy_loss(
    motivation_run: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = run_cli(["compare", str(motivation_run), "--by", "model",
                    "--baseline", "scripted:oracle", "--out", str(tmp_path)])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "gd diff [95% CI]" in out
    rows = _rows(tmp_path)
    ce = [r for r in rows if r["task"] == "cognitive_effort" and r["variant"] == "neutral"]
    by_measure = {r["measure"]: r for r in ce}
    ret = by_measure["return"]
    assert ret["diff"] < 0 and ret["ci_low"] < 0 and ret["ci_high"] <= 0
    assert by_measure["regret"]["diff"] > 0
    assert by_measure["gd"]["diff"] < 0


def test_compare_two_run_folders(motivation_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = run_cli(["compare", str(motivation_run), str(motivation_run), "--out",
                    str(motivation_run / "self")])  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 0, err
    rows = _rows(motivation_run / "self")
    assert rows and all(r["diff"] == 0 for r in rows if r["measure"] != "gd")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--by", "protocol"], "every episode has the same protocol"),
        ([], "say what to compare with --by"),
        (["--by", "model", "--baseline", "scripted:x"], "--baseline 'scripted:x'"),
        (["--by", "seed"], "--by must be one of"),
    ],
)
def test_compare_bad_input(
    motivation_run: Path, capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code = run_cli(["compare", str(motivation_run), *args])
    _, err = capsys.readouterr()
    assert code == 2 and needle in err and err.startswith("error: ")
