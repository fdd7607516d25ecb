"""``scripted:personal_oracle``: the oracle without preferences, adapted with them; the scripted
chat model hands the system prompt to policies that ask for it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import HumanMessage, SystemMessage

import envs
from agents import AgentConfig, make_model, run_episode
from envs.blocksworld._observe import WorldState
from personalization import render_block
from personalization.users import (
    PersonalOraclePolicy,
    arrange,
    format_preference_line,
    get_user,
    ordered_build_step,
    profile_hypotheses,
)

ENV = "telic/PersonalizedBlocksworld-v0"


def _actions(spec: str, env_id: str, kwargs: dict, seed: int, block: str | None = None) -> list:
    record = run_episode(
        env_id=env_id,
        env_kwargs=kwargs,
        seed=seed,
        model=make_model(spec, seed=0),
        model_spec=spec,
        config=AgentConfig(personalization=block),
    )
    return [a.raw for a in record.actions]


@pytest.mark.parametrize("protocol", ["tags", "tools"])
@pytest.mark.parametrize(
    "env_id",
    ["telic/Combined-v0", "telic/InformationGathering-v0", "telic/MeasureHeight-v0", ENV],
)
def test_without_preferences_it_plays_exactly_like_the_oracle(env_id: str, protocol: str) -> None:
    kwargs = {"n_blocks": 3, "protocol": protocol}
    for seed in (1, 2):
        plain = _actions("scripted:oracle", env_id, kwargs, seed)
        assert _actions("scripted:personal_oracle", env_id, kwargs, seed) == plain


def test_a_block_without_claims_changes_nothing() -> None:
    block = "## About the user\n\nHypotheses about the user:\nH1. [personality] Calm."
    kwargs = {"user": "frugal_fay", "show": "none"}
    plain = _actions("scripted:oracle", ENV, kwargs, 4)
    assert _actions("scripted:personal_oracle", ENV, kwargs, 4, block) == plain


def test_with_the_true_profile_it_adapts() -> None:
    kwargs = {"user": "frugal_fay", "show": "none", "perturb_prob": 0.0}
    block = render_block(profile_hypotheses(get_user("frugal_fay")))
    record = run_episode(
        env_id=ENV,
        env_kwargs=kwargs,
        seed=7,
        model=make_model("scripted:personal_oracle"),
        config=AgentConfig(personalization=block),
    )
    info = record.info
    assert sum(info["measurements"].values()) == 2 * 3  # frugal: 2 readings per block
    assert all(fb["satisfied"] for fb in info["user_feedback"].values()), info["user_feedback"]
    assert any(t[-1] == "a" for t in info["final_towers"])  # a at the top of its tower
    assert len(info["reports"]) == 1 and record.actions[-1].action == "<done>"
    plain = run_episode(
        env_id=ENV, env_kwargs=kwargs, seed=7, model=make_model("scripted:personal_oracle")
    )
    assert info["user_reward"] > plain.info["user_reward"]


@pytest.mark.parametrize("user_id", ["careful_carl", "thorough_tess", "quiet_quinn"])
@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_preferences_are_met_in_every_composite_task(user_id: str, protocol: str) -> None:
    block = render_block(profile_hypotheses(get_user(user_id)))
    for task in ("telic/Combined-v0", "telic/PlanAndExecute-v0", "telic/InformationGathering-v0"):
        kwargs = {"user": user_id, "show": "none", "task": task, "protocol": protocol}
        kwargs["noise"] = 0.0  # exact readings: risk ordering by estimates is then exact
        record = run_episode(
            env_id=ENV,
            env_kwargs=kwargs,
            seed=11,
            model=make_model("scripted:personal_oracle"),
            config=AgentConfig(personalization=block),
        )
        assert record.completed, task
        feedback = record.info["user_feedback"]
        assert all(fb["satisfied"] for fb in feedback.values()), (task, feedback)


def test_scripted_model_passes_the_system_prompt_only_to_policies_that_ask() -> None:
    env = envs.make(ENV, user="frugal_fay", show="none").unwrapped
    first, _ = env.reset(seed=3)
    line = format_preference_line({"measurement_cost": "high"})
    prompt = [SystemMessage(content=f"Be good.\n\n{line}"), HumanMessage(content=first)]
    seen: list = []

    class Spy(PersonalOraclePolicy):
        def act(self, observations, rng, system_prompt=None):  # type: ignore[no-untyped-def]
            seen.append(system_prompt)
            return super().act(observations, rng, system_prompt=system_prompt)

    envs.register_policy("test_spy_personal", Spy)
    reply = make_model("scripted:test_spy_personal").chat.invoke(prompt)
    assert seen == [f"Be good.\n\n{line}"]
    assert "<measure a>" in reply.content
    plain = make_model("scripted:oracle").chat.invoke(prompt)  # no keyword for the oracle
    assert "<measure a>" in plain.content


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=2, max_value=6))
def test_ordered_builder_reaches_any_target_from_any_state(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    blocks = [chr(ord("a") + i) for i in range(n)]
    order = list(rng.permutation(blocks))
    state_towers: list[list[str]] = []
    for block in order:  # a random start: blocks in random towers
        if state_towers and rng.random() < 0.5:
            state_towers[int(rng.integers(len(state_towers)))].append(block)
        else:
            state_towers.append([block])
    target_order = list(rng.permutation(blocks))
    cut = int(rng.integers(1, n))
    target = (tuple(target_order[:cut]), tuple(target_order[cut:]))
    towers, held = [list(t) for t in state_towers], None
    for _ in range(6 * n * n):
        state = WorldState(tuple(tuple(t) for t in sorted(towers)), held)
        move = ordered_build_step(state, target)
        if move is None:
            break
        name, args = move
        if name in ("pick_up", "unstack"):
            assert held is None
            source = next(t for t in towers if t[-1] == args["block"])
            assert name == ("pick_up" if len(source) == 1 else "unstack")
            held = source.pop()
            towers = [t for t in towers if t]
        elif name == "put_down":
            towers.append([held])
            held = None
        else:
            dest = next(t for t in towers if t[-1] == args["target"])
            dest.append(held)
            held = None
    assert held is None
    assert sorted(tuple(t) for t in towers) == sorted(target)


def test_arrange_applies_risk_then_base_and_top() -> None:
    heights = {"a": 6.0, "b": 9.0, "c": 7.0, "d": 8.0}
    split = [["a", "b", "c"], ["d"]]
    assert arrange(split, heights, {}) == (("a", "b", "c"), ("d",))
    assert arrange(split, heights, {"risk": "averse"}) == (("b", "c", "a"), ("d",))
    assert arrange(split, heights, {"base_block": "c", "top_block": "b"}) == (
        ("c", "a", "b"),
        ("d",),
    )


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="frugal_measurements must be a positive integer"):
        PersonalOraclePolicy(frugal_measurements=0)
