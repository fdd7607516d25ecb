"""The report's layout: every varying key kept apart, the answer first, readable tables,
plots as SVG and PNG, transcripts as separate pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scenarios import build_report
from scenarios.cli import run_cli

CE_ENVS = [
    "telic/CognitiveEffort-v0",
    "telic/GenerateConfigurations-v0",
    "telic/EvaluateConfiguration-v0",
    "telic/PickConfiguration-v0",
]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    path = folder / "mixed.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "mixed",
                "models": ["scripted:oracle"],
                "envs": CE_ENVS,
                "n_blocks": [3],
                "protocols": ["tags", "tools"],
                "seeds": [1, 2, 3, 4],
                "analysis": {"mc_iterations": 200, "n_resamples": 200},
            }
        )
    )
    out = folder / "out"
    assert run_cli(["run", str(path), "--out", str(out), "--no-report"]) == 0
    build_report(out)
    return out


def test_protocols_are_never_pooled(mixed: Path) -> None:
    summary = build_report(mixed).summary
    gd = summary["analysis"]["gd"]
    assert {r["model"] for r in gd} == {"scripted:oracle [tags]", "scripted:oracle [tools]"}
    markdown = (mixed / "report.md").read_text()
    headline = markdown.split("## Summary: goal-directedness per model and task")[1]
    headline = headline.split("\n## ")[0]
    rows = [line for line in headline.splitlines() if line.startswith("| scripted:oracle")]
    assert len(rows) == 2 and "[tags]" in rows[0] and "[tools]" in rows[1]
    assert "GD 1.00 [" in rows[0] and "100% done" in rows[0]


def test_the_answer_comes_first_and_headers_are_readable(mixed: Path) -> None:
    markdown = (mixed / "report.md").read_text()
    sections = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert sections[0].startswith("## Summary: goal-directedness")
    gd_table = markdown.split("## Goal-directedness")[1].split("\n## ")[0]
    header = next(line for line in gd_table.splitlines() if line.startswith("| model"))
    assert "mean regret" in header and "completion rate" in header
    assert "variant" not in header and "blocks" not in header  # one value each: no column
    # one n only: the pooled row would repeat it
    assert gd_table.count("| scripted:oracle [tags] |") == 1
    usage = markdown.split("## Completion, regret and usage")[1].split("\n## ")[0]
    assert "invalid actions (share of steps)" in usage and "invalid_action_rate" not in usage


def test_plots_as_png_and_svg_with_one_panel_for_one_n(mixed: Path) -> None:
    plots = mixed / "plots"
    for name in ("gd", "regret_vs_gd"):
        assert (plots / f"{name}.png").stat().st_size > 0
        svg = (plots / f"{name}.svg").read_text()
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    gd = (plots / "gd.svg").read_text()
    assert "n_blocks = 3" in gd and "pooled" not in gd


def test_episode_list_shows_the_protocol_and_links_transcripts(mixed: Path) -> None:
    page = (mixed / "report.html").read_text()
    episodes = page.split("<h2>Episodes (32)</h2>")[1]
    assert "<th>protocol</th>" in episodes and "<th>variant</th>" not in episodes
    assert page.count('<tr class="episode"') == 32
    pages = list((mixed / "transcripts").glob("*.html"))
    assert len(pages) == 32
    assert "back to the report" in pages[0].read_text()
