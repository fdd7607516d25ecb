"""``telic/PersonalizedMessage-v0`` and ``scripted:personal_writer``."""

from __future__ import annotations

import numpy as np
import pytest

import envs
from agents import AgentConfig, make_model, run_episode
from envs.testing import check_text_env
from personalization import render_block
from personalization.users import (
    UnknownUserIdError,
    UserError,
    all_users,
    episode_personalization,
    get_user,
    profile_hypotheses,
)

ENV = "telic/PersonalizedMessage-v0"


@pytest.mark.parametrize("show", ["demonstrations", "none"])
def test_passes_the_conformance_checks_in_both_protocols(show: str) -> None:
    check_text_env(ENV, show=show, user="warm_wren")


def test_first_observation_and_determinism() -> None:
    env = envs.make(ENV, user="brief_ben", n_demonstrations=2).unwrapped
    first, _ = env.reset(seed=4)
    assert first.count("--- Message ") == 2 and "Sign the message as Ben." in first
    assert first == env.reset(seed=4)[0]
    hidden = envs.make(ENV, user="brief_ben", show="none").unwrapped
    assert "--- Message" not in hidden.reset(seed=4)[0]


def test_reward_is_the_users_rating() -> None:
    env = envs.make(ENV, user="formal_fiona").unwrapped
    env.reset(seed=1)
    text = "Dear Dana,\n\nI would like to request Friday afternoon off.\n\nKind regards,\nFiona"
    _, reward, terminated, _, info = env.step(f"<message>{text}</message>")
    assert terminated and reward == 1.0 == info["user_reward"] == info["return"]
    env.reset(seed=1)
    _, reward, _, _, info = env.step("Hey Dana! Can I take Friday off? Cheers,\nFiona")
    assert reward == pytest.approx(1 / 3)  # short, but casual and the wrong sign-off
    assert info["user_feedback"]["length"]["satisfied"] is True
    assert info["user_feedback"]["formality"]["satisfied"] is False


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"user": "frugal_fay"}, UnknownUserIdError, "unknown writing user"),
        ({"show": "some"}, UserError, "show must be one of"),
        ({"n_demonstrations": 30}, UserError, "between 0 and 20"),
    ],
)
def test_bad_kwargs(kwargs: dict, error: type[Exception], needle: str) -> None:
    with pytest.raises(error, match=needle):
        envs.make(ENV, **kwargs)


@pytest.mark.parametrize("protocol", ["tags", "tools"])
@pytest.mark.parametrize("user_id", sorted(all_users("writing")))
def test_writer_meets_a_stated_profile_fully(user_id: str, protocol: str) -> None:
    block = render_block(profile_hypotheses(get_user(user_id)))
    record = run_episode(
        env_id=ENV,
        env_kwargs={"user": user_id, "show": "none", "protocol": protocol},
        seed=3,
        model=make_model("scripted:personal_writer"),
        config=AgentConfig(personalization=block),
    )
    assert record.completed and record.info["user_reward"] == 1.0, record.info["user_feedback"]


def test_conditions_rank_as_expected_for_writing_users() -> None:
    model = make_model("scripted:personal_oracle")  # the writer is registered under it too
    means = {}
    for condition in ("none", "inferred:1", "oracle", "placebo"):
        rewards = []
        for user in sorted(all_users("writing")):
            kwargs = {"user": user, "show": "none"}
            for seed in (1, 2, 3):
                personal = episode_personalization(condition, ENV, kwargs, seed=seed)
                record = run_episode(
                    env_id=ENV,
                    env_kwargs=kwargs,
                    seed=seed,
                    model=model,
                    config=AgentConfig(personalization=personal.block),
                )
                rewards.append(record.info["user_reward"])
        means[condition] = float(np.mean(rewards))
    assert means["oracle"] == 1.0
    assert means["placebo"] <= means["none"] < means["inferred:1"] <= means["oracle"]
