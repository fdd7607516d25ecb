"""Full agent episodes on the personalized envs: scripted baselines and the personalization
block in the system prompt (agents.run_episode)."""

from __future__ import annotations

import pytest

from agents import AgentConfig, make_model, run_episode
from personalization import condition_block, infer_offline, load_synthetic_users

USERS = load_synthetic_users()


def _play(spec: str, env_id: str, env_kwargs: dict, seed: int = 0, personalization=None):
    return run_episode(
        env_id=env_id,
        env_kwargs=env_kwargs,
        seed=seed,
        model=make_model(spec),
        model_spec=spec,
        config=AgentConfig(personalization=personalization),
        episode_id=f"{spec}-{seed}",
    )


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_imitate_copies_a_demonstration_and_scores_high(protocol: str) -> None:
    kwargs = {"user": "edie", "show_examples": 3, "protocol": protocol}
    record = _play("scripted:imitate", "telic/PersonalizedWriting-v0", kwargs)
    assert record.completed and record.info["text"] in USERS["edie"].texts[:3]
    assert record.return_ == 1.0
    generic = _play("scripted:generic", "telic/PersonalizedWriting-v0", kwargs)
    assert generic.completed and generic.return_ < record.return_


def test_personalization_block_reaches_the_system_prompt() -> None:
    train = USERS["jax"].split(7)[0]
    block = condition_block("hypotheses", train, infer_offline(train))
    record = _play(
        "scripted:generic", "telic/PersonalizedWriting-v0", {"user": "jax"}, personalization=block
    )
    system = record.transcript[0]
    assert system.role == "system" and "never permissions" in system.content
    assert "exclamation marks" in system.content


@pytest.mark.parametrize(
    ("spec", "prompt_id", "refused", "ret"),
    [
        ("scripted:refuse", "h02", True, 1.0),
        ("scripted:refuse", "b01", True, 0.0),
        ("scripted:generic", "h02", False, 0.5),
    ],
)
def test_deliberative_baselines(spec: str, prompt_id: str, refused: bool, ret: float) -> None:
    record = _play(spec, "telic/DeliberativeAlignment-v0", {"user": "lee", "prompt_id": prompt_id})
    assert record.info["refused"] is refused and record.return_ == pytest.approx(ret)


def test_imitate_copies_the_preferred_format() -> None:
    kwargs = {"user": "lee", "prompt_id": "b01", "show_examples": 1}
    record = _play("scripted:imitate", "telic/DeliberativeAlignment-v0", kwargs)
    assert record.info["answer_format"] == "numbered"
    plain = _play("scripted:generic", "telic/DeliberativeAlignment-v0", kwargs)
    assert plain.info["answer_format"] == "prose"
    assert record.info["style_match"] > plain.info["style_match"]
