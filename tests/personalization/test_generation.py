"""The shared HyPerAlign generation prompt and the wrapper stripper."""

from __future__ import annotations

import pytest
from hyperalign_fakes import FakeChat
from hypothesis import given
from hypothesis import strategies as st

from personalization import (
    Hypothesis,
    HypothesisSet,
    PersonalizationNameError,
    Provenance,
    condition_block,
    generate_as_user,
    hyperalign_system_prompt,
    load_synthetic_users,
    strip_wrapper,
)


def _set() -> HypothesisSet:
    return HypothesisSet(
        user_id="ravi",
        hypotheses=(
            Hypothesis(id="H1", category="writing_style", statement="Writes in fragments."),
        ),
        provenance=Provenance(method="offline_stylometry"),
    )


def test_writing_prompt_adapts_to_the_block() -> None:
    ravi = load_synthetic_users()["ravi"].split(7)[0]
    with_h = hyperalign_system_prompt("writing", condition_block("hypotheses", ravi, _set()))
    assert "H1. [writing_style] Writes in fragments." in with_h
    assert "Follow the hypotheses and attributes closely, but do not mention them" in with_h
    few = hyperalign_system_prompt("writing", condition_block("few_shot", ravi))
    assert "Match the style of the examples" in few and "Follow the hypotheses" not in few
    bare = hyperalign_system_prompt("writing", condition_block("none", ravi))
    assert "Take the user attributes into account" in bare
    for prompt in (with_h, few, bare):
        assert "angle brackets" not in prompt and "exactly one action" not in prompt
        assert prompt.startswith("You write exactly like a specific person.")


def test_deliberative_prompt_frames_helpfulness_and_safety() -> None:
    text = hyperalign_system_prompt("deliberative", "Hypotheses about the user:\nH1. x")
    assert "helpful, honest and safe" in text
    assert "never make a harmful request acceptable" in text
    assert "<thinking>" in text
    with pytest.raises(PersonalizationNameError, match="writing"):
        hyperalign_system_prompt("writng")


def test_generate_as_user_uses_the_shared_prompt_and_strips() -> None:
    model = FakeChat(respond=lambda _m: "Sure! Here is the email:\n\nDeploy at 09:00. - R")
    text = generate_as_user(model, _set(), "Tell the team about the deploy.")
    assert text == "Deploy at 09:00. - R"
    system = str(model.calls[0][0].content)
    assert system == hyperalign_system_prompt(
        "writing", system.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]
    )
    assert str(model.calls[0][-1].content) == "Task: Tell the team about the deploy."


@pytest.mark.parametrize(
    ("reply", "text", "removed"),
    [
        ("Sure! Here is the email:\n\nHi team.", "Hi team.", ("preamble",)),
        (
            "Certainly.\nHere's a draft of the essay:\n\nWar is long.",
            "War is long.",
            ("preamble", "preamble"),
        ),
        ("```\nHi.\nBye.\n```", "Hi.\nBye.", ("fence",)),
        ("<text>Hi.\n\nBye.</text>", "Hi.\n\nBye.", ("tag",)),
        ("<thinking>expert user</thinking>\nUse the pid.", "Use the pid.", ("thinking",)),
        (
            "Dear Bob,\nSee you.\n\nLet me know if you'd like changes!",
            "Dear Bob,\nSee you.",
            ("closing",),
        ),
        ('"I love it."', "I love it.", ("quotes",)),
        ("Email:\nHi all.", "Hi all.", ("label",)),
        (
            "Here is what I think about taxes. They are too high.",
            "Here is what I think about taxes. They are too high.",
            (),
        ),
        ('"Yes," she said. "No."', '"Yes," she said. "No."', ()),
        (
            "Okay, so the meeting moved.\nSee you there.",
            "Okay, so the meeting moved.\nSee you there.",
            (),
        ),
        ("Sure!", "Sure!", ()),
    ],
)
def test_strip_wrapper(reply: str, text: str, removed: tuple[str, ...]) -> None:
    out = strip_wrapper(reply)
    assert out.text == text
    assert out.removed == removed
    assert out.removed_chars == (len(reply.strip()) - len(text) if removed else 0)


@given(st.text(min_size=1, max_size=200))
def test_strip_wrapper_never_empties_or_grows(reply: str) -> None:
    out = strip_wrapper(reply)
    assert len(out.text) <= len(reply.strip())
    if reply.strip():
        assert out.text.strip()
    assert out.changed == bool(out.removed)
