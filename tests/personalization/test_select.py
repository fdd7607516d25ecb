"""Discrimination accuracy and the HypoGeniC-style selection ablation."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hyperalign_fakes import FakeChat, fixed, user_text

from personalization import (
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    Provenance,
    UserProfile,
    make_pairs,
    select_by_discrimination,
)
from personalization.toolkit import Pair, hypothesis_discrimination

USER = ["Short! Punchy! GO!", "Move fast! Lift heavy!", "Rest days matter! Sleep!"]
OTHER = [
    "It is, perhaps, a matter of some nuance.",
    "One might argue otherwise.",
    "The evidence seems mixed.",
]
PAIRS = [Pair(u, o, "Write a note.") for u, o in zip(USER, OTHER, strict=True)]


def keyword_judge() -> FakeChat:
    """Reads the hypothesis; picks the text with '!' if it mentions exclamation marks,
    otherwise always answers A (a hypothesis with no signal leaves a position bias)."""

    def respond(messages: list) -> str:
        prompt = user_text(messages)
        a = re.search(r"=== Text A ===\n(.*?)\n\n=== Text B", prompt, re.S).group(1)
        if "exclamation" in prompt.split("=== Text A")[0]:
            return "A" if "!" in a else "B"
        return "A"

    return FakeChat(respond=respond)


def _set(*statements: str) -> HypothesisSet:
    return HypothesisSet(
        user_id="jax",
        hypotheses=tuple(
            Hypothesis(id=f"H{i}", category="writing_style", statement=s)
            for i, s in enumerate(statements, start=1)
        ),
        provenance=Provenance(method="llm", model="m"),
    )


def test_both_orders_cancel_position_bias() -> None:
    good = hypothesis_discrimination(keyword_judge(), "Uses exclamation marks.", PAIRS)
    assert (good.correct, good.judgments, good.accuracy) == (6, 6, 1.0)
    vague = hypothesis_discrimination(keyword_judge(), "Writes English.", PAIRS)
    assert vague.accuracy == 0.5
    broken = hypothesis_discrimination(fixed("unsure"), "x", PAIRS)
    assert broken.unparseable == 6 and broken.accuracy == 0.0


def test_one_order_needs_an_rng() -> None:
    with pytest.raises(PersonalizationError, match="rng"):
        hypothesis_discrimination(keyword_judge(), "x", PAIRS, both_orders=False)
    one = hypothesis_discrimination(
        keyword_judge(),
        "Uses exclamation marks.",
        PAIRS,
        both_orders=False,
        rng=np.random.default_rng(0),
    )
    assert one.judgments == 3 and one.accuracy == 1.0


@pytest.mark.parametrize("ucb", [False, True])
def test_selection_keeps_the_discriminative_hypothesis(ucb: bool) -> None:
    candidates = _set("Writes English.", "Uses exclamation marks a lot.", "Likes gyms.")
    kept = select_by_discrimination(keyword_judge(), candidates, PAIRS, n=1, ucb=ucb, per_step=2)
    assert kept.statements() == ["Uses exclamation marks a lot."]
    assert kept.hypotheses[0].id == "H1" and kept.hypotheses[0].score == 1.0
    notes = kept.provenance.notes
    assert kept.provenance.method == "llm+discrimination"
    assert "not the HyPerAlign paper's method" in notes["selection"]
    assert notes["selection_mode"] == ("ucb" if ucb else "exhaustive")
    if not ucb:
        assert notes["selection_judgments"] == 3 * 6


def test_make_pairs_draws_distractors_reproducibly() -> None:
    profile = UserProfile(id="u", examples=[(f"p{i}", t) for i, t in enumerate(USER)])
    a = make_pairs(profile, OTHER, np.random.default_rng(5))
    b = make_pairs(profile, OTHER, np.random.default_rng(5))
    assert a == b and [p.user_text for p in a] == USER
    assert all(p.other_text in OTHER for p in a)
    with pytest.raises(PersonalizationError, match="distractors is empty"):
        make_pairs(profile, [], np.random.default_rng(0))
    with pytest.raises(PersonalizationError, match="pairs is empty"):
        select_by_discrimination(keyword_judge(), _set("x"), [])
