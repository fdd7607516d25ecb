"""Test helpers: a tiny text env, scripted policies and chat-model doubles.

``telictest/Counter-v0``: the first observation states a target; ``<inc>`` adds one to a
counter, ``<add N>`` adds N, ``<done>`` ends the episode. Completed when the counter equals the
target at ``<done>``; the return is the target minus the invalid actions (so invalid output is
visible in the return). ``force_perturbation()`` turns the next accepted action into ``<inc>``
and reports ``info["perturbed_to"]``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import PrivateAttr

import envs
from agents._scripted import ScriptedChatModel
from envs import ActionError, ActionSpec, Outcome, Param, ParsedAction, PolicyAction, TextEnv

ENV_ID = "telictest/Counter-v0"


class CounterEnv(TextEnv):
    """Count up to a target (see the module docstring)."""

    task_name = "counter"

    def __init__(self, *, protocol: str = "tags", cap: int = 12, render_mode=None) -> None:
        super().__init__(protocol=protocol, render_mode=render_mode)
        self.cap = cap
        self.target = 0
        self.counter = 0
        self._perturb_next = False

    def action_specs(self) -> Sequence[ActionSpec]:
        return (
            ActionSpec("inc", "inc", "Add one to the counter."),
            ActionSpec(
                "add",
                "add {amount}",
                "Add a number to the counter.",
                (Param("amount", "number", "how much to add"),),
            ),
            ActionSpec("done", "done", "Finish the episode."),
        )

    @property
    def step_cap(self) -> int:
        return self.cap

    def force_perturbation(self) -> None:
        self._perturb_next = True

    def _start(self) -> str:
        self.target = int(self.np_random.integers(2, 5))
        self.counter = 0
        self._perturb_next = False
        return f"Reach the target {self.target}. Counter is 0."

    def _act(self, action: ParsedAction) -> Outcome:
        info: dict[str, Any] = {}
        if self._perturb_next:
            self._perturb_next = False
            action = ParsedAction("inc", {})
            info["perturbed_to"] = "<inc>"
        if action.name == "done":
            return Outcome("Episode over.", terminated=True, info=info)
        if action.name == "add":
            amount = action.args["amount"]
            if amount != int(amount):
                raise ActionError("amount must be a whole number")
            self.counter += int(amount)
        else:
            self.counter += 1
        return Outcome(f"Counter is {self.counter}.", info=info)

    def _summary(self) -> dict[str, Any]:
        completed = self._over and self.counter == self.target
        return {
            "completed": bool(completed),
            "return": float(self.target - self.invalid_actions) if completed else None,
            "optimal_return": float(self.target),
            "regret": float(self.invalid_actions) if completed else None,
            "target": self.target,
        }


def _state(observations: Sequence[str]) -> tuple[int, int]:
    target = int(re.search(r"target (\d+)", observations[0]).group(1))  # type: ignore[union-attr]
    counters = [int(m) for o in observations for m in re.findall(r"Counter is (\d+)", o)]
    return target, counters[-1] if counters else 0


class CounterOracle:
    """Increments until the target, then says done."""

    def handles(self, observations: Sequence[str]) -> bool:
        return bool(observations) and "Reach the target" in observations[0]

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        target, counter = _state(observations)
        if counter < target:
            text = f"Counter {counter} is below {target}, so I add one. <inc>"
            return PolicyAction("inc", {}, text)
        return PolicyAction("done", {}, "Reached it. <done>")


class CounterRandom:
    """Picks a random action (sometimes a bad one)."""

    def handles(self, observations: Sequence[str]) -> bool:
        return bool(observations) and "Reach the target" in observations[0]

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        choice = int(rng.integers(0, 4))
        if choice == 0:
            return PolicyAction("inc", {}, "<inc>")
        if choice == 1:
            amount = int(rng.integers(1, 3))
            return PolicyAction("add", {"amount": amount}, f"<add {amount}>")
        if choice == 2:
            return PolicyAction("done", {}, "<done>")
        return PolicyAction("jump", {}, "<jump>")


POLICY_NAMES = ("toy_oracle", "toy_random", "toy_writer")


def unregister() -> None:
    """Remove the toy env and policies again, so they never leak into other test modules.

    The registries have no public removal (results under an ID must stay comparable), so this
    test helper reaches into their private registries (``pop`` drops a name and its doc).
    """
    import gymnasium as gym

    from envs import _policy, _registry

    gym.registry.pop(ENV_ID, None)
    _registry._CATALOGUE.pop(ENV_ID, None)
    for name in POLICY_NAMES:
        _policy._POLICIES.pop(name, None)


def register() -> None:
    """Register the toy env and policies (idempotent)."""
    envs.register_env(ENV_ID, "agent_toy:CounterEnv", "Count to a target (tests).")
    envs.register_policy("toy_oracle", CounterOracle, doc="Counter env oracle (tests).")
    envs.register_policy("toy_random", CounterRandom, doc="Counter env random (tests).")
    envs.register_policy("toy_writer", Writer, doc="Single-text envs: submits a text (tests).")


class CannedChatModel(BaseChatModel):
    """Answers with a fixed list of messages (the last one repeats) and records every call."""

    replies: list[AIMessage]
    _calls: list[tuple[list[BaseMessage], Any]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "canned"

    @property
    def calls(self) -> list[tuple[list[BaseMessage], Any]]:
        """``(messages, tools)`` of every call."""
        return self._calls

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Runnable:
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        index = min(len(self._calls), len(self.replies) - 1)
        self._calls.append((list(messages), kw.get("tools")))
        return ChatResult(generations=[ChatGeneration(message=self.replies[index].model_copy())])


class SpyScripted(ScriptedChatModel):
    """A scripted model that records the messages of every call."""

    _seen: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    @property
    def seen(self) -> list[list[BaseMessage]]:
        return self._seen

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:  # fmt: skip
        self._seen.append(list(messages))
        return super()._generate(messages, stop=stop, **kwargs)


def comparable(record: Any) -> dict[str, Any]:
    """A record's JSON without what legitimately varies between identical runs."""
    data = record.to_json_dict()
    data.pop("wall_time_s")
    return data


class Writer:
    """Submits a fixed text in the personalized single-text envs (either protocol)."""

    def handles(self, observations: Sequence[str]) -> bool:
        return bool(observations) and ("Write" in observations[0] or "write" in observations[0])

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        found = re.search(r"calling the (\w+) tool", observations[0])
        name = found.group(1) if found else "submit_text"
        text = "Thanks for asking. Here is a short, careful reply."
        return PolicyAction(name, {"text": text}, text)
