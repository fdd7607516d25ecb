"""A tiny text env and two scripted policies for the agent-runtime tests.

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

import envs
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


def register() -> None:
    """Register the toy env and policies (idempotent)."""
    envs.register_env(ENV_ID, "agent_toy:CounterEnv", "Count to a target (tests).")
    envs.register_policy("toy_oracle", CounterOracle, doc="Counter env oracle (tests).")
    envs.register_policy("toy_random", CounterRandom, doc="Counter env random (tests).")
