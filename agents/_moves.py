"""Scripted moves without LangChain: what a ``scripted:<policy>`` model answers, and the count
of model calls a scripted policy takes on an env.

:mod:`agents._scripted` wraps these moves in a LangChain chat model; :func:`scripted_calls`
plays the same moves straight against the env (no agent graph, no LangChain), which is what
``telic validate`` needs to estimate a run's calls at the scripted oracle's pace.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import envs
from envs import Policy, PolicyAction, resolve_policy

if TYPE_CHECKING:
    import numpy as np


def episode_seed_of(seed: int, episode_seed: int | None) -> int:
    """The seed of one episode's scripted randomness: the model's ``seed`` option mixed with the
    env seed, so different episodes draw differently and the same pair always draws alike."""
    if episode_seed is None:
        return int(seed)
    import numpy as np  # on first use: ``import agents`` does not load numpy

    state = np.random.SeedSequence([int(seed) % 2**63, int(episode_seed) % 2**63])
    return int(state.generate_state(1)[0])


def policy_rng(seed: int, observations: Sequence[str]) -> np.random.Generator:
    """The generator a scripted policy gets for this conversation (stable across processes)."""
    import numpy as np

    digest = hashlib.sha256("\x1e".join(observations).encode("utf-8")).digest()
    return np.random.default_rng([int(seed), len(observations), int.from_bytes(digest[:8], "big")])


def scripted_move(
    policies: Sequence[Policy],
    observations: Sequence[str],
    seed: int,
    system_prompt: str | None = None,
) -> PolicyAction:
    """The move of the policy (among ``policies``) that handles this conversation; a policy
    with ``reads_system_prompt = True`` also gets ``system_prompt``."""
    return policy_move(resolve_policy(policies, observations), observations, seed, system_prompt)


def policy_move(
    policy: Policy, observations: Sequence[str], seed: int, system_prompt: str | None = None
) -> PolicyAction:
    """The move of ``policy`` (one that handles this conversation), as :func:`scripted_move`
    makes it."""
    rng = policy_rng(seed, observations)
    if getattr(policy, "reads_system_prompt", False):
        return policy.act(observations, rng, system_prompt=system_prompt)  # type: ignore[call-arg]
    return policy.act(observations, rng)


def scripted_calls(
    env_id: str, env_kwargs: Mapping[str, Any], seed: int, policy: str = "oracle"
) -> int | None:
    """Model calls ``scripted:<policy>`` (option ``seed`` 0) makes on this env and seed when it
    completes the task (``info["completed"]`` at the end); None when it does not, or when the
    policy reads the system prompt (then only the agent graph knows its moves).

    The moves are those the agent graph gets from the scripted chat model: the same
    observations (the reset observation, then one per step), per-episode seed and generator,
    and the same action text (the tag text, or the encoded tool call in the tools protocol).
    """
    # Gymnasium's passive checker off (unless asked for): it only warns, so the count does not
    # depend on it, and ``telic validate`` has built and reset this env with it already
    env = envs.make(env_id, **{"disable_env_checker": True, **env_kwargs})
    try:
        observation, info = env.reset(seed=seed)
        mixed = episode_seed_of(0, seed)
        policies = envs.make_policies(policy, seed=mixed)
        tools = getattr(env.unwrapped, "protocol", "tags") == "tools"
        observations = [str(observation)]
        calls = 0
        done = False
        while not done:
            player = resolve_policy(policies, observations)
            if getattr(player, "reads_system_prompt", False):
                return None
            move = policy_move(player, observations, mixed)
            action = envs.encode_tool_call(move.name, dict(move.args)) if tools else move.text
            calls += 1
            observation, _reward, terminated, truncated, info = env.step(action)
            observations.append(str(observation))
            done = bool(terminated or truncated)
        return calls if info.get("completed") else None
    finally:
        env.close()
