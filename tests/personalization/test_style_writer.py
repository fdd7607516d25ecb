"""The offline ``style_writer``: follows the personalization block, deterministically, and the
conditioning carries information to the authorship reward (agents.run_episode)."""

from __future__ import annotations

import statistics

import numpy as np
import pytest

import envs
from agents import AgentConfig, make_model, run_episode
from personalization import (
    build_condition_blocks,
    infer_offline,
    load_synthetic_users,
    render_block,
)
from personalization._stylometry import mean_features, sign_off_lines, text_features
from personalization._types import Hypothesis
from personalization.hyperalign import StyleWriterPolicy
from personalization.hyperalign._style_writer import parse_style_targets, read_plan

USERS = load_synthetic_users()
ENV = "telic/PersonalizedWriting-v0"


def _observation(user: str = "harold", seed: int = 0) -> str:
    env = envs.make(ENV, user=user, prompt_choice="seed")
    obs, _ = env.reset(seed=seed)
    return obs


def _write(block: str | None, seed: int = 0, user: str = "harold") -> str:
    move = StyleWriterPolicy().act(
        [_observation(user)], np.random.default_rng(seed), system_prompt=block
    )
    return str(move.args["text"])


def _block(feature: str, direction: str, value: float, ref: float) -> str:
    from personalization._feature_texts import FEATURE_TEXTS

    spec = FEATURE_TEXTS[feature]
    template = spec.high if direction == "high" else spec.low
    statement = template.format(user=format(value, spec.fmt), ref=format(ref, spec.fmt))
    hyp = Hypothesis(id="H1", category=spec.category, statement=statement)  # type: ignore[arg-type]
    return render_block([hyp], {"typical_length_words": 120})


def test_every_offline_statement_parses_back_to_its_feature() -> None:
    for uid, profile in USERS.items():
        for hyp in infer_offline(profile.split(7)[0]).hypotheses:
            parsed = parse_style_targets(hyp.statement)
            assert parsed is not None, (uid, hyp.statement)
            assert parsed[0] == hyp.feature
            assert parsed[1] == pytest.approx(hyp.measurements["user"], rel=0.05, abs=0.06)
    assert parse_style_targets("Writes clearly.") is None


def test_deterministic_for_a_seed_and_varies_across_seeds() -> None:
    block = _block("exclamations", "high", 6.0, 0.0)
    assert _write(block, seed=3) == _write(block, seed=3)
    assert _write(block, seed=3) != _write(block, seed=4)


def test_sentence_length_follows_the_hypothesis() -> None:
    short = [text_features(_write(_block("sentence_words", "low", 5.0, 14.0), s)) for s in range(3)]
    long = [
        text_features(_write(_block("sentence_words", "high", 26.0, 14.0), s)) for s in range(3)
    ]
    assert max(f["sentence_words"] for f in short) < min(f["sentence_words"] for f in long)


@pytest.mark.parametrize(
    ("feature", "value"),
    [("exclamations", 6.0), ("contractions", 5.0), ("numbers", 3.0), ("semicolons", 1.5),
     ("parentheses", 2.0), ("caps_words", 3.0), ("hedges", 3.0), ("questions", 2.0)],
)  # fmt: skip
def test_rate_hypotheses_raise_their_feature(feature: str, value: float) -> None:
    plain = mean_features([_write(None, s) for s in range(3)])[feature]
    shaped = mean_features([_write(_block(feature, "high", value, 0.0), s) for s in range(3)])
    assert shaped[feature] > plain + value / 3


def test_sign_off_greeting_and_lists_follow_the_block() -> None:
    assert not sign_off_lines(_write(None))
    signed = _write(_block("sign_off", "high", 1.0, 0.0), user="harold")
    assert sign_off_lines(signed)[-1] == "Harold"
    greeted = _write(_block("greeting", "high", 1.0, 0.0))
    assert text_features(greeted)["greeting"] == 1.0
    listed = _write(_block("bullet_lines", "high", 0.5, 0.0))
    assert text_features(listed)["bullet_lines"] >= 0.3


def test_examples_in_the_block_are_measured() -> None:
    train = USERS["jax"].split(7)[0]
    blocks = build_condition_blocks({"jax": train}, {"jax": infer_offline(train)}, ["few_shot"])
    plan = read_plan(blocks["few_shot"]["jax"], _observation("jax"))
    assert plan.targets["exclamations"] == pytest.approx(mean_features(train.texts)["exclamations"])
    assert plan.sign_off and plan.greeting


def test_conditioning_carries_information_to_the_reward() -> None:
    """Reduced run: the first 3 users (sorted), 3 seeds, through agents.run_episode.

    The full offline scenario gives the per-user picture (not every user gains); here only the
    means over the 9 (user, seed) pairs are compared.
    """
    ids = sorted(USERS)[:3]
    train = {u: USERS[u].split(7)[0] for u in ids}
    hyps = {u: infer_offline(train[u]) for u in ids}
    conditions = ["none", "hypotheses", "swap"]
    blocks = build_condition_blocks(train, hyps, conditions)
    model = make_model("scripted:style_writer")
    rewards: dict[str, list[float]] = {c: [] for c in conditions}
    for cond in conditions:
        for uid in ids:
            for seed in range(3):
                record = run_episode(
                    env_id=ENV,
                    env_kwargs={"user": uid, "prompt_choice": "seed"},
                    seed=seed,
                    model=model,
                    model_spec="scripted:style_writer",
                    config=AgentConfig(personalization=blocks[cond][uid]),
                    episode_id=f"{cond}-{uid}-{seed}",
                )
                assert record.completed
                rewards[cond].append(float(record.return_))  # type: ignore[arg-type]
    mean = {c: statistics.fmean(v) for c, v in rewards.items()}
    assert mean["hypotheses"] > mean["none"]
    assert mean["hypotheses"] > mean["swap"]
