"""External baselines: the JSONL loader, the win-rate table and the scripted end-to-end run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hyperalign_fakes import FakeChat, fixed

from personalization import (
    CandidateOutput,
    PersonalizationError,
    baseline_win_table,
    candidates_from_records,
    format_win_table,
    load_baseline_outputs,
    load_synthetic_users,
)


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    return path


def test_loader_keeps_the_first_sample_and_names_bad_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ditto.jsonl",
        [
            {"user": "a", "prompt_id": "p1", "text": "second", "sample": 1, "method": "ditto"},
            {"user": "a", "prompt_id": "p1", "text": "first", "sample": 0, "method": "ditto"},
            {"user": "b", "prompt_id": "p1", "text": "other", "method": "ditto"},
        ],
    )
    outputs = load_baseline_outputs(path)
    assert outputs.method == "ditto" and len(outputs) == 2 and outputs.duplicates == 1
    assert outputs.get("a", "p1").text == "first"  # type: ignore[union-attr]
    assert outputs.get("a", "p9") is None
    bad = _write(tmp_path / "bad.jsonl", [{"user": "a", "text": "x"}])
    with pytest.raises(PersonalizationError, match=r"bad\.jsonl line 1 lacks prompt_id"):
        load_baseline_outputs(bad)
    (tmp_path / "broken.jsonl").write_text('{"user": "a"\n', "utf-8")
    with pytest.raises(PersonalizationError, match="line 1 is not valid JSON"):
        load_baseline_outputs(tmp_path / "broken.jsonl")
    with pytest.raises(FileNotFoundError):
        load_baseline_outputs(tmp_path / "missing.jsonl")


def _judge_prefers(marker: str, name: str) -> FakeChat:
    """A judge that picks the output containing ``marker`` (``A`` when neither does)."""

    def respond(messages) -> str:
        text = str(messages[-1].content)
        a = text.split("=== Output A ===")[1].split("=== Output B ===")[0]
        b = text.split("=== Output B ===")[1]
        return "B" if marker in b and marker not in a else "A"

    return FakeChat(respond=respond, model_name=name)


def test_table_counts_wins_ties_lost_pairs_and_agreement(tmp_path: Path) -> None:
    baseline = load_baseline_outputs(
        _write(
            tmp_path / "b.jsonl",
            [{"user": "u", "prompt_id": f"p{i}", "text": f"baseline {i}"} for i in range(4)],
        )
    )
    cands = [
        CandidateOutput("u", "p0", "mine WIN", "hypotheses", "m"),
        CandidateOutput("u", "p1", "mine WIN", "hypotheses", "m"),
        CandidateOutput("u", "p2", "mine", "hypotheses", "m"),
        CandidateOutput("u", "p3", None, "hypotheses", "m", error="no grounded hypotheses"),
        CandidateOutput("u", "p9", "mine", "hypotheses", "m"),
    ]
    judges = {"j1": _judge_prefers("WIN", "j1"), "j2": _judge_prefers("mine", "j2")}
    table = baseline_win_table(judges, cands, baseline, {"u": ["demo"]}, n_resamples=200)
    (row,) = table.rows
    report = row.report
    assert report is not None
    # j1: two wins (both orders agree), p2 a split verdict (A both times) -> tie
    assert (report.per_judge["j1"].wins, report.per_judge["j1"].ties) == (2, 1)
    assert report.per_judge["j2"].wins == 3
    assert report.combined.win_rate == pytest.approx((1 + 1 + 0.75) / 3)
    assert report.agreement["percent"] == pytest.approx(2 / 3)
    assert row.lost == {
        "the condition produced no text (error episode): no grounded hypotheses": 1,
        "no baseline output for this user and prompt": 1,
    }
    text = format_win_table(table)
    assert "Win rate against b" in text and "CIs resample prompts" in text
    assert "| u | m | hypotheses | 3 | 91.7 |" not in text  # dataset column comes first
    assert "|  | m | hypotheses | 3 | 91.7 | [" in text
    assert "1 no baseline output" in text and "kappa" in text


def test_scripted_end_to_end_against_an_imported_baseline(tmp_path: Path) -> None:
    """Generate as two synthetic users with a scripted writer, import a baseline file, judge
    with the stylometric stand-in judge (a plumbing check) and print the table with CIs."""
    from agents import make_model
    from personalization import generate_as_user, infer_offline

    users = load_synthetic_users()
    rows, cands, demos = [], [], {}
    for uid in ("ravi", "rosalind"):
        train, test = users[uid].split(7)
        demos[uid] = [e.text for e in train.examples[:3]]
        hyps = infer_offline(train)
        for example in test:
            # the candidate copies the user's own demonstration style; the baseline is bland
            writer = fixed("Sure, here is the text:\n\n" + train.examples[0].text)
            text = generate_as_user(writer, train, example.prompt, hypotheses=hyps)
            cands.append(CandidateOutput(uid, str(example.id), text, "hypotheses", "scripted"))
            rows.append({"user": uid, "prompt_id": example.id, "text": "The text is here."})
    baseline = load_baseline_outputs(_write(tmp_path / "ditto.jsonl", rows), method="ditto")
    judge = make_model("scripted:stylometric_judge")
    table = baseline_win_table([judge], cands, baseline, demos, n_resamples=200)
    printed = format_win_table(table)
    (row,) = table.rows
    assert row.report is not None and row.report.combined.n == 6
    assert row.report.combined.win_rate == 1.0  # the user's own style beats the bland text
    assert "| ravi | 3 | 100.0 | [100.0, 100.0] |" in printed
    assert "Win rate against ditto" in printed


def test_candidates_from_records_keep_failures() -> None:
    records = [
        {"condition": "hypotheses", "model": "m", "env_kwargs": {"user": "u"},
         "info": {"completed": True, "user": "u", "prompt_id": "p", "text": "t"}},
        {"condition": "hypotheses", "model": "m", "env_kwargs": {"user": "u"},
         "info": {}, "stop_reason": "error",
         "errors": [{"kind": "PersonalizationError", "message": "no grounded hypotheses"}]},
    ]  # fmt: skip
    cands = candidates_from_records(records)
    assert [c.text for c in cands] == ["t", None]
    assert cands[1].error == "error: PersonalizationError: no grounded hypotheses"
    assert cands[1].user == "u"
