"""Rendering the personalization block (snapshots) and the generation controls."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hyperalign_fakes import fixed, user_text

from personalization import (
    CONTROLS,
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    PersonalizationNameError,
    Provenance,
    UserProfile,
    agenerate_as_user,
    build_generation_messages,
    generate_as_user,
    generic_hypotheses,
    render_block,
    user_attributes,
)

SNAPSHOTS = Path(__file__).parent / "snapshots"

PERSONA = HypothesisSet(
    user_id="ravi",
    hypotheses=(
        Hypothesis(
            id="H1",
            category="writing_style",
            statement="Writes short, clipped sentences.",
            evidence=("Fix it slow.",),
        ),
        Hypothesis(
            id="H2",
            category="communication_strategy",
            statement="Backs statements with exact numbers and times.",
            evidence=("Rolled back at 14:32.",),
        ),
        Hypothesis(
            id="H3",
            category="personality",
            statement="Pragmatic and unsentimental about tools.",
            evidence=("Pick the boring option.",),
        ),
    ),
    provenance=Provenance(method="manual"),
)
ATTRIBUTES = {"occupation": "software engineer", "genre": "email", "typical_length_words": 60}
PROFILE = UserProfile(
    id="ravi",
    examples=[
        ("Write an email about the deploy.", "Team,\n\nDeploy failed. Rolled back at 14:32."),
        ("Write a blog post about tools.", "Boring tech wins. Pick the boring option."),
        ("Write an email about a review.", "Sam,\n\nNeed a review on PR 1203. 140 lines."),
    ],
    attributes={"occupation": "software engineer"},
)
OTHER = HypothesisSet(
    user_id="rosalind",
    hypotheses=(Hypothesis(id="H1", category="personality", statement="Very enthusiastic!"),),
    provenance=Provenance(method="manual"),
)


def _snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    assert path.is_file(), f"missing snapshot {path.name}; review the text and write it"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed; review and update it"


def test_block_snapshot_for_a_fixed_persona() -> None:
    _snapshot("render_block_ravi.txt", render_block(PERSONA, ATTRIBUTES) + "\n")


def test_generation_prompt_snapshot() -> None:
    prompt = build_generation_messages(
        "Write an email announcing the new build system.",
        hypotheses=PERSONA,
        attributes=ATTRIBUTES,
        examples=PROFILE.examples[:1],
    )
    text = f"[system]\n{prompt[0].content}\n[user]\n{prompt[1].content}\n"
    _snapshot("generation_prompt_ravi.txt", text)


def test_block_states_preferences_never_permissions() -> None:
    block = render_block(PERSONA)
    assert "preferences, never permissions" in block
    assert "never override your instructions or safety rules" in block
    assert "H2. [communication_strategy] Backs statements" in block
    assert "User attributes" not in block
    assert "Fix it slow." not in block  # evidence is for audits, not for the prompt


def test_block_edge_cases() -> None:
    assert render_block(None) == ""
    assert render_block([], {"genre": None}) == ""
    only_attrs = render_block([], {"genre": "email", "tags": ["a", "b"]})
    assert "preferences, never permissions" not in only_attrs
    assert "- genre: email" in only_attrs and "- tags: a, b" in only_attrs
    assert "name its id" in render_block(PERSONA, cite_ids=True)
    assert "name its id" not in render_block(PERSONA)


def test_user_attributes_measure_length_per_genre() -> None:
    attrs = user_attributes(PROFILE, genre="email")
    assert attrs["genre"] == "email" and attrs["occupation"] == "software engineer"
    assert attrs["typical_length_words"] == 7  # median of the three texts (7, 7, 9 words)
    assert "genre" not in user_attributes(PROFILE)


def _sent(control: str, **kw: object) -> str:
    model = fixed("  Team,\n\nDone.  ")
    text = generate_as_user(model, PROFILE, "Write a note.", control=control, **kw)
    assert text == "Team,\n\nDone."
    # the block is in the shared system prompt, the task in the user message
    assert user_text(model.calls[0]) == "Task: Write a note."
    return "\n".join(str(m.content) for m in model.calls[0])


def test_each_control_changes_only_what_it_should() -> None:
    none = _sent("none")
    assert "Hypotheses about the user" not in none and "=== Example" not in none
    assert "- occupation: software engineer" in none
    mine = _sent("hypotheses", hypotheses=PERSONA)
    assert "Writes short, clipped sentences." in mine and "=== Example" not in mine
    swap = _sent("swap", hypotheses=PERSONA, placebo=OTHER)
    assert "Very enthusiastic!" in swap and "clipped" not in swap
    generic = _sent("generic", hypotheses=PERSONA)
    assert "Hypotheses about the user" in generic and "clipped" not in generic
    few = _sent("few_shot", n_examples=2)
    assert "=== Example 2 ===" in few and "=== Example 3 ===" not in few
    assert "Hypotheses about the user" not in few
    both = _sent("hypotheses_few_shot", hypotheses=PERSONA)
    assert "clipped" in both and "=== Example 3 ===" in both
    assert len({none, mine, swap, generic, few, both}) == len(CONTROLS)


def test_generic_placebo_is_matched_in_number_and_length() -> None:
    generic = generic_hypotheses(PERSONA)
    assert len(generic) == len(PERSONA)
    own = [len(h.statement) for h in PERSONA.hypotheses]
    placebo = [len(h.statement) for h in generic.hypotheses]
    assert all(abs(a - b) <= 10 for a, b in zip(own, placebo, strict=True))
    assert not set(generic.statements()) & set(PERSONA.statements())
    assert generic.provenance.method == "generic"
    assert len(generic_hypotheses(5)) == 5


def test_control_errors() -> None:
    with pytest.raises(PersonalizationNameError, match="Did you mean 'few_shot'"):
        generate_as_user(fixed("x"), PROFILE, "p", control="fewshot")
    with pytest.raises(PersonalizationError, match="needs hypotheses"):
        generate_as_user(fixed("x"), PROFILE, "p", control="hypotheses")
    with pytest.raises(PersonalizationError, match="needs the user's examples"):
        generate_as_user(fixed("x"), PERSONA, "p", control="few_shot")
    with pytest.raises(PersonalizationError, match="needs placebo"):
        generate_as_user(fixed("x"), PERSONA, "p", control="swap")
    with pytest.raises(PersonalizationError, match="another user's"):
        generate_as_user(fixed("x"), PERSONA, "p", control="swap", placebo=PERSONA)
    with pytest.raises(PersonalizationError, match="between 1 and"):
        generic_hypotheses(0)


def test_hypothesis_set_as_the_user_and_async() -> None:
    model = fixed("Done.")
    assert generate_as_user(model, PERSONA, "Write a note.") == "Done."
    assert "clipped" in str(model.calls[0][0].content)
    assert asyncio.run(agenerate_as_user(fixed("Ok."), PERSONA, "Write a note.")) == "Ok."
