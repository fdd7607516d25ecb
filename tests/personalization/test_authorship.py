"""The offline authorship-verification scorer (character 3-5-gram TF cosine)."""

from __future__ import annotations

import pytest

from personalization import load_synthetic_users
from personalization.hyperalign import AuthorshipScorer, attribution_accuracy, char_ngrams


def test_held_out_texts_are_attributed_to_their_author_well_above_chance() -> None:
    """8 users, 7 demonstrations each as profiles, their 3 held-out texts each to attribute.

    Chance is 1/8 = 0.125; measured accuracy 20/24 = 0.83."""
    users = load_synthetic_users()
    scorer = AuthorshipScorer({u: p.split(7)[0].texts for u, p in users.items()})
    held = [(u, e.text) for u, p in users.items() for e in p.split(7)[1]]
    assert len(held) == 24
    assert attribution_accuracy(scorer, held) >= 0.6


def test_verify_scores_against_the_other_authors() -> None:
    scorer = AuthorshipScorer(
        {
            "shouty": ["GO GO GO! Lift! Now!", "YES! Again! More!"],
            "calm": ["It is, perhaps, worth a thought.", "One might, I suppose, agree."],
            "listy": ["- one\n- two\n- three", "- alpha\n- beta"],
        }
    )
    loud = scorer.verify("GO! More! Now!", "shouty")
    assert loud.attributed and loud.rank_score == 1.0 and loud.margin > 0
    wrong = scorer.verify("GO! More! Now!", "calm")
    assert not wrong.attributed and wrong.attributed_to == "shouty" and wrong.rank_score < 1.0
    assert scorer.attribute("- gamma\n- delta") == "listy"
    sims = scorer.similarities("It is, perhaps, so.")
    assert max(sims, key=sims.get) == "calm"


def test_scorer_errors_and_ngrams() -> None:
    assert sorted(char_ngrams("abcd", 3, 3)) == ["abc", "bcd"]
    assert char_ngrams("a  b", 3, 3) == {"a b": 1}
    with pytest.raises(ValueError, match="n_min"):
        char_ngrams("abc", 4, 3)
    with pytest.raises(ValueError, match="empty"):
        AuthorshipScorer({})
    with pytest.raises(ValueError, match="no text"):
        AuthorshipScorer({"a": [""]})
    with pytest.raises(ValueError, match="list of strings"):
        AuthorshipScorer({"a": "one string"})  # type: ignore[dict-item]
    with pytest.raises(KeyError, match="no profile"):
        AuthorshipScorer({"a": ["text"]}).verify("x", "b")
    single = AuthorshipScorer({"a": ["some text"]}).verify("some", "a")
    assert single.rank_score == 1.0 and single.best_other is None
