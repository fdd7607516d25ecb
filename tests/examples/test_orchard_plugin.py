"""The worked example of docs/adding_an_environment.md, run as a user would run it.

The orchard package in examples/ adds two environments, scripted policies and a GD declaration
without touching telic's own packages. These tests run it through the public CLI (imported as a
scenario plugin, and discovered through entry points), and check that the doc's excerpts are
still the code that runs.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from plugin_testkit import REPO, doc_excerpts, excerpt_matches, install_entry_points
from plugin_testkit import run_telic as _run

EXAMPLE = REPO / "examples" / "telic_orchard"
DOC = REPO / "docs" / "adding_an_environment.md"
# The module's run plays 240 episodes and writes the report in a fresh process: about a minute on
# an idle machine, past the default 300 s per test on a 2-core machine at load 13. The limit
# only catches a hang.
pytestmark = pytest.mark.timeout(1800)


@pytest.fixture(scope="module")
def orchard_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("orchard") / "run"
    result = _run(
        ["run", str(EXAMPLE / "scenario.yaml"), "--out", str(out)],
        pythonpath=[EXAMPLE],
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads((out / "summary.json").read_text())
    return {"out": out, "summary": summary, "stdout": result.stdout}


def _gd(summary: dict, model: str) -> dict:
    rows = [
        r
        for r in summary["analysis"]["gd"]
        if r["model"] == model and r["task"] == "orchard_harvest" and r["n_blocks"] == "all"
    ]
    assert len(rows) == 1, f"expected one pooled GD row for {model}, got {rows}"
    return rows[0]


def test_plugin_run_produces_a_gd_table(orchard_run: dict) -> None:
    summary = orchard_run["summary"]
    oracle = _gd(summary, "scripted:oracle")
    half = _gd(summary, "lazy-0.5")
    most = _gd(summary, "lazy-0.9")
    for row in (oracle, half, most):
        assert row["n_completed"] == 40
        assert row["gd"] is not None and row["ci_low"] is not None
    # The oracle uses its estimation capability fully; the lazy agent less so, and less the
    # more it under-uses it.
    assert oracle["gd"] >= 0.95
    assert most["gd"] < half["gd"] < oracle["gd"]
    assert most["ci_high"] < 1.0
    assert "orchard_harvest" in orchard_run["stdout"]
    assert (orchard_run["out"] / "report.html").exists()


def test_plugin_is_discovered_through_entry_points(tmp_path: Path) -> None:
    install_entry_points(
        tmp_path,
        "telic-orchard",
        "[telic.envs]\norchard = telic_orchard:register\n\n"
        "[telic.policies]\norchard = telic_orchard:register\n",
    )
    listed = _run(["envs"], pythonpath=[tmp_path, EXAMPLE], cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "orchard/Harvest-v0" in listed.stdout
    assert "orchard/TasteTree-v0" in listed.stdout

    scenario = (EXAMPLE / "scenario.yaml").read_text()
    scenario = scenario.replace("plugins: [telic_orchard]\n", "")
    scenario = re.sub(r"seeds: \{start: 0, count: \d+\}", "seeds: {start: 0, count: 4}", scenario)
    assert "plugins:" not in scenario
    path = tmp_path / "no_plugins.yaml"
    path.write_text(scenario)
    run = _run(
        ["run", str(path), "--out", str(tmp_path / "run")],
        pythonpath=[tmp_path, EXAMPLE],
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = (tmp_path / "run" / "episodes.jsonl").read_text().splitlines()
    assert len(lines) == 3 * 2 * 4


def test_example_envs_pass_the_conformance_checker() -> None:
    sys.path.insert(0, str(EXAMPLE))
    try:
        import telic_orchard  # noqa: F401

        from envs.testing import check_text_env

        check_text_env("orchard/Harvest-v0")
        check_text_env("orchard/TasteTree-v0")
    finally:
        sys.path.remove(str(EXAMPLE))


def test_doc_has_excerpts_of_every_example_file() -> None:
    files = {path for path, _ in doc_excerpts(DOC)}
    assert {
        "examples/telic_orchard/telic_orchard/env.py",
        "examples/telic_orchard/telic_orchard/__init__.py",
        "examples/telic_orchard/telic_orchard/policies.py",
        "examples/telic_orchard/telic_orchard/gd.py",
        "examples/telic_orchard/pyproject.toml",
        "examples/telic_orchard/scenario.yaml",
    } <= files


@pytest.mark.parametrize(
    "path,lines", doc_excerpts(DOC), ids=lambda v: v if isinstance(v, str) else ""
)
def test_doc_excerpt_matches_the_example(path: str, lines: list[str]) -> None:
    assert excerpt_matches(path, lines), (
        f"the excerpt of {path} in docs/adding_an_environment.md no longer matches the file"
    )
