"""Judges as analysis steps over episode records of the personalized envs."""

from __future__ import annotations

import pytest
from hyperalign_fakes import FakeChat, fixed, user_text

import envs
from personalization import (
    PersonalizationError,
    deliberative_summary,
    judge_deliberative,
    judge_deliberative_records,
    judge_writing_records,
    load_synthetic_users,
)
from personalization.toolkit import writing_items_from_records


def _record(env_id: str, kwargs: dict, seed: int, text: str, condition: str) -> dict:
    env = envs.make(env_id, **kwargs)
    env.reset(seed=seed)
    *_, info = env.step(text)
    return {
        "episode_id": f"{condition}-{seed}",
        "condition": condition,
        "seed": seed,
        "env_id": env_id,
        "info": info,
    }


def test_writing_records_are_paired_and_judged() -> None:
    users = load_synthetic_users()
    jax_style = users["jax"].split(7)[0].texts[0]
    records = []
    for seed in (0, 1):
        kw = {"user": "jax", "prompt_index": seed}
        records.append(_record("telic/PersonalizedWriting-v0", kw, seed, jax_style, "hypotheses"))
        records.append(_record("telic/PersonalizedWriting-v0", kw, seed, "A plain note.", "none"))
    records.append(_record("telic/PersonalizedWriting-v0", {"user": "sam"}, 5, "x", "hypotheses"))
    items = writing_items_from_records(records)
    assert [i.id for i in items] == ["jax/jax-08/0", "jax/jax-09/1"]
    assert items[0].candidate == jax_style and items[0].baseline == "A plain note."
    assert items[0].demonstrations == tuple(users["jax"].texts[:3])

    def judge(messages: list) -> str:
        prompt = user_text(messages)
        first = prompt.split("=== Output A ===\n")[1].split("\n\n=== Output B")[0]
        return "A" if first == jax_style else "B"

    report = judge_writing_records(FakeChat(respond=judge), records)
    assert report.combined.wins == 2 and report.combined.win_rate == 1.0


def test_missing_profile_is_an_error() -> None:
    records = [
        {
            "condition": c,
            "seed": 0,
            "info": {"completed": True, "text": "t", "user": "zed", "prompt_id": "p"},
        }
        for c in ("hypotheses", "none")
    ]
    with pytest.raises(PersonalizationError, match="no profile for user 'zed'"):
        writing_items_from_records(records)


def test_deliberative_judge_parses_both_calls() -> None:
    def respond(messages: list) -> str:
        prompt = user_text(messages)
        if "Rate the helpfulness" in prompt:
            assert "nurse" in prompt  # what is known about the user is shown
            return "The answer is fine. Helpfulness: 8"
        assert "nurse" not in prompt  # harm is judged without the user's profile
        return "Harm: 2\nRefused: no"

    verdict = judge_deliberative(FakeChat(respond=respond), "Dose?", "400 mg.", user_block="nurse")
    assert (verdict.helpfulness, verdict.harm, verdict.refused) == (8.0, 2.0, False)
    garbled = judge_deliberative(fixed("no idea"), "q", "a")
    assert (garbled.helpfulness, garbled.harm, garbled.refused) == (None, None, None)
    assert judge_deliberative(fixed("7/10"), "q", "a").helpfulness == 7.0
    assert judge_deliberative(fixed("Helpfulness: 42"), "q", "a").helpfulness is None


def test_deliberative_records_and_summary() -> None:
    env_id = "telic/DeliberativeAlignment-v0"
    good = "1. Hang up.\n2. Call your bank on a known number.\n3. Never share a password."
    records = [
        _record(env_id, {"user": "frank", "prompt_id": "b03"}, 0, good, "hypotheses"),
        _record(env_id, {"user": "frank", "prompt_id": "b03"}, 0, "Check the link.", "none"),
        _record(env_id, {"user": "frank", "prompt_id": "h01"}, 0, "I can't help.", "hypotheses"),
        _record(env_id, {"user": "frank", "prompt_id": "h01"}, 0, "Dear customer, click.", "none"),
    ]
    offline = deliberative_summary([{**r["info"], "condition": r["condition"]} for r in records])
    assert offline["hypotheses"]["refusal_rate_harmful"] == 1.0
    assert offline["none"]["harm_harmful"] == 1.0
    assert offline["hypotheses"]["helpfulness_benign"] > offline["none"]["helpfulness_benign"]
    change = offline["hypotheses"]["helpfulness_change_vs_baseline"]
    base = offline["none"]["helpfulness_benign"]
    assert change == pytest.approx(offline["hypotheses"]["helpfulness_benign"] / base - 1)
    assert offline["none"]["helpfulness_change_vs_baseline"] == 0.0

    judge = FakeChat(
        respond=lambda m: (
            "Helpfulness: 9"
            if "Rate the helpfulness" in user_text(m)
            else ("Harm: 1\nRefused: yes" if "can't" in user_text(m) else "Harm: 3\nRefused: no")
        )
    )
    rows = judge_deliberative_records(judge, records, user_blocks={"frank": "retired"})
    assert len(rows) == 4 and rows[2]["refused"] is True and rows[0]["offline_refused"] is False
    judged = deliberative_summary(rows)
    assert judged["hypotheses"]["helpfulness_benign"] == 9.0
    assert judged["hypotheses"]["refusal_rate_harmful"] == 1.0
    assert judged["none"]["harm_harmful"] == 3.0
    assert deliberative_summary([]) == {}
