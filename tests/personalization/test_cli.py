"""The ``telic hypotheses infer`` body and saving/loading hypothesis sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hyperalign_fakes import fixed

from personalization import (
    PersonalizationError,
    PersonalizationNameError,
    infer_hypotheses_cli,
    load_hypotheses,
)
from personalization.toolkit import infer_hypotheses_for_file


def test_offline_on_a_user_file_prints_and_saves(fixtures: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    out = tmp_path / "h.json"
    code = infer_hypotheses_cli(fixtures / "users.jsonl", out=out, n=4, echo=lines.append)
    assert code == 0
    sets = load_hypotheses(out)
    assert [s.user_id for s in sets] == ["pat", "lou"]
    assert all(s.provenance.method == "offline_stylometry" for s in sets)
    assert sets == infer_hypotheses_for_file(fixtures / "users.jsonl", n=4)
    text = "\n".join(lines)
    assert "User pat:" in text and "evidence:" in text and str(out) in text
    assert json.loads(out.read_text())["format_version"] == 1


def test_without_out_it_only_prints(fixtures: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    lines: list[str] = []
    assert infer_hypotheses_cli("synthetic:edie", model=None, out=None, echo=lines.append) == 0
    assert lines[0].startswith("User edie:") and not list(tmp_path.iterdir())
    with pytest.raises(PersonalizationNameError, match="Did you mean 'edie'"):
        infer_hypotheses_cli("synthetic:edi", echo=None)


def test_model_spec_needs_a_factory_and_uses_it(fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(PersonalizationError, match=r"make_model=agents\.make_model"):
        infer_hypotheses_cli(fixtures / "users.jsonl", model="openai:gpt-4o-mini", echo=None)
    reply = '1. [writing_style] Terse. Evidence: "Water early."'
    made: list[str] = []

    def factory(spec: str):
        made.append(spec)
        return fixed(reply)

    sets = infer_hypotheses_for_file(
        fixtures / "users.jsonl", "openai:gpt-4o-mini", user="pat", make_model=factory
    )
    assert made == ["openai:gpt-4o-mini"]
    assert sets[0].statements() == ["Terse."]
    assert sets[0].provenance.model == "openai:gpt-4o-mini"
    out = tmp_path / "x.json"
    assert (
        infer_hypotheses_cli(
            fixtures / "users.jsonl", "openai:x", out, user="pat", make_model=factory, echo=None
        )
        == 0
    )
    assert load_hypotheses(out)[0].statements() == ["Terse."]
    with pytest.raises(PersonalizationNameError, match="Did you mean 'pat'"):
        infer_hypotheses_for_file(fixtures / "users.jsonl", user="pa")


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_hypotheses(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(PersonalizationError, match="not a hypotheses file"):
        load_hypotheses(bad)
