"""``infer_hypotheses_cli`` and saving/loading hypothesis sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hyperalign_fakes import fixed

from personalization import (
    PersonalizationError,
    UnknownNameError,
    infer_hypotheses_cli,
    load_hypotheses,
)


def test_offline_on_a_user_file_prints_and_saves(fixtures: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    out = tmp_path / "h.json"
    sets = infer_hypotheses_cli(fixtures / "users.jsonl", out=out, n=4, echo=lines.append)
    assert [s.user_id for s in sets] == ["pat", "lou"]
    assert all(s.provenance.method == "offline_stylometry" for s in sets)
    assert load_hypotheses(out) == sets
    text = "\n".join(lines)
    assert "User pat:" in text and "evidence:" in text and str(out) in text
    assert json.loads(out.read_text())["format_version"] == 1


def test_bundled_user_and_default_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sets = infer_hypotheses_cli("synthetic:edie", echo=None)
    assert [s.user_id for s in sets] == ["edie"] and (tmp_path / "hypotheses.json").is_file()
    with pytest.raises(UnknownNameError, match="Did you mean 'edie'"):
        infer_hypotheses_cli("synthetic:edi", echo=None)


def test_model_spec_needs_a_factory_and_uses_it(fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(PersonalizationError, match=r"make_model=agents\.make_model"):
        infer_hypotheses_cli(fixtures / "users.jsonl", "openai:gpt-4o-mini", tmp_path / "x.json")
    reply = '1. [writing_style] Terse. Evidence: "Water early."'
    made: list[str] = []

    def factory(spec: str):
        made.append(spec)
        return fixed(reply)

    sets = infer_hypotheses_cli(
        fixtures / "users.jsonl",
        "openai:gpt-4o-mini",
        tmp_path / "x.json",
        user="pat",
        make_model=factory,
        echo=None,
    )
    assert made == ["openai:gpt-4o-mini"]
    assert sets[0].statements() == ["Terse."]
    assert sets[0].provenance.model == "openai:gpt-4o-mini"
    with pytest.raises(UnknownNameError, match="Did you mean 'pat'"):
        infer_hypotheses_cli(fixtures / "users.jsonl", user="pa", echo=None, out=tmp_path / "y")


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_hypotheses(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(PersonalizationError, match="not a hypotheses file"):
        load_hypotheses(bad)
