"""The report's honesty notes: plumbing label, lost pairs, identical conditions."""

from __future__ import annotations

from personalization.hyperalign._report_notes import annotate_effects, plumbing_note


def _rec(model: str, condition: str, seed: int, text: str | None) -> dict:
    info = {"user": "u", "prompt_id": f"p{seed}"}
    if text is not None:
        info["text"] = text
    rec = {"model": model, "variant": "neutral", "condition": condition, "seed": seed,
           "completed": text is not None, "info": info, "env_kwargs": {"user": "u"}}  # fmt: skip
    if text is None:
        rec.update(stop_reason="error", errors=[{"kind": "PersonalizationError", "message": "x"}])
    return rec


def test_plumbing_note_only_for_all_scripted_runs() -> None:
    assert plumbing_note([_rec("scripted:generic", "none", 0, "t")]).startswith("Plumbing check")
    assert (
        plumbing_note([_rec("scripted:generic", "none", 0, "t"), _rec("openai:x", "none", 0, "t")])
        is None
    )


def test_identical_condition_loses_its_effect_and_lost_pairs_are_counted() -> None:
    records = [_rec("m", "none", s, f"t{s}") for s in range(3)]
    records += [_rec("m", "generic", s, f"t{s}") for s in range(3)]
    records += [_rec("m", "hypotheses", s, "new" if s else None) for s in range(3)]
    rows = [
        {"model": "m", "condition": "none"},
        {"model": "m", "condition": "generic", "diff_vs_baseline": 0.0, "diff_ci_low": 0.0},
        {"model": "m", "condition": "hypotheses", "diff_vs_baseline": 0.2},
    ]
    messages = annotate_effects(rows, records, "none", ["none", "hypotheses", "generic"])
    assert rows[1]["diff_vs_baseline"] is None and rows[1]["identical_to"] == "none"
    assert rows[2]["diff_vs_baseline"] == 0.2 and "identical_to" not in rows[2]
    assert rows[2]["lost_pairs"] == 1 and "PersonalizationError" in rows[2]["lost_why"]
    assert rows[1]["lost_pairs"] == 0 and rows[1]["lost_why"] is None
    assert (
        len(messages) == 1 and "`generic` produced exactly the same text as `none`" in messages[0]
    )
