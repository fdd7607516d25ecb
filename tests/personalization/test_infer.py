"""LLM hypothesis inference with a fake model: prompt, parsing, evidence checks, provenance."""

from __future__ import annotations

import asyncio
import json

import pytest
from hyperalign_fakes import fixed, scripted, user_text

from personalization import (
    PersonalizationError,
    UserProfile,
    ainfer_hypotheses,
    build_inference_messages,
    infer_hypotheses,
)

PROFILE = UserProfile(
    id="ravi",
    examples=[
        (
            "Write an email about the deploy.",
            "Team,\n\nDeploy failed. Rolled back at 14:32.\n\n- R",
        ),
        ("Write a blog post about tools.", "Boring tech wins. Pick the boring option."),
        ("Write an email declining a meeting.", "Jo,\n\nCan't make Thursday. Option B.\n\n- R"),
    ],
)

RECORDED = """1. [writing_style] Writes very short sentences. Evidence: "Deploy failed."
2. [personality] Pragmatic and unsentimental. Evidence: "Pick the boring option."
3. [communication_strategy] Gives exact times. Evidence: "Rolled back at 2:32 pm."
4. [writing_style] Signs off with an initial. Evidence: "- R" and "Regards, Ravi"
5. [personality] Probably dislikes meetings.
"""


def test_evidence_is_checked_and_drops_are_counted() -> None:
    hset = infer_hypotheses(fixed(RECORDED, name="rec-model"), PROFILE, n=5)
    statements = hset.statements()
    assert statements == [
        "Writes very short sentences.",
        "Pragmatic and unsentimental.",
        "Signs off with an initial.",
    ]
    assert [h.id for h in hset.hypotheses] == ["H1", "H2", "H3"]
    assert hset.hypotheses[2].evidence == ("- R",)
    prov = hset.provenance
    assert prov.method == "llm" and prov.model == "rec-model"
    assert prov.n_parsed == 5
    # "2:32 pm" and "Regards, Ravi" are not in the texts
    assert prov.dropped_hallucinated_evidence == 2
    # H3 lost its only quote, H5 never had one
    assert prov.dropped_without_evidence == 2
    reasons = [r["reason"] for r in prov.notes["rejected"]]
    assert reasons == ["hallucinated evidence", "no evidence"]
    assert prov.example_indices == (0, 1, 2) and prov.calls == 1


def test_prompt_shows_k_examples_and_asks_for_n() -> None:
    model = fixed(RECORDED)
    infer_hypotheses(model, PROFILE, n=6, k=2)
    prompt = user_text(model.calls[0])
    assert "Propose 6 specific, testable hypotheses" in prompt
    assert "=== Text 2 ===" in prompt and "=== Text 3 ===" not in prompt
    assert "Option B" not in prompt
    assert "communication_strategy, personality, writing_style" in prompt


def test_evidence_only_counts_if_the_model_saw_it() -> None:
    reply = '1. [writing_style] Declines tersely. Evidence: "Can\'t make Thursday."'
    hidden = infer_hypotheses(fixed(reply), PROFILE, example_indices=[0, 1])
    assert len(hidden) == 0 and hidden.provenance.dropped_hallucinated_evidence == 1
    shown = infer_hypotheses(fixed(reply), PROFILE, example_indices=[2])
    assert len(shown) == 1 and shown.provenance.example_indices == (2,)


def test_json_output_and_missing_category_is_guessed() -> None:
    reply = json.dumps(
        [{"statement": "Prefers asynchronous review", "evidence": "Can't make Thursday"}]
    )
    hset = infer_hypotheses(fixed(reply), PROFILE)
    assert hset.hypotheses[0].category == "preference"


def test_oversampling_merges_duplicates_and_keeps_more() -> None:
    replies = [
        '1. Terse. Evidence: "Deploy failed."\n2. Pragmatic. Evidence: "Boring tech wins."',
        '1. terse.  Evidence: "Deploy failed."\n2. Uses initials. Evidence: "- R"',
    ]
    hset = infer_hypotheses(scripted(replies), PROFILE, n=2, calls=2)
    assert hset.statements() == ["Terse.", "Pragmatic.", "Uses initials."]
    assert hset.provenance.calls == 2


def test_more_than_n_grounded_hypotheses_are_cut_and_counted() -> None:
    reply = "\n".join(f'{i}. Habit {i}. Evidence: "Deploy failed."' for i in range(1, 6))
    hset = infer_hypotheses(fixed(reply), PROFILE, n=3)
    assert len(hset) == 3 and hset.provenance.notes["over_limit"] == 2


def test_unreadable_output_gives_an_empty_set_not_an_error() -> None:
    hset = infer_hypotheses(fixed("I cannot do that."), PROFILE)
    assert len(hset) == 0 and hset.provenance.n_parsed == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, "k must be between 1 and 3"),
        ({"k": 4}, "k must be between 1 and 3"),
        ({"example_indices": [5]}, "example_indices must be"),
        ({"n": 0}, "n \\(hypotheses to ask for\\) must be at least 1"),
        ({"calls": 0}, "calls must be at least 1"),
        ({"categories": ["style"]}, "categories must be a non-empty subset"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(PersonalizationError, match=message):
        infer_hypotheses(fixed(RECORDED), PROFILE, **kwargs)


def test_preference_category_for_agent_users() -> None:
    prompt = user_text(
        build_inference_messages(PROFILE, categories=["preference", "writing_style"])
    )
    assert "preferences (what they want" in prompt


def test_async_matches_sync() -> None:
    sync = infer_hypotheses(fixed(RECORDED), PROFILE)
    asyn = asyncio.run(ainfer_hypotheses(fixed(RECORDED), PROFILE))
    assert asyn == sync
