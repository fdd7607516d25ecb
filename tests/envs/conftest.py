"""Shared helpers for the envs tests: playing an episode with a scripted policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import envs
from envs.blocksworld import BLOCKSWORLD_ENVS

BLOCKSWORLD_IDS = [env_id for env_id, _, _ in BLOCKSWORLD_ENVS]


@dataclass
class Episode:
    """One played episode."""

    observations: list[str]
    infos: list[dict[str, Any]]
    actions: list[str] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)

    @property
    def final(self) -> dict[str, Any]:
        return self.infos[-1]


def play(
    env_id: str,
    policy: str = "oracle",
    seed: int = 0,
    *,
    protocol: str = "tags",
    policy_params: dict[str, Any] | None = None,
    history: list[str] | None = None,
    env: gym.Env | None = None,
    max_steps: int = 1000,
    **env_kwargs: Any,
) -> Episode:
    """Play one episode; ``history`` holds earlier observations (stepped context)."""
    if env is None:
        env = gym.make(env_id, protocol=protocol, **env_kwargs)
    obs, info = env.reset(seed=seed)
    policies = envs.make_policies(policy, **(policy_params or {}))
    conversation = [*(history or []), obs]
    episode = Episode([obs], [info])
    for step in range(max_steps):
        chosen = envs.resolve_policy(policies, conversation)
        move = chosen.act(conversation, np.random.default_rng([seed, step]))
        action = envs.encode_tool_call(move.name, move.args) if protocol == "tools" else move.text
        obs, reward, terminated, truncated, info = env.step(action)
        conversation.append(obs)
        episode.observations.append(obs)
        episode.infos.append(info)
        episode.actions.append(action)
        episode.rewards.append(reward)
        if terminated or truncated:
            return episode
    raise AssertionError(f"{env_id} did not end within {max_steps} steps")


@pytest.fixture(autouse=True)
def _no_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "false")


@pytest.fixture
def player():  # type: ignore[no-untyped-def]
    """The :func:`play` helper (a fixture, so test modules need not import conftest)."""
    return play
