"""The HyPerAlign report says no more than it shows: plumbing-check label, identical
conditions, lost pairs of failed episodes, and the win rate against an imported baseline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import envs
from envs import PolicyAction
from scenarios import build_report, run_scenario

WRITING = "telic/PersonalizedWriting-v1"
USERS = ("ravi", "rosalind")


class _Hallucinating:
    """An inferer whose only hypothesis quotes text the user never wrote (dropped, so the
    user ends up with no grounded hypotheses)."""

    def handles(self, observations: Any) -> bool:
        return True

    def act(self, observations: Any, rng: np.random.Generator) -> PolicyAction:
        text = '1. [writing_style] Writes sonnets. Evidence: "Shall I compare thee"'
        return PolicyAction(name="answer", args={}, text=text)


envs.register_policy("test_hallucinating", lambda **_: _Hallucinating(), doc="bad inferer")


def _scenario(folder: Path, **personalization: Any) -> Path:
    data = {
        "name": "hya_honest",
        "models": ["scripted:generic"],
        "envs": [{"id": WRITING, "kwargs": {"user": u, "prompt_choice": "seed"}} for u in USERS],
        "seeds": [0, 1, 2],
        "protocol": "tags",
        "personalization": {
            "users": "synthetic",
            "conditions": ["none", "hypotheses", "swap"],
            "compare": {"candidate": "hypotheses", "baseline": "none"},
            **personalization,
        },
        "analysis": {"gd": False, "n_resamples": 200},
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _summary(out: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    build_report(out)
    records = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]
    return records, json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, dict, Path]:
    folder = tmp_path_factory.mktemp("honest")
    from personalization import load_synthetic_users

    users = load_synthetic_users()
    rows = [
        {"user": u, "prompt_id": e.id, "text": "A plain text about the task.", "method": "ditto"}
        for u in USERS
        for e in users[u].examples[7:]
    ]
    baseline = folder / "ditto.jsonl"
    baseline.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    path = _scenario(folder, judges=["scripted:stylometric_judge"], baseline_file=str(baseline))
    out = folder / "out"
    run_scenario(path, out)
    records, summary = _summary(out)
    return records, summary, out


def test_offline_run_is_labelled_a_plumbing_check(baseline_run: tuple) -> None:
    _, summary, out = baseline_run
    notice = summary["personalization"]["notice"]
    assert notice.startswith("Plumbing check, not a result")
    assert notice in (out / "report.md").read_text()
    assert "Plumbing check, not a result" in (out / "report.html").read_text()


def test_identical_conditions_are_reported_instead_of_an_effect(baseline_run: tuple) -> None:
    records, summary, _ = baseline_run
    rows = {r["condition"]: r for r in summary["personalization"]["writing"]}
    # scripted:generic ignores the block: every condition's text equals the baseline's
    texts = {
        (r["condition"], r["env_kwargs"]["user"], r["seed"]): r["info"]["text"] for r in records
    }
    assert all(
        texts[("hypotheses", u, s)] == texts[("none", u, s)] for u in USERS for s in (0, 1, 2)
    )
    for condition in ("hypotheses", "swap"):
        assert rows[condition]["identical_to"] == "none"
        assert rows[condition]["diff_vs_baseline"] is None
    messages = "\n".join(summary["messages"])
    assert "`hypotheses` produced exactly the same text as `none` in all 6 paired" in messages


def test_win_rate_table_against_the_imported_baseline(baseline_run: tuple) -> None:
    _, summary, out = baseline_run
    external = summary["personalization"]["external_baseline"]
    assert external["baseline"] == "ditto"
    assert external["ci_resamples"].startswith("prompts")
    rows = {r["condition"]: r for r in external["rows"]}
    assert set(rows) == {"none", "hypotheses", "swap"}
    for row in rows.values():
        assert row["combined"]["n"] == 6 and row["n_lost"] == 0
        assert (
            row["combined"]["ci_low"] <= row["combined"]["win_rate"] <= row["combined"]["ci_high"]
        )
    report = (out / "report.md").read_text()
    assert "## Win rate against ditto (both orders, ties 0.5; CIs resample prompts" in report


def test_failed_inference_is_an_error_episode_and_a_counted_lost_pair(tmp_path: Path) -> None:
    path = _scenario(tmp_path, inferer="scripted:test_hallucinating")
    out = tmp_path / "out"
    run_scenario(path, out)
    records, summary = _summary(out)
    failed = [r for r in records if r["stop_reason"] == "error"]
    assert failed and {r["condition"] for r in failed} == {"hypotheses", "swap"}
    assert all("gave none (1 dropped because their evidence" in r["errors"][0]["message"]
               for r in failed)  # fmt: skip
    rows = {r["condition"]: r for r in summary["personalization"]["writing"]}
    assert rows["hypotheses"]["lost_pairs"] == 6
    assert "PersonalizationError" in rows["hypotheses"]["lost_why"]
    assert "lost_pairs" in (out / "report.md").read_text()


def test_report_flag_judges_against_a_baseline_file(
    baseline_run: tuple, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from scenarios.cli import run_cli

    _, _, out = baseline_run
    rows = [{"user": u, "prompt_id": "x", "text": "t", "method": "other"} for u in USERS]
    other = tmp_path / "other.jsonl"
    other.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    code = run_cli(["report", str(out), "--baseline", str(other)])
    capsys.readouterr()
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    external = summary["personalization"]["external_baseline"]
    assert external["baseline"] == "other"
    # no prompt id of the file matches an episode: every pair is lost, and the table says why
    for row in external["rows"]:
        assert row["n_lost"] == 6 and "combined" not in row
        assert row["lost"] == {"no baseline output for this user and prompt": 6}
    code = run_cli(["report", str(out), "--baseline", str(tmp_path / "missing.jsonl")])
    _, err = capsys.readouterr()
    assert code == 2 and err.startswith("error: ") and "missing.jsonl" in err
    run_cli(["report", str(out)])  # back to the scenario's own baseline file
    capsys.readouterr()
