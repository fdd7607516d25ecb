"""The data model: validation, pairs, splits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from personalization import (
    Example,
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    Provenance,
    UserProfile,
)


def test_profile_accepts_prompt_text_pairs() -> None:
    profile = UserProfile(id="u", examples=[("Write a note.", "Hi."), ("Another.", "Bye.")])
    assert profile.examples[0] == Example(prompt="Write a note.", text="Hi.")
    assert profile.texts == ["Hi.", "Bye."]


def test_profile_is_frozen() -> None:
    profile = UserProfile(id="u", examples=[("p", "t")])
    with pytest.raises(ValidationError):
        profile.id = "v"  # type: ignore[misc]


@pytest.mark.parametrize("bad", [[("only one",)], [("p", "")], []])
def test_bad_examples_are_rejected_or_empty(bad: list) -> None:
    if not bad:
        assert UserProfile(id="u", examples=bad).examples == ()
        return
    with pytest.raises(ValidationError):
        UserProfile(id="u", examples=bad)


def test_split_and_its_error() -> None:
    profile = UserProfile(id="u", examples=[(f"p{i}", f"text {i}") for i in range(5)])
    train, held = profile.split(3)
    assert [e.text for e in train.examples] == ["text 0", "text 1", "text 2"]
    assert [e.text for e in held] == ["text 3", "text 4"]
    with pytest.raises(
        PersonalizationError,
        match=r"n_train must be between 1 and 5 \(examples of user .u.\), got 9",
    ):
        profile.split(9)


def test_unknown_category_gets_a_suggestion() -> None:
    with pytest.raises(ValidationError, match="Did you mean 'writing_style'"):
        Hypothesis(id="H1", category="writing_styl", statement="Short sentences.")


def test_duplicate_hypothesis_ids_are_rejected() -> None:
    h = Hypothesis(id="H1", category="personality", statement="Warm.")
    with pytest.raises(ValidationError, match="repeated"):
        HypothesisSet(user_id="u", hypotheses=(h, h), provenance=Provenance(method="manual"))


def test_set_round_trips_through_json() -> None:
    h = Hypothesis(
        id="H1", category="writing_style", statement="Terse.", evidence=("Fix it slow.",)
    )
    hset = HypothesisSet(user_id="u", hypotheses=(h,), provenance=Provenance(method="manual"))
    again = HypothesisSet.model_validate_json(hset.model_dump_json())
    assert again == hset
    assert len(again) == 1 and again.statements() == ["Terse."]
