"""Scripted policies for the falling tower and its building subtask.

All of them build perfectly: the block on the table with the smallest name goes at the bottom
and every other block is stacked on the tallest tower, ``2(n - 1)`` steps from an empty
table. They differ only in what they do after the wind:

* ``persistent`` (and ``oracle`` on these tasks): always starts over;
* ``quitter``: answers ``<stop here>`` right after the fall;
* ``restarter``: starts over with probability ``restart_prob`` (default 0.5), decided once,
  at the step right after the fall, with the generator the runtime passes (derived from the
  model's seed and the episode's seed);
* ``random`` (the goal-directedness baseline): a uniformly random possible building action
  each step, or ``<stop here>`` once it is available.

They read only the observation texts, as a model would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from envs._policy import PolicyAction, register_policy
from envs.blocksworld import _render as R
from envs.blocksworld._observe import WorldState, parse_state
from envs.blocksworld.tasks._falling import STOP_HERE, TOWER_GOAL, WIND

_GOAL_LINE = R.TASK_PREFIX + TOWER_GOAL


def _episode(observations: Sequence[str]) -> list[str] | None:
    """The observations of the latest tower episode (first observation first)."""
    for index in range(len(observations) - 1, -1, -1):
        text = observations[index]
        if _GOAL_LINE in text and R.HELP_PREFIX not in text:
            return list(observations[index:])
    return None


def _latest_state(episode: Sequence[str]) -> WorldState:
    for text in reversed(episode):
        state = parse_state(text)
        if state is not None:
            return state
    return WorldState(())


def _say(name: str, args: dict[str, Any], reason: str) -> PolicyAction:
    spec = STOP_HERE if name == "stop_here" else R.ACTION_SPECS[name]
    return PolicyAction(name=name, args=args, text=f"{reason} {spec.render(args)}")


def tower_step(state: WorldState) -> PolicyAction:
    """The next move towards one tower of every block (see the module docstring)."""
    towers = sorted(state.towers, key=lambda t: (-len(t), t[0]))
    if state.held is not None:
        if not towers:
            return _say("put_down", {"block": state.held}, "I put it down.")
        return _say(
            "stack", {"block": state.held, "target": towers[0][-1]}, "Onto the tallest tower."
        )
    others = sorted(towers[1:], key=lambda t: (len(t), t[0]))
    source = others[0] if others else towers[0]
    top = source[-1]
    name = "pick_up" if len(source) == 1 else "unstack"
    return _say(name, {"block": top}, f"Next I move {top}.")


class TowerPolicy:
    """Builds the tower; after the wind starts over with probability ``restart_prob``.

    Args:
        restart_prob: probability of starting over after the fall (1: always, 0: never).
        seed: accepted for uniformity (the decision uses the generator passed to ``act``).
    """

    def __init__(self, *, restart_prob: float = 1.0, seed: int = 0) -> None:
        ok = isinstance(restart_prob, int | float) and not isinstance(restart_prob, bool)
        if not ok or not 0.0 <= float(restart_prob) <= 1.0:
            raise ValueError(f"restart_prob must be a number between 0 and 1, got {restart_prob!r}")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.restart_prob = float(restart_prob)
        self.seed = seed

    def handles(self, observations: Sequence[str]) -> bool:
        return _episode(observations) is not None

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        episode = _episode(observations)
        if episode is None:
            raise LookupError("no tower-building task found in the observations")
        # The decision is taken once, at the step whose newest observation reports the fall;
        # later steps only see a rebuilt (or rebuilding) tower and go on building.
        if len(episode) > 1 and WIND in episode[-1] and rng.random() >= self.restart_prob:
            return _say("stop_here", {}, "The wind knocked it down; I stop here.")
        return tower_step(_latest_state(episode))


class RandomTowerPolicy:
    """The baseline pi0 on the tower tasks: a uniformly random possible building action, or
    ``<stop here>`` once the tower has fallen (the random return is exact in the env's info)."""

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed

    def handles(self, observations: Sequence[str]) -> bool:
        return _episode(observations) is not None

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        episode = _episode(observations)
        if episode is None:
            raise LookupError("no tower-building task found in the observations")
        state = _latest_state(episode)
        moves: list[tuple[str, dict[str, Any]]] = []
        if state.held is None:
            for tower in state.towers:
                moves.append(("pick_up" if len(tower) == 1 else "unstack", {"block": tower[-1]}))
        else:
            moves.append(("put_down", {"block": state.held}))
            moves.extend(("stack", {"block": state.held, "target": t[-1]}) for t in state.towers)
        if any(WIND in text for text in episode[1:]):
            moves.append(("stop_here", {}))
        name, args = moves[int(rng.integers(len(moves)))]
        return _say(name, args, "Any move will do.")


def persistent(*, seed: int = 0, **_: object) -> TowerPolicy:
    """Always starts over after the fall."""
    return TowerPolicy(restart_prob=1.0, seed=seed)


def quitter(*, seed: int = 0, **_: object) -> TowerPolicy:
    """Stops right after the fall."""
    return TowerPolicy(restart_prob=0.0, seed=seed)


def restarter(*, restart_prob: float = 0.5, seed: int = 0, **_: object) -> TowerPolicy:
    """Starts over with probability ``restart_prob``."""
    return TowerPolicy(restart_prob=restart_prob, seed=seed)


def random_tower(*, seed: int = 0, **_: object) -> RandomTowerPolicy:
    """Uniformly random possible actions."""
    return RandomTowerPolicy(seed=seed)


def register_tower_policies() -> None:
    """Register the tower policies (idempotent)."""
    register_policy("oracle", persistent)
    register_policy(
        "persistent", persistent, doc="Falling tower: builds perfectly, always starts over."
    )
    register_policy("quitter", quitter, doc="Falling tower: builds perfectly, stops after a fall.")
    register_policy(
        "restarter",
        restarter,
        doc="Falling tower: builds perfectly, starts over with probability restart_prob.",
    )
    register_policy("random", random_tower)


register_tower_policies()
