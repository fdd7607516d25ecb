"""Paired conditions with scripted policies: oracle > inferred > none >= placebo.

The preference-aware oracle plays the Combined task for every bundled Blocksworld user on the
same seeds under each condition; the user reward is the task return adjusted by the hidden
user's rating.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from agents import AgentConfig, make_model, run_episode
from personalization import parse_condition
from personalization.users import all_users, check_user_settings, episode_personalization

ENV = "telic/PersonalizedBlocksworld-v0"
SEEDS = range(20, 24)
USERS = sorted(all_users("blocksworld"))


@cache
def outcomes(condition: str) -> dict[tuple[str, int], tuple[float, dict]]:
    """(user, seed) -> (user reward, personalization details) under ``condition``."""
    model = make_model("scripted:personal_oracle", seed=0)
    out = {}
    for user in USERS:
        kwargs = {"user": user, "show": "none", "n_blocks": 3}
        for seed in SEEDS:
            personal = episode_personalization(condition, ENV, kwargs, seed=seed)
            record = run_episode(
                env_id=ENV,
                env_kwargs=kwargs,
                seed=seed,
                model=model,
                model_spec="scripted:personal_oracle",
                config=AgentConfig(personalization=personal.block),
            )
            assert record.completed
            out[(user, seed)] = (float(record.info["user_reward"]), personal.details)
    return out


def mean_reward(condition: str) -> float:
    return float(np.mean([r for r, _ in outcomes(condition).values()]))


def mean_detail(condition: str, key: str) -> float:
    values = [d[key] for _, d in outcomes(condition).values() if d.get(key) is not None]
    return float(np.mean(values)) if values else 0.0


def test_oracle_hypotheses_give_the_highest_user_reward() -> None:
    oracle = mean_reward("oracle")
    for other in ("none", "placebo", "inferred:2", "inferred:6"):
        assert oracle > mean_reward(other), other
    # paired on (user, seed): the oracle is almost always at least as good as no hypotheses
    # (perturbations hit different actions when the policy acts differently, so not always)
    none = outcomes("none")
    at_least = [r >= none[k][0] - 1e-9 for k, (r, _) in outcomes("oracle").items()]
    assert sum(at_least) / len(at_least) >= 0.9


def test_placebo_does_no_better_than_none() -> None:
    assert mean_reward("placebo") <= mean_reward("none")


def test_inferred_lies_between_and_improves_with_more_demonstrations() -> None:
    none, oracle = mean_reward("none"), mean_reward("oracle")
    rewards = [mean_reward(f"inferred:{n}") for n in (2, 6, 24)]
    assert none < rewards[0] < rewards[1] < rewards[2] <= oracle
    recalls = [mean_detail(f"inferred:{n}", "recall") for n in (2, 6, 24)]
    assert recalls[0] < recalls[1] < recalls[2]
    assert mean_detail("inferred:24", "precision") > mean_detail("inferred:2", "precision")


def test_details_record_what_was_given() -> None:
    oracle = outcomes("oracle")[("frugal_fay", 20)][1]
    assert oracle["precision"] == oracle["recall"] == 1.0
    assert oracle["claims"]["measurement_cost"] == "high"
    placebo = outcomes("placebo")[("frugal_fay", 20)][1]
    assert placebo["source_user"] != "frugal_fay" and placebo["user"] == "frugal_fay"
    none = outcomes("none")[("frugal_fay", 20)][1]
    assert none["n_hypotheses"] == 0 and none["recall"] == 0.0
    inferred = outcomes("inferred:6")[("frugal_fay", 20)][1]
    assert inferred["n_demonstrations"] == 6 and inferred["inferer"] == "offline"


def test_non_user_envs_and_missing_conditions_get_no_block() -> None:
    assert episode_personalization("oracle", "telic/Combined-v0", {}, seed=1).block is None
    assert episode_personalization(None, ENV, {"user": "frugal_fay"}, seed=1).block is None


@pytest.mark.parametrize(
    ("name", "needle"),
    [("oracel", "Did you mean 'oracle'"), ("oracle:3", "only 'inferred'"), ("", "non-empty")],
)
def test_bad_condition_names(name: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        parse_condition(name)


def test_aliases_resolve_to_the_one_vocabulary() -> None:
    assert parse_condition("inferred") == ("hypotheses", None)
    assert parse_condition("placebo") == ("swap", None)
    assert parse_condition("inferred:12") == ("hypotheses", 12)
    assert parse_condition("true") == ("oracle", None)


def test_a_model_inferer_needs_a_model_factory() -> None:
    settings = {"inferer": "openai:gpt-4o-mini"}
    with pytest.raises(ValueError, match="model factory"):
        episode_personalization("inferred", ENV, {"user": "brisk_bo"}, seed=1, settings=settings)


@pytest.mark.parametrize(
    ("conditions", "settings", "needle"),
    [
        (["none", "oracel"], {}, "Did you mean 'oracle'"),
        (["none"], {"n_demonstrations": -2}, "non-negative integer"),
        (["none"], {"n_demonstrations": True}, "non-negative integer"),
        (["none"], {"inferer": ""}, "'offline' or a model spec"),
        (["none"], {"inferer_options": [1]}, "must be a mapping"),
    ],
)
def test_settings_are_checked_before_a_run(conditions: list, settings: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        check_user_settings(conditions, settings)
    check_user_settings(["none", "inferred:3", "placebo"], {"n_demonstrations": 4})
