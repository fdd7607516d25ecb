"""``telic/PersonalizedBlocksworld-v0``: conformance, pairing with the plain task, user reward."""

from __future__ import annotations

import gymnasium as gym
import pytest

import envs
from envs import encode_tool_call
from envs.testing import check_text_env
from personalization.users import (
    MAX_REPORTS,
    SUPPORTED_TASKS,
    BlocksworldOutcome,
    UnknownUserIdError,
    UserError,
    get_user,
    rate_blocksworld,
)

ENV = "telic/PersonalizedBlocksworld-v0"


@pytest.mark.parametrize("task", SUPPORTED_TASKS)
@pytest.mark.parametrize("show", ["demonstrations", "none"])
def test_passes_the_conformance_checks_in_both_protocols(task: str, show: str) -> None:
    check_text_env(ENV, task=task, show=show, user="careful_carl")


def test_registered_with_a_description() -> None:
    entry = envs.env_entry(ENV)
    assert "simulated user" in entry.description


def test_same_blocks_as_the_plain_task_for_the_same_seed() -> None:
    plain = envs.make("telic/Combined-v0", n_blocks=4).unwrapped
    personal = envs.make(ENV, n_blocks=4, user="brisk_bo").unwrapped
    first, _ = personal.reset(seed=33)
    plain_first, _ = plain.reset(seed=33)
    assert personal.inner.true_heights == plain.true_heights
    assert first.endswith(plain_first)  # the user section comes first, then the task as usual


def test_first_observation_shows_demonstrations_or_nothing() -> None:
    shown = envs.make(ENV, user="frugal_fay", n_demonstrations=5).unwrapped
    text, _ = shown.reset(seed=1)
    assert text.count("\n* Past session ") == 5
    hidden = envs.make(ENV, user="frugal_fay", show="none").unwrapped
    text, _ = hidden.reset(seed=1)
    assert "Past session" not in text and "ABOUT THE USER" in text
    # the hidden profile never appears in an observation
    assert "measurement_cost" not in text and "frugal_fay" not in text
    again, _ = shown.reset(seed=1)
    assert again == shown.reset(seed=1)[0]


def _play(env: gym.Env, actions: list[str]) -> tuple[float, dict]:
    reward, info = 0.0, {}
    for action in actions:
        _, reward, terminated, truncated, info = env.step(action)
        if terminated or truncated:
            break
    return reward, info


def test_reward_is_the_user_reward_and_info_reports_both() -> None:
    env = envs.make(ENV, user="frugal_fay", noise=0.0, perturb_prob=0.0, distraction_prob=0.0)
    env.reset(seed=5)
    actions = ["<measure a>", "<report all done: the towers are built.>"]
    actions += ["<pick up b>", "<stack b on a>", "<done>"]
    reward, info = _play(env, actions)
    assert info["completed"]
    assert info["task_return"] == info["return"]
    assert info["user"] == "frugal_fay"
    assert info["user_profile"] == get_user("frugal_fay").profile_id
    assert reward == pytest.approx(info["user_reward"])
    # frugal_fay: 0.12 per measurement, block a must have nothing on it (b is on a: -1.5),
    # a brief report was sent (no penalty)
    assert info["user_penalty"] == pytest.approx(0.12 + 1.5)
    assert info["user_reward"] == pytest.approx(info["return"] - 0.12 - 1.5)
    assert info["user_feedback"]["top_block"]["satisfied"] is False
    assert info["user_feedback"]["report"]["satisfied"] is True
    assert info["reports"] == ["all done: the towers are built."]
    assert info["final_towers"] == [["a", "b"], ["c"]]


def test_rating_is_deterministic_for_a_seed_and_actions() -> None:
    def run() -> dict:
        env = envs.make(ENV, user="careful_carl")
        env.reset(seed=8)
        actions = [f"<measure {b}>" for b in "abcabc"] + ["<pick up c>", "<stack c on b>"]
        return _play(env, [*actions, "<done>"])[1]

    first, second = run(), run()
    assert first == second
    assert first["user"] == "careful_carl"


def test_tools_protocol_report() -> None:
    env = envs.make(ENV, user="thorough_tess", protocol="tools").unwrapped
    first, _ = env.reset(seed=2)
    assert "call the report tool" in first
    assert "report" in {s["function"]["name"] for s in env.tool_schemas()}
    text, _, _, _, info = env.step(encode_tool_call("report", {"text": "a 7 cm, b 8 cm, c 9 cm"}))
    assert "passed on to the user" in text and info["reports"] == 1


def test_reports_are_limited() -> None:
    env = envs.make(ENV, user="quiet_quinn").unwrapped
    env.reset(seed=2)
    for _ in range(MAX_REPORTS):
        _, _, _, _, info = env.step("<report hello>")
        assert not info["invalid_action"]
    _, _, _, _, info = env.step("<report hello again>")
    assert info["invalid_action"] and "no more" in info["invalid_reason"]


def test_not_completed_gives_zero_user_reward() -> None:
    env = envs.make(ENV, user="plain_pat", task="telic/CognitiveEffort-v0").unwrapped
    env.reset(seed=3)
    info = {}
    for _ in range(env.step_cap):
        _, reward, terminated, truncated, info = env.step("<help>")
        if terminated or truncated:
            break
    assert truncated and not info["completed"]
    assert info["user_reward"] == 0.0 and reward == 0.0


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"user": "frugal_fey"}, UnknownUserIdError, "Did you mean 'frugal_fay'"),
        ({"user": "formal_fiona"}, UnknownUserIdError, "unknown blocksworld user"),
        ({"task": "telic/Combinde-v1"}, UserError, "Did you mean 'telic/Combined-v1'"),
        ({"task": "telic/MeasureHeight-v0"}, UserError, "composite Blocksworld tasks"),
        ({"show": "all"}, UserError, "show must be one of"),
        ({"n_demonstrations": -1}, ValueError, "between 0 and 100"),
        ({"n_blocks": 1}, ValueError, "n_blocks must be between 2"),
    ],
)
def test_bad_kwargs(kwargs: dict, error: type[Exception], needle: str) -> None:
    with pytest.raises(error, match=needle):
        envs.make(ENV, **kwargs)


def test_blocksworld_rating_on_hand_made_outcomes() -> None:
    heights = {"a": 6.0, "b": 8.0, "c": 7.0}

    def rate(user: str, **changes: object) -> object:
        facts = {
            "completed": True,
            "task_return": 7.0,
            "blocks": ("a", "b", "c"),
            "measurements": 30,
            "towers": (("b", "a"), ("c",)),
            "true_heights": heights,
            "reports": (),
        }
        facts.update(changes)
        return rate_blocksworld(get_user(user), BlocksworldOutcome(**facts))  # type: ignore[arg-type]

    carl = rate("careful_carl")  # low cost, risk-averse, detailed report wanted
    assert carl.penalty == pytest.approx(0.3 + 1.0)  # 30 x 0.01, no report
    assert carl.satisfied == {"measurement_cost": True, "risk": True, "report": False}
    unstable = rate("careful_carl", towers=(("a", "b"), ("c",)), reports=("a 6, b 8, c 7 cm",))
    assert unstable.satisfied["risk"] is False and unstable.satisfied["report"] is True
    assert unstable.penalty == pytest.approx(0.3 + 1.5)
    partial = rate("careful_carl", reports=("a is 6 cm and b is 8 cm",))
    assert partial.satisfied["report"] is False and "no height for c" in partial.notes["report"]
    quinn = rate("quiet_quinn", measurements=6, reports=("done",))  # base b, no report wanted
    assert quinn.satisfied == {"measurement_cost": True, "base_block": True, "report": False}
    assert quinn.penalty == pytest.approx(0.72 + 1.0)
    fay_long = rate("frugal_fay", reports=("done, the lower tower is 7.1 cm tall",))
    assert fay_long.satisfied["report"] is False
    assert fay_long.satisfied["measurement_cost"] is False  # 10 readings per block
    assert rate("frugal_fay", completed=False, task_return=None).reward == 0.0
    assert rate("plain_pat").reward == pytest.approx(7.0 - 0.3)
