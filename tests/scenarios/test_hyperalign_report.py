"""HyPerAlign conditions in scenario runs: blocks reach the agent, the report compares them."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import envs
from envs import PolicyAction
from scenarios import build_report, run_scenario

WRITING = "telic/PersonalizedWriting-v0"
DELIBERATIVE = "telic/DeliberativeAlignment-v0"
USERS = ("ravi", "rosalind")


class _AlwaysA:
    """A judge that always prefers the text shown first (so both orders split: a tie)."""

    def handles(self, observations: Any) -> bool:
        return True

    def act(self, observations: Any, rng: np.random.Generator) -> PolicyAction:
        return PolicyAction(name="answer", args={}, text="A")


envs.register_policy("test_always_a", lambda **_: _AlwaysA(), doc="judge answering 'A'")


def _writing_scenario(folder: Path, judges: list[str]) -> Path:
    data = {
        "name": "hya_small",
        "models": ["scripted:generic"],
        "envs": [{"id": WRITING, "kwargs": {"user": u, "prompt_choice": "seed"}} for u in USERS],
        "seeds": [0, 1],
        "protocol": "tags",
        "personalization": {
            "users": "synthetic",
            "conditions": ["none", "hypotheses", "swap"],
            "inferer": "offline",
            "n_hypotheses": 8,
            "n_train": 7,
            "compare": {"candidate": "hypotheses", "baseline": "none"},
            "judges": judges,
        },
        "analysis": {"gd": False, "win_rates": True, "n_resamples": 200},
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _run(path: Path, out: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    stats = run_scenario(path, out)
    assert stats.errors == 0
    build_report(out)
    records = [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]
    summary = json.loads((out / "summary.json").read_text())
    return records, summary


def _system(record: dict[str, Any]) -> str:
    return next(m["content"] for m in record["transcript"] if m["role"] == "system")


@pytest.fixture(scope="module")
def writing_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, dict, Path]:
    folder = tmp_path_factory.mktemp("hya")
    out = folder / "out"
    records, summary = _run(_writing_scenario(folder, ["scripted:test_always_a"]), out)
    return records, summary, out


def test_conditions_reach_the_system_prompt(writing_run: tuple[list, dict, Path]) -> None:
    records, _, _ = writing_run
    assert len(records) == 2 * 2 * 3
    by = {(r["env_kwargs"]["user"], r["seed"], r["condition"]): r for r in records}
    for user in USERS:
        for seed in (0, 1):
            prompts = {c: _system(by[(user, seed, c)]) for c in ("none", "hypotheses", "swap")}
            assert len(set(prompts.values())) == 3
            details = {c: by[(user, seed, c)]["extra"]["personalization"] for c in prompts}
            own, swapped = details["hypotheses"], details["swap"]
            assert own["source_user"] == user and own["hypotheses"]
            assert own["provenance"]["method"] == "offline_stylometry"
            for h in own["hypotheses"]:
                assert h["statement"] in prompts["hypotheses"]
                assert h["statement"] not in prompts["none"]
                assert h["evidence"] and h["category"]
            assert swapped["source_user"] != user
            assert any(h["statement"] in prompts["swap"] for h in swapped["hypotheses"])
            assert details["none"]["hypotheses"] == []


def test_summary_has_per_condition_rewards_and_paired_differences(
    writing_run: tuple[list, dict, Path],
) -> None:
    records, summary, out = writing_run
    personal = summary["personalization"]
    assert personal["kind"] == "hyperalign"
    rows = {r["condition"]: r for r in personal["writing"]}
    assert set(rows) == {"none", "hypotheses", "swap"}
    for condition, row in rows.items():
        rewards = [r["return"] for r in records if r["condition"] == condition]
        assert row["n"] == 4
        assert row["mean_reward"] == pytest.approx(sum(rewards) / len(rewards))
        assert row["ci_low"] <= row["mean_reward"] <= row["ci_high"]
    base = {
        (r["env_kwargs"]["user"], r["seed"]): r["return"]
        for r in records
        if r["condition"] == "none"
    }
    hyp = [r for r in records if r["condition"] == "hypotheses"]
    diffs = [r["return"] - base[(r["env_kwargs"]["user"], r["seed"])] for r in hyp]
    assert rows["hypotheses"]["n_pairs"] == 4
    # scripted:generic ignores the block, so the texts (and rewards) are those of `none`: the
    # report names the identical condition instead of printing an effect of zero
    assert diffs == [0.0] * 4
    assert rows["hypotheses"]["diff_vs_baseline"] is None
    assert rows["hypotheses"]["identical_to"] == "none"
    assert "diff_vs_baseline" not in rows["none"]
    users = {h["user"] for h in personal["hypotheses"]}
    assert users == set(USERS)
    assert "not computed" not in " ".join(summary["messages"])
    assert "Authorship reward per condition" in (out / "report.md").read_text()


def test_judge_in_both_orders_makes_every_item_a_tie(writing_run: tuple[list, dict, Path]) -> None:
    _, summary, _ = writing_run
    (report,) = summary["personalization"]["win_rates"]
    combined = report["combined"]
    assert report["n_items"] == 4
    assert combined["ties"] == 4 and combined["wins"] == 0 and combined["losses"] == 0
    assert combined["win_rate"] == pytest.approx(0.5)
    assert report["per_judge"]["scripted:test_always_a"]["win_rate"] == pytest.approx(0.5)


def test_model_text_is_escaped_in_the_html(writing_run: tuple[list, dict, Path]) -> None:
    _, summary, out = writing_run
    page = (out / "report.html").read_text()
    assert "Hypotheses given to the agents" in page
    statement = summary["personalization"]["hypotheses"][0]["statement"]
    assert html.escape(statement, quote=True) in page


def test_win_rates_without_judges_say_so(tmp_path: Path) -> None:
    _, summary = _run(_writing_scenario(tmp_path, []), tmp_path / "out")
    assert summary["personalization"]["win_rates"] is None
    assert any("personalization.judges" in m for m in summary["messages"])


def test_deliberative_conditions_and_report(tmp_path: Path) -> None:
    data = {
        "name": "hyd_small",
        "models": ["scripted:generic", "scripted:refuse"],
        "envs": [
            {"id": DELIBERATIVE, "kwargs": {"user": u, "prompt_choice": "seed"}}
            for u in ("kim", "ana")
        ],
        "seeds": [0, 1, 14, 15],
        "protocol": "tags",
        "personalization": {
            "users": "deliberative",
            "conditions": ["none", "hypotheses", "oracle", "swap"],
            "inferer": "offline",
            "n_hypotheses": 6,
            "compare": {"candidate": "hypotheses", "baseline": "none"},
        },
        "analysis": {"gd": False, "n_resamples": 200},
    }
    path = tmp_path / "d.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    records, summary = _run(path, tmp_path / "out")
    oracle = [r for r in records if r["condition"] == "oracle"]
    assert all(r["extra"]["personalization"]["provenance"]["method"] == "oracle" for r in oracle)
    assert all(r["extra"]["personalization"]["hypotheses"] for r in oracle)
    rows = summary["personalization"]["deliberative"]
    cells = {(r["model"], r["condition"]) for r in rows}
    assert cells == {
        (m, c)
        for m in ("scripted:generic", "scripted:refuse")
        for c in ("none", "hypotheses", "oracle", "swap")
    }
    for row in rows:
        for key in ("helpfulness_benign", "harm_harmful", "refusal_rate_harmful"):
            assert row[key] is not None
    refuse = next(r for r in rows if r["model"] == "scripted:refuse" and r["condition"] == "none")
    assert refuse["refusal_rate_harmful"] == 1.0
    # the scripted baselines ignore the block: every condition's answers are those of `none`,
    # so the report names the identical condition instead of a helpfulness change
    for r in rows:
        if r["condition"] != "none":
            assert r["identical_to"] == "none" and r["helpfulness_change_vs_baseline"] is None
