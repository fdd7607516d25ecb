"""Reports: a pure function of the records; personalization conditions joined in."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from scenarios import build_report
from scenarios.cli import run_cli

REPO = Path(__file__).parents[2]
CE_ENVS = [
    "telic/CognitiveEffort-v1",
    "telic/GenerateConfigurations-v1",
    "telic/EvaluateConfiguration-v1",
    "telic/PickConfiguration-v1",
]


def test_conditions_get_their_own_gd_rows_and_table(tmp_path: Path) -> None:
    data = yaml.safe_load((REPO / "scenarios" / "personalized_agents.yaml").read_text())
    users = [e for e in data["envs"] if isinstance(e, dict) and "Blocksworld" in e["id"]][:2]
    subtasks = [e for e in data["envs"] if isinstance(e, str)]
    data["envs"] = users + subtasks
    data["seeds"] = [10, 11, 12]
    data["personalization"]["conditions"] = ["none", "oracle"]
    data["analysis"] = {"mc_iterations": 200, "n_resamples": 200}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    assert run_cli(["run", str(path), "--out", str(out), "--no-report"]) == 0
    summary = build_report(out).summary
    gd_models = {r["model"] for r in summary["analysis"]["gd"]}
    assert gd_models == {"personal_oracle [none]", "personal_oracle [oracle]"}
    rows = {r["condition"]: r for r in summary["personalization"]["conditions"]}
    assert set(rows) == {"none", "oracle"} and rows["oracle"]["n_pairs"] == 6  # 2 users x 3 seeds
    assert rows["oracle"]["gd"] is not None  # the condition's own GD is joined in
    markdown = (out / "report.md").read_text()
    assert (
        "## Personalization conditions" in markdown and "## Mean user reward per user" in markdown
    )


def test_report_is_a_pure_function_of_the_records(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "pure",
                "models": ["scripted:oracle", "scripted:lazy"],
                "envs": CE_ENVS,
                "seeds": [1, 2, 3],
                "analysis": {"mc_iterations": 200, "n_resamples": 200},
            }
        )
    )
    out = tmp_path / "out"
    assert run_cli(["run", str(path), "--out", str(out)]) == 0
    first = {n: (out / n).read_bytes() for n in ("summary.json", "report.md", "report.html")}
    for name in first:
        (out / name).unlink()
    assert run_cli(["report", str(out)]) == 0
    for name, data in first.items():
        assert (out / name).read_bytes() == data, name
    # the analysis shared by worker processes writes the same files
    for name in first:
        (out / name).unlink()
    assert run_cli(["report", str(out), "--workers", "2"]) == 0
    for name, data in first.items():
        assert (out / name).read_bytes() == data, name
    assert run_cli(["report", str(out), "--workers", "0"]) == 2
    summary = json.loads(first["summary.json"])
    assert summary["personalization"] is None and summary["context"] == []
    assert {r["model"] for r in summary["analysis"]["gd"]} == {"scripted:oracle", "scripted:lazy"}
    assert summary["plots"] and all((out / "plots" / p).exists() for p in summary["plots"])
