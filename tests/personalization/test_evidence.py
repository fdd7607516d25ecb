"""Evidence quotes are checked against the examples, tolerant of retyping only."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from personalization import Hypothesis, check_evidence, grounding_rate
from personalization.toolkit import find_quote, normalize_text, quote_grounding_rate

TEXTS = [
    "Team,\n\nTuesday's deploy failed. Root cause: migration 0042 locked the orders table.",
    "I know, I know. The column was due at noon, and it is now \u2014 let me check \u2014 almost "
    "four. It\u2019s about \u201cparking apps\u201d.",
]


def test_exact_and_retyped_quotes_are_grounded() -> None:
    assert check_evidence("Tuesday's deploy failed.", TEXTS)
    assert check_evidence("tuesday's   DEPLOY failed", TEXTS)
    assert check_evidence("it is now - let me check - almost four", TEXTS)
    assert check_evidence('It\'s about "parking apps"', TEXTS)
    assert check_evidence("\u201cRoot cause: migration 0042\u201d", TEXTS)
    assert find_quote("almost four", TEXTS) == 1


def test_hallucinated_and_degenerate_quotes_are_not_grounded() -> None:
    assert not check_evidence("The deploy succeeded.", TEXTS)
    assert not check_evidence("a", TEXTS)
    assert not check_evidence('"..."', TEXTS)
    assert not check_evidence("", TEXTS)


def test_elided_quotes_need_their_fragments_in_order_in_one_text() -> None:
    assert check_evidence("Tuesday's deploy failed ... locked the orders table", TEXTS)
    assert check_evidence("Tuesday's deploy failed [...] the orders table", TEXTS)
    assert not check_evidence("locked the orders table ... Tuesday's deploy failed", TEXTS)
    assert not check_evidence("Tuesday's deploy failed ... almost four", TEXTS)


def test_grounding_rates() -> None:
    good = Hypothesis(id="H1", category="writing_style", statement="x", evidence=("noon",))
    mixed = Hypothesis(
        id="H2", category="writing_style", statement="y", evidence=("invented words", "noon")
    )
    bad = Hypothesis(id="H3", category="writing_style", statement="z", evidence=("nope nope",))
    assert grounding_rate([good, mixed, bad], TEXTS) == 2 / 3
    assert quote_grounding_rate([good, mixed, bad], TEXTS) == 2 / 4
    assert math.isnan(grounding_rate([], TEXTS))


@given(st.text(min_size=30, max_size=200), st.data())
def test_every_substring_with_a_letter_is_grounded(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 10))
    end = data.draw(st.integers(start + 5, len(text)))
    quote = text[start:end]
    if not any(ch.isalnum() for ch in normalize_text(quote).strip(" \t\n\"'.,;:!?()[]")):
        return
    assert check_evidence(quote, [text])
