"""Personalization blocks per (condition, user) for agent runs."""

from __future__ import annotations

import pytest

import envs
from personalization import (
    CONDITIONS,
    PersonalizationError,
    PersonalizationNameError,
    build_condition_blocks,
    canonical_condition,
    condition_block,
    infer_offline,
    load_deliberative_users,
    load_synthetic_users,
)
from personalization.toolkit import oracle_hypotheses, swap_partner

USERS = {uid: p.split(7)[0] for uid, p in load_synthetic_users().items()}
HYPS = {
    uid: infer_offline(p, [q for k, q in USERS.items() if k != uid]) for uid, p in USERS.items()
}


def test_every_condition_for_every_user() -> None:
    blocks = build_condition_blocks(
        USERS, HYPS, ["none", "inferred", "placebo", "generic", "few_shot", "hypotheses_few_shot"]
    )
    jax = {c: b["jax"] for c, b in blocks.items()}
    assert "Hypotheses about the user" not in jax["none"] and "typical_length_words" in jax["none"]
    assert HYPS["jax"].hypotheses[0].statement in jax["inferred"]
    partner = swap_partner("jax", list(USERS))
    assert partner == "margot"
    assert HYPS["margot"].hypotheses[0].statement in jax["placebo"]
    assert HYPS["jax"].hypotheses[0].statement not in jax["placebo"]
    assert "never permissions" in jax["generic"]
    assert "=== Example 7 ===" in jax["few_shot"] and "Hypotheses about" not in jax["few_shot"]
    assert "=== Example 1 ===" in jax["hypotheses_few_shot"]
    held_out = load_synthetic_users()["jax"].examples[7].text
    assert all(held_out not in b for b in jax.values())
    assert len(set(jax.values())) == 6


def test_oracle_states_the_hidden_truth() -> None:
    kim = load_deliberative_users()["kim"]
    block = condition_block("true", kim)
    assert "Format: bullets." in block and "Length: brief." in block
    assert oracle_hypotheses(kim).provenance.method == "oracle"
    with pytest.raises(PersonalizationError, match="no hidden truth"):
        oracle_hypotheses(kim.model_copy(update={"truth": {}}))


def test_condition_errors() -> None:
    assert canonical_condition("placebo") == "swap" and "oracle" in CONDITIONS
    with pytest.raises(PersonalizationNameError, match="Did you mean 'generic'"):
        canonical_condition("generik")
    with pytest.raises(PersonalizationError, match="needs the user's hypotheses"):
        condition_block("hypotheses", USERS["jax"])
    with pytest.raises(PersonalizationError, match="another user's"):
        condition_block("swap", USERS["jax"], HYPS["jax"], placebo=HYPS["jax"])
    with pytest.raises(PersonalizationError, match="at least 2 users"):
        swap_partner("jax", ["jax"])


def test_seeded_prompt_choice_covers_every_prompt_once() -> None:
    env = envs.make("telic/PersonalizedWriting-v0", user="ines", prompt_choice="seed")
    prompts = []
    for seed in range(3):
        env.reset(seed=seed)
        prompts.append(env.unwrapped.current_text.id)
    assert prompts == ["ines-08", "ines-09", "ines-10"]
    with pytest.raises(ValueError, match="prompt_choice must be one of"):
        envs.make("telic/DeliberativeAlignment-v0", prompt_choice="cycle")
