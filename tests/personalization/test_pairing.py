"""Lost pairs and identical conditions in paired comparisons."""

from __future__ import annotations

from personalization.hyperalign._pairing import identical_conditions, identical_to, lost_pairs


def _rec(condition: str, seed: int, text: str | None, **extra: object) -> dict:
    info = {"user": "u", "prompt_id": f"p{seed}"}
    extra = {"env_id": "telic/PersonalizedWriting-v0", "env_kwargs": {"user": "u"}, **extra}
    if text is not None:
        info["text"] = text
    return {
        "model": "m",
        "variant": "neutral",
        "condition": condition,
        "seed": seed,
        "completed": text is not None,
        "info": info,
        **extra,
    }


def test_identical_conditions_are_found_and_differing_ones_not() -> None:
    records = [_rec("none", s, f"t{s}") for s in range(3)]
    records += [_rec("generic", s, f"t{s}") for s in range(3)]
    records += [_rec("hypotheses", s, f"t{s}" if s else "other") for s in range(3)]
    found = identical_conditions(records, ["none", "hypotheses", "generic"])
    assert [(f.condition, f.same_as, f.n_pairs) for f in found] == [("generic", "none", 3)]
    assert "exactly the same text as `none` in all 3 paired episodes" in found[0].message()
    assert set(identical_to(records, ["none"])) == {("m", "generic")}


def test_lost_pairs_name_the_side_and_the_reason() -> None:
    error = {
        "stop_reason": "error",
        "errors": [{"kind": "PersonalizationError", "message": "no grounded hypotheses"}],
    }
    records = [_rec("none", s, "b") for s in range(3)]
    records += [_rec("hypotheses", 0, "x"), _rec("hypotheses", 1, None, **error)]
    records += [_rec("swap", s, "y") for s in range(3)]
    records[2] = _rec("none", 2, None, stop_reason="truncated")
    lost = lost_pairs(records, "none")
    assert lost[("m", "hypotheses")] == {
        "error: PersonalizationError: no grounded hypotheses": 1,
        "no episode of this condition": 1,
    }
    assert lost[("m", "swap")] == {"baseline: no text (truncated)": 1}
