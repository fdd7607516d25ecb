"""The per-condition summary on hand-made records, and the bundled scenario end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from personalization.users import condition_summary
from scenarios import load_scenario
from scenarios.cli import run_cli

REPO = Path(__file__).parents[2]
SCENARIO = REPO / "scenarios" / "personalized_agents.yaml"


def _record(condition: str | None, seed: int, reward: float, **extra: Any) -> dict[str, Any]:
    info = {
        "task": "combined",
        "user": extra.pop("user", "frugal_fay"),
        "user_reward": reward,
        "user_satisfaction": extra.pop("satisfaction", 0.5),
        "measurements": {"a": 2, "b": 4},
    }
    return {
        "model": "m",
        "variant": "neutral",
        "condition": condition,
        "env_id": "telic/PersonalizedBlocksworld-v0",
        "env_kwargs": {"user": info["user"], "show": "none"},
        "seed": seed,
        "completed": True,
        "return": 9.0,
        "task": "combined",
        "info": info,
        "extra": {"personalization": extra.pop("personal", {})},
        **extra,
    }


def test_paired_differences_and_accuracy_on_hand_made_records() -> None:
    records = [
        _record("none", 1, 5.0),
        _record("none", 2, 7.0),
        _record("oracle", 1, 8.0, personal={"precision": 1.0, "recall": 1.0}),
        _record("oracle", 2, 9.0, personal={"precision": 1.0, "recall": 0.5}),
        _record("placebo", 1, 4.0, personal={"precision": 0.0, "recall": 0.0}),
        # an unpaired placebo episode (another user) counts in the mean, not in the pairs
        _record("placebo", 1, 3.0, user="brisk_bo"),
        _record(None, 1, 100.0),  # no condition: left out
        {"model": "m", "variant": "neutral", "condition": "none", "stop_reason": "error",
         "env_kwargs": {"user": "frugal_fay"}, "seed": 3},
    ]  # fmt: skip
    summary = condition_summary(records, n_resamples=200)
    rows = {r["condition"]: r for r in summary["conditions"]}
    assert [r["condition"] for r in summary["conditions"]] == ["none", "oracle", "placebo"]
    assert rows["none"]["user_reward"] == pytest.approx(6.0)
    assert rows["none"]["diff_vs_baseline"] is None
    assert rows["oracle"]["diff_vs_baseline"] == pytest.approx(2.5)
    assert rows["oracle"]["n_pairs"] == 2
    assert 2.0 <= rows["oracle"]["diff_ci_low"] <= rows["oracle"]["diff_ci_high"] <= 3.0
    assert rows["oracle"]["precision"] == 1.0 and rows["oracle"]["recall"] == 0.75
    assert rows["placebo"]["user_reward"] == pytest.approx(3.5)
    assert rows["placebo"]["n_pairs"] == 1
    assert rows["placebo"]["diff_vs_baseline"] == pytest.approx(-1.0)
    assert rows["none"]["ci_low"] <= 6.0 <= rows["none"]["ci_high"]
    assert rows["none"]["measurements_per_block"] == 3.0
    assert any("ended in an error" in m for m in summary["messages"])
    by_user = {r["user"]: r for r in summary["by_user"]}
    assert by_user["frugal_fay"]["oracle"] == pytest.approx(8.5)
    assert by_user["brisk_bo"]["none"] is None


def test_gd_rows_are_joined_per_condition() -> None:
    records = [_record("none", 1, 5.0), _record("oracle", 1, 8.0)]
    gd_rows = [
        {"model": "m [none]", "variant": "neutral", "task": "combined", "n_blocks": "all",
         "gd": 0.9, "ci_low": 0.8, "ci_high": 1.0},
        {"model": "m [none]", "variant": "neutral", "task": "combined", "n_blocks": 3,
         "gd": 0.1, "ci_low": 0.0, "ci_high": 0.2},
        {"model": "m", "condition": "oracle", "variant": "neutral", "task": "combined",
         "n_blocks": "all", "gd": 0.7, "ci_low": 0.6, "ci_high": 0.8},
    ]  # fmt: skip
    rows = {r["condition"]: r for r in condition_summary(records, gd_rows=gd_rows)["conditions"]}
    assert (rows["none"]["gd"], rows["none"]["gd_ci_low"]) == (0.9, 0.8)
    assert rows["oracle"]["gd"] == 0.7 and rows["oracle"]["task"] == "combined"
    assert "gd" not in condition_summary(records)["conditions"][0]


def test_no_baseline_and_no_records() -> None:
    summary = condition_summary([_record("oracle", 1, 8.0)])
    assert summary["conditions"][0]["diff_vs_baseline"] is None
    assert any("baseline" in m for m in summary["messages"])
    assert condition_summary([]) == {
        "baseline": "none",
        "conditions": [],
        "by_user": [],
        "messages": [],
    }
    with pytest.raises(ValueError, match="n_resamples"):
        condition_summary([], n_resamples=0)


def test_bundled_scenario_validates() -> None:
    scenario = load_scenario(SCENARIO)
    assert scenario.personalization is not None
    assert scenario.personalization.conditions[0] == "none"
    assert {"oracle", "placebo"} <= set(scenario.personalization.conditions)


def test_bundled_scenario_runs_end_to_end_with_a_per_condition_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(SCENARIO.read_text())
    data["seeds"] = {"start": 10, "count": 3}  # the bundled file, fewer seeds (3: enough
    # subtask episodes per condition for the capabilities behind GD)
    path = tmp_path / "personalized_agents.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "run"
    code = run_cli(["run", str(path), "--out", str(out), "--no-progress"])
    assert code == 0, capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["episodes"]["errors"] == 0
    conditions = data["personalization"]["conditions"]
    users = {"combined": 0, "personalized_message": 0}
    for entry in data["envs"]:
        if isinstance(entry, dict):
            users["combined" if "Blocksworld" in entry["id"] else "personalized_message"] += 1
    assert min(users.values()) >= 6
    rows = summary["personalization"]["conditions"]
    for task, n_users in users.items():
        mine = [r for r in rows if r["task"] == task]
        assert [r["condition"] for r in mine] == conditions
        for row in mine:
            assert row["n_episodes"] == n_users * 3
            assert row["user_reward"] is not None and row["ci_low"] <= row["ci_high"]
    by = {r["condition"]: r for r in rows if r["task"] == "combined"}
    assert by["oracle"]["user_reward"] > by["none"]["user_reward"]
    assert by["oracle"]["precision"] == 1.0 and by["oracle"]["recall"] == 1.0
    assert by["oracle"]["diff_vs_baseline"] > 0
    assert by["oracle"]["n_pairs"] == users["combined"] * 3
    # goal-directedness per condition: the plain oracle (no hypotheses) uses its capabilities
    # fully; adapting to frugal users (fewer measurements) gives up some task GD
    assert by["none"]["gd"] is not None and by["oracle"]["gd"] is not None
    assert by["none"]["gd"] >= by["oracle"]["gd"]
    records = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]
    assert {r["condition"] for r in records} == set(conditions)
    markdown = (out / "report.md").read_text()
    assert "Personalization" in markdown and "inferred:24" in markdown


def test_a_bad_condition_fails_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(SCENARIO.read_text())
    data["personalization"]["conditions"] = ["none", "oracel"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = tmp_path / "run"
    code = run_cli(["run", str(path), "--out", str(out), "--no-progress"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "personalization" in err and "Did you mean 'oracle'" in err
    assert not (out / "episodes.jsonl").exists()
