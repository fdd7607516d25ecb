"""Parsing hypotheses and A/B choices out of free model output."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from personalization import CATEGORIES, parse_hypotheses
from personalization.toolkit import parse_choice

NUMBERED = """Here are my hypotheses:

1. [writing_style] Writes in short, clipped sentences. Evidence: "Roll back first. Debug later."
2. **Personality:** Dry and unsentimental.
   Evidence: \u201cPick the boring option.\u201d
3) (Communication strategy) Argues with numbers, as in "9 years" and "3 min".
4. Category: preference. Prefers asynchronous review. Evidence: Happy to review async

I hope this helps!
"""


def test_numbered_list_with_mixed_conventions() -> None:
    items = parse_hypotheses(NUMBERED)
    assert [i.category for i in items] == [
        "writing_style",
        "personality",
        "communication_strategy",
        "preference",
    ]
    assert items[0].statement == "Writes in short, clipped sentences."
    assert items[0].evidence == ["Roll back first. Debug later."]
    assert items[1].evidence == ["Pick the boring option."]
    assert items[2].evidence == ["9 years", "3 min"]
    assert items[3].evidence == ["Happy to review async"]
    assert "hope" not in " ".join(i.statement for i in items)


def test_json_in_a_fence_and_bare() -> None:
    payload = [{"statement": "Uses bullets", "category": "Writing Style", "evidence": ["- Lead"]}]
    fenced = "Sure!\n```json\n" + json.dumps(payload) + "\n```"
    assert parse_hypotheses(fenced)[0].category == "writing_style"
    wrapped = json.dumps({"hypotheses": [{"hypothesis": "Warm", "quote": "so proud"}]})
    item = parse_hypotheses(wrapped)[0]
    assert (item.statement, item.category, item.evidence) == ("Warm", None, ["so proud"])


def test_bullets_when_no_numbers_and_garbage_gives_nothing() -> None:
    items = parse_hypotheses('- Uses bullets. Evidence: "x y"\n- Terse')
    assert [i.statement for i in items] == ["Uses bullets.", "Terse"]
    assert parse_hypotheses("no list here at all") == []
    assert parse_hypotheses("") == []


def test_duplicates_are_merged() -> None:
    items = parse_hypotheses('1. Terse. Evidence: "a b"\n2. terse.  Evidence: "c d"')
    assert len(items) == 1


_statement = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters=" "),
    min_size=3,
    max_size=60,
).filter(lambda s: s.strip() and any(c.isalpha() for c in s))
_quote = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters=" "),
    min_size=2,
    max_size=40,
).filter(lambda s: s.strip())


@given(
    st.lists(
        st.tuples(_statement, st.sampled_from(CATEGORIES), _quote),
        min_size=1,
        max_size=8,
        unique_by=lambda t: " ".join(t[0].lower().split()),
    )
)
def test_numbered_round_trip(items: list[tuple[str, str, str]]) -> None:
    text = "\n".join(
        f'{i}. [{cat}] {stmt.strip()}. Evidence: "{quote.strip()}"'
        for i, (stmt, cat, quote) in enumerate(items, start=1)
    )
    parsed = parse_hypotheses(text)
    assert [p.category for p in parsed] == [c for _, c, _ in items]
    # Quotes and statements come back with their white space folded (evidence is matched
    # against the examples with white space normalised anyway).
    assert [p.evidence for p in parsed] == [[" ".join(q.split())] for _, _, q in items]
    assert [p.statement for p in parsed] == [" ".join(s.split()) + "." for s, _, _ in items]


@given(
    st.sampled_from(["A", "B"]),
    st.sampled_from(["", " ", "\n", "**"]),
    st.sampled_from(["", ".", "**", " \n"]),
)
def test_choice_round_trip(choice: str, before: str, after: str) -> None:
    assert parse_choice(f"{before}{choice}{after}") == choice
    assert parse_choice(f"Some reasoning first.\nAnswer: {before}{choice}{after}") == choice


def test_unclear_choices_are_none() -> None:
    assert parse_choice("Both are good.") is None
    assert parse_choice("A good text is B") is None
    assert parse_choice("Output A has more flair but Output B is closer.") is None
    assert parse_choice("") is None


@given(st.text(max_size=400))
def test_arbitrary_output_never_raises(text: str) -> None:
    from personalization import UserProfile
    from personalization.toolkit import hypotheses_from_outputs

    items = parse_hypotheses(text)
    assert all(i.statement.strip() for i in items)
    assert parse_choice(text) in ("A", "B", None)
    profile = UserProfile(id="u", examples=[("p", "Some text. More text!")])
    hset = hypotheses_from_outputs([text], profile, n=8, example_indices=[0], model="m")
    prov = hset.provenance
    assert len(hset) + prov.dropped_without_evidence + prov.notes["over_limit"] == prov.n_parsed
