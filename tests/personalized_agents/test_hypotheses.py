"""Preference hypotheses: scoring against the hidden profile, offline and LLM inference, the
machine-readable line in the personalization block."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage

from personalization import Example, Hypothesis, UserProfile, render_block
from personalization.users import (
    format_preference_line,
    get_user,
    parse_preference_line,
)
from personalization.users._hypotheses import (
    claim_hypothesis,
    demonstration_profile,
    hypothesis_claims,
    infer_preferences_llm,
    infer_preferences_offline,
    profile_hypotheses,
    score_claims,
    score_hypotheses,
)

TRUTH = {"measurement_cost": "high", "top_block": "a", "risk": "neutral", "report": "brief"}


@pytest.mark.parametrize(
    ("claims", "precision", "recall"),
    [
        ([], None, 0.0),
        ([("measurement_cost", "high")], 1.0, 0.25),
        ([("measurement_cost", "low")], 0.0, 0.0),
        ([("measurement_cost", "high"), ("report", "detailed")], 0.5, 0.25),
        (list(TRUTH.items()), 1.0, 1.0),
        ([*TRUTH.items(), ("base_block", "b")], 0.8, 1.0),
        # the same claim twice is one claim
        ([("risk", "neutral"), ("risk", "neutral")], 1.0, 0.25),
        # two values for one key: one is right
        ([("report", "brief"), ("report", "none")], 0.5, 0.25),
    ],
)
def test_claim_scores_on_hand_made_cases(
    claims: list[tuple[str, str]], precision: float | None, recall: float
) -> None:
    score = score_claims(claims, TRUTH)
    assert score.precision == (None if precision is None else pytest.approx(precision))
    assert score.recall == pytest.approx(recall)
    assert score.n_true == 4


def test_f1_and_empty_truth() -> None:
    score = score_claims([("risk", "neutral"), ("report", "none")], TRUTH)
    assert score.f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75)
    assert score_claims([("risk", "neutral")], {}).recall is None
    assert score_claims([("risk", "averse")], TRUTH).f1 is None  # precision and recall both 0


def test_hypotheses_without_claims_are_not_claims() -> None:
    user = get_user("frugal_fay")
    free = Hypothesis(id="H1", category="preference", statement="Likes tidy towers.")
    score = score_hypotheses([free, claim_hypothesis(2, "top_block", "a")], user)
    assert (score.n_claims, score.true_positives, score.precision) == (1, 1, 1.0)


def test_oracle_hypotheses_state_the_whole_profile_exactly() -> None:
    for user_id in ("frugal_fay", "formal_fiona"):
        user = get_user(user_id)
        hs = profile_hypotheses(user)
        assert hypothesis_claims(hs) == user.claims
        assert all(h.category == "preference" for h in hs.hypotheses)
        assert score_hypotheses(hs, user).f1 == 1.0


def _profile(*texts: str) -> UserProfile:
    return UserProfile(id="u", examples=[Example(prompt="p", text=t) for t in texts])


def test_offline_inferer_reads_hand_made_demonstrations() -> None:
    profile = _profile(
        "Past session 1: The assistant offered two plans: measure every block 2 times, or measure "
        "every block 8 times. The user chose to measure every block 2 times and said: "
        '"Readings cost me money; take as few as will do."',
        "Past session 2: The assistant built a tower of b, c and a (b at the bottom, a at the "
        "top). The user rebuilt it so that block c was at the top of its tower and said: "
        '"I like c on top."',
        "Past session 3: The assistant built a tower of b, c and a (b at the bottom, a at the "
        "top). The user rebuilt it so that block c was at the top of its tower and said: "
        '"I like c on top."',
        "Past session 4: The assistant built a tower of a, b and c (a at the bottom, c at the "
        "top). The user rebuilt it so that block b was at the top of its tower and said: "
        '"I like b on top."',
        "Past session 5: The assistant built a tower of a, b and c (a at the bottom, c at the "
        "top). The user left the towers as they were and did not mind which block stood at the "
        "bottom.",
    )
    hs = infer_preferences_offline(profile)
    assert hypothesis_claims(hs) == {"measurement_cost": "high", "top_block": "c"}
    top = next(h for h in hs.hypotheses if h.claim == {"top_block": "c"})
    assert top.score == pytest.approx(2 / 3, abs=1e-3)
    assert all(any(e in t for t in profile.texts) for h in hs.hypotheses for e in h.evidence)


def test_offline_inferer_leaves_out_ties_and_no_preference_majorities() -> None:
    top_c = (
        "Past session 1: The assistant built a tower of b, c and a (b at the bottom, a at the "
        "top). The user rebuilt it so that block c was at the top of its tower and said: "
        '"I like c on top."'
    )
    no_top = (
        "Past session 2: The assistant built a tower of a, b and c (a at the bottom, c at the "
        "top). The user left the towers as they were and did not mind which block was at the top."
    )
    assert hypothesis_claims(infer_preferences_offline(_profile(top_c, no_top))) == {}
    assert hypothesis_claims(infer_preferences_offline(_profile(top_c, no_top, no_top))) == {}
    assert hypothesis_claims(infer_preferences_offline(_profile(top_c, top_c, no_top))) == {
        "top_block": "c"
    }


def test_offline_inference_recovers_every_profile_from_many_demonstrations() -> None:
    for user_id in ("frugal_fay", "careful_carl", "quiet_quinn", "chatty_chris", "terse_tomas"):
        user = get_user(user_id)
        hs = infer_preferences_offline(demonstration_profile(user, 60, seed=0), user.world)
        assert hypothesis_claims(hs) == user.claims, user_id


def test_offline_inference_improves_with_more_demonstrations() -> None:
    from personalization.users import all_users

    users = list(all_users("blocksworld").values())
    recall = {}
    for n in (1, 4, 16):
        scores = [
            score_hypotheses(infer_preferences_offline(demonstration_profile(u, n, seed)), u).recall
            for u in users
            for seed in range(8)
        ]
        recall[n] = sum(scores) / len(scores)
    assert recall[1] < recall[4] < recall[16]


class FakeChat:
    """A chat model that answers with a fixed text and records the prompts."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.prompts: list[Any] = []

    def invoke(self, prompt: list[Any]) -> AIMessage:
        self.prompts.append(prompt)
        return AIMessage(content=self.answer)


def test_llm_inferer_keeps_grounded_schema_claims_only() -> None:
    user = get_user("frugal_fay")
    profile = demonstration_profile(user, 10, seed=3)
    quote = "The user chose to measure every block"
    assert any(quote in t for t in profile.texts)
    answer = "\n".join(
        [
            "1. [preference] Readings are costly for them. Claim: measurement_cost=high. "
            f'Evidence: "{quote}"',
            f'2. [preference] Wants towers of gold. Claim: material=gold. Evidence: "{quote}"',
            '3. [preference] Wants a short note. Claim: report=brief. Evidence: "made-up words"',
            f'4. [preference] Costly again. Claim: measurement_cost=low. Evidence: "{quote}"',
            f'5. [preference] No claim here at all. Evidence: "{quote}"',
            f'6. [preference] Dislikes top-heavy towers. Claim: risk=Averse. Evidence: "{quote}"',
        ]
    )
    model = FakeChat(answer)
    hs = infer_preferences_llm(model, profile, model_label="fake:chat")
    assert hypothesis_claims(hs) == {"measurement_cost": "high", "risk": "averse"}
    assert hs.hypotheses[0].statement == "Readings are costly for them."
    notes = hs.provenance.notes["dropped"]
    assert notes == {"no_claim": 1, "invalid_claim": 1, "ungrounded": 1, "duplicate_key": 1}
    assert hs.provenance.dropped_hallucinated_evidence == 1
    assert hs.provenance.model == "fake:chat"
    prompt_text = model.prompts[0][1].content
    assert "measurement_cost: one of high, low" in prompt_text
    assert profile.texts[0] in prompt_text


def test_llm_inferer_survives_unreadable_output() -> None:
    profile = demonstration_profile(get_user("careful_carl"), 3, seed=0)
    hs = infer_preferences_llm(FakeChat("I cannot tell. {not json"), profile)
    assert len(hs) == 0


def test_render_block_carries_the_machine_readable_line() -> None:
    user = get_user("quiet_quinn")
    block = render_block(profile_hypotheses(user))
    assert parse_preference_line(block) == user.claims
    assert block.splitlines()[-1].startswith("telic-preferences: ")
    plain = render_block([Hypothesis(id="H1", category="writing_style", statement="Terse.")])
    assert "telic-preferences" not in plain


@given(st.text(max_size=200))
def test_preference_line_parser_never_raises(text: str) -> None:
    result = parse_preference_line(text)
    assert result is None or isinstance(result, dict)


@given(
    st.dictionaries(
        st.sampled_from(["measurement_cost", "report", "top_block"]),
        st.text(min_size=1, max_size=12),
        max_size=3,
    ),
    st.text(alphabet="abc \n", max_size=30),
)
def test_preference_line_round_trips(claims: dict[str, str], noise: str) -> None:
    line = format_preference_line(claims)
    assert "\n" not in line
    assert parse_preference_line(noise + "\n" + line + "\n" + noise) == claims
