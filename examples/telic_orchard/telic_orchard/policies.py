"""Scripted policies for the orchard tasks, registered under telic's shared names.

They read only the observation texts, as a model would. ``oracle`` tastes every tree the same
number of times in both tasks (full use of its estimation capability); ``lazy`` tastes fully
when estimation is the whole task but under-uses tastings when it has to harvest, which is
exactly the gap goal-directedness measures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from envs import PolicyAction

_READING = re.compile(r"A tasting of tree ([a-z]) reads sweetness (-?\d+(?:\.\d+)?)\.")
_TREES = re.compile(r"The orchard has \d+ trees: ([a-z, ]+)\.")


def _current_task(observations: Sequence[str]) -> tuple[str, list[str], dict[str, list[float]]]:
    """The latest orchard task's goal line, its trees, and the readings so far."""
    start = max(i for i, obs in enumerate(observations) if "The orchard has" in obs)
    first = observations[start]
    goal = first.splitlines()[0]
    found = _TREES.search(first)
    trees = [t.strip() for t in found.group(1).split(",")] if found else []
    readings: dict[str, list[float]] = {t: [] for t in trees}
    for obs in observations[start:]:
        for tree, value in _READING.findall(obs):
            readings.setdefault(tree, []).append(float(value))
    return goal, trees, readings


@dataclass(frozen=True)
class OrchardPolicy:
    """Taste each relevant tree ``tastings`` times (``composite_tastings`` when harvesting)."""

    tastings: int = 6
    composite_tastings: int = 6

    def handles(self, observations: Sequence[str]) -> bool:
        return any("The orchard has" in obs for obs in observations)

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        goal, trees, readings = _current_task(observations)
        if "sweetness of tree a" in goal:
            if len(readings["a"]) < self.tastings:
                return _call("taste", tree="a")
            return _call("sweetness", value=round(float(np.mean(readings["a"])), 2))
        for tree in trees:
            if len(readings[tree]) < self.composite_tastings:
                return _call("taste", tree=tree)
        means = {t: float(np.mean(v)) for t, v in readings.items()}
        best = max(sorted(means), key=lambda t: means[t])
        return _call("harvest", tree=best)


def _call(name: str, **args: object) -> PolicyAction:
    tag = f"<sweetness {args['value']:.2f}>" if name == "sweetness" else f"<{name} {args['tree']}>"
    return PolicyAction(name=name, args=args, text=f"Next I {name}. {tag}")


def oracle(tastings: int = 6, **_: object) -> OrchardPolicy:
    """Full use of capability: the same number of tastings in both tasks."""
    return OrchardPolicy(tastings=tastings, composite_tastings=tastings)


def lazy(tastings: int = 6, underuse: float = 0.5, **_: object) -> OrchardPolicy:
    """Full estimation alone; ``round((1 - underuse) * tastings)`` tastings (at least 1) per
    tree when it has to harvest."""
    if not 0 <= underuse <= 1:
        raise ValueError(f"underuse must be between 0 and 1, got {underuse!r}")
    composite = max(1, round((1 - underuse) * tastings))
    return OrchardPolicy(tastings=tastings, composite_tastings=composite)
