"""A scenario run on a DITTO-protocol corpus carries its split: manifest, records and report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from corpus_layouts import ccat50_layout, cmcc_layout

from personalization.hyperalign import ditto_ccat50, ditto_cmcc, write_split
from scenarios import OutputFolderError, build_report, run_scenario
from scenarios.cli import run_cli

WRITING = "telic/PersonalizedWriting-v1"


def _corpus(tmp_path: Path, protocol: str, seed: int = 0) -> tuple[Path, Path, list[str]]:
    """A split corpus of three authors written by ``write_split``: (users JSONL, split record,
    the two authors the scenario runs)."""
    if protocol == "ditto_cmcc":
        root = tmp_path / "cmcc"
        if not root.exists():
            cmcc_layout(root, n_authors=4)
        authors = ["S1", "S2"]  # the run's users; S3 is the offline inferer's third reference
        profiles, record = ditto_cmcc(root, seed=seed, authors=["S1", "S2", "S3"])
    else:
        root = tmp_path / "ccat50"
        if not root.exists():
            ccat50_layout(root, n_authors=3)
        authors = ["Author0", "Author1"]
        profiles, record = ditto_ccat50(root, seed=seed)
    users, split = write_split(profiles, record, tmp_path / "data" / f"{protocol}.jsonl")
    return users, split, authors


def _scenario(tmp_path: Path, corpus: Path, authors: list[str]) -> Path:
    data = {
        "name": "split_run",
        "models": ["scripted:style_writer"],
        "envs": [
            {"id": WRITING, "kwargs": {"user": a, "corpus": str(corpus), "prompt_choice": "seed"}}
            for a in authors
        ],
        "seeds": [0, 1],
        "protocol": "tags",
        "personalization": {
            "users": str(corpus),
            "conditions": ["none", "few_shot"],
            "inferer": "offline",
            "n_train": 7,
            "compare": {"candidate": "few_shot", "baseline": "none"},
        },
        "analysis": {"gd": False, "n_resamples": 100},
    }
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _records(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("protocol", ["ditto_cmcc", "ditto_ccat50"])
def test_run_records_the_split(
    tmp_path: Path, protocol: str, capsys: pytest.CaptureFixture[str]
) -> None:
    users, split_file, authors = _corpus(tmp_path, protocol)
    out = tmp_path / "out"
    stats = run_scenario(_scenario(tmp_path, users, authors), out)
    assert stats.errors == 0 and stats.finished == 8

    manifest = json.loads((out / "manifest.json").read_text())
    (entry,) = manifest["splits"]
    saved = json.loads(split_file.read_text())
    assert entry["record"] == saved  # the whole split file: sizes, note, every text's split
    assert entry["name"] == protocol and entry["seed"] == 0
    assert entry["corpus"] == str(users) and entry["record_file"] == str(split_file)
    assert entry["env_ids"] == [WRITING]
    assert "telic's own seeded shuffle" in entry["record"]["note"]
    assert len(entry["record"]["splits"]) == 3

    # every record names the split it was played on
    for record in _records(out):
        assert record["extra"]["split"] == {
            "name": protocol,
            "seed": 0,
            "digest": entry["digest"],
        }
        # the prompt the episode wrote for is one of the user's test texts in the split
        test_ids = saved["splits"][record["env_kwargs"]["user"]]["test"]
        assert record["info"]["prompt_id"] in test_ids

    assert run_cli(["report", str(out)]) == 0
    printed = capsys.readouterr().out
    line = next(x for x in printed.splitlines() if x.startswith("Split: "))
    assert line.startswith(f"Split: {protocol}, seed 0, 7 demonstrations per user (train ")
    assert entry["digest"] in line and "telic's own seeded shuffle" in line
    summary = json.loads((out / "summary.json").read_text())
    (short,) = summary["scenario"]["splits"]
    assert short["sizes"] == saved["sizes"] and short["digest"] == entry["digest"]
    assert line in (out / "report.md").read_text()


def test_resume_on_another_split_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    users, _, authors = _corpus(tmp_path, "ditto_cmcc")
    scenario = _scenario(tmp_path, users, authors)
    out = tmp_path / "out"
    run_scenario(scenario, out)
    before = (out / "episodes.jsonl").read_bytes()
    recorded = json.loads((out / "manifest.json").read_text())["splits"][0]["digest"]

    # the same split again: resuming is fine and keeps the record
    assert run_cli(["run", str(scenario), "--out", str(out), "--resume"]) == 0
    capsys.readouterr()

    _corpus(tmp_path, "ditto_cmcc", seed=1)  # the split file now holds another split
    code = run_cli(["run", str(scenario), "--out", str(out), "--resume"])
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err
    assert "mix two splits" in lines[0] and recorded in lines[0]
    assert "ditto_cmcc seed 0" in lines[0] and "ditto_cmcc seed 1" in lines[0]
    assert (out / "episodes.jsonl").read_bytes() == before
    with pytest.raises(OutputFolderError, match="mix two splits"):
        run_scenario(scenario, out, resume=True)

    (users.with_suffix(".split.json")).unlink()  # no split record at all: also not the same
    with pytest.raises(OutputFolderError, match="now has no split record"):
        run_scenario(scenario, out, resume=True)


def test_corpus_that_does_not_match_its_split_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    users, _, authors = _corpus(tmp_path, "ditto_cmcc")
    rows = users.read_text().splitlines()
    users.write_text("\n".join(rows[:-1]) + "\n")  # one test text of the last user dropped
    scenario = _scenario(tmp_path, users, authors)
    out = tmp_path / "out"
    code = run_cli(["run", str(scenario), "--out", str(out)])
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1, err
    assert "does not match its split record" in lines[0] and "write_split" in lines[0]
    assert not out.exists()


def test_run_without_a_split_records_none(tmp_path: Path) -> None:
    users, split_file, authors = _corpus(tmp_path, "ditto_cmcc")
    split_file.unlink()
    out = tmp_path / "out"
    run_scenario(_scenario(tmp_path, users, authors), out)
    assert json.loads((out / "manifest.json").read_text())["splits"] == []
    assert all("split" not in r["extra"] for r in _records(out))
    build_report(out)
    assert "Split:" not in (out / "report.md").read_text()
