"""Decision pieces the scripted Blocksworld policies share.

* :func:`build_step`: the next move towards a target configuration from any state (it
  recovers from perturbations because it only looks at the current state);
* :func:`pair_step`: the next move towards a given two-block tower;
* :class:`PolicyCapability`: how much of the optimal strategy a policy carries out (measurements
  per block, share of configurations considered, arithmetic noise, pick errors, slips) and
  :func:`choose_configuration` / :func:`apply_slips`, which apply it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from envs.blocksworld._configs import Configuration, all_scores, canonical_configuration
from envs.blocksworld._observe import WorldState

Move = tuple[str, dict[str, Any]]


def build_step(state: WorldState, target: Configuration) -> Move | None:
    """The next building action towards ``target``; ``None`` when it stands and the hand is
    empty.

    Rules, in order: a held block goes onto the largest tower made only of blocks of its
    target tower (or onto the table); a tower mixing the two target towers loses its top; two
    towers of the same target tower merge, the smaller one moving onto the larger.
    """
    side = {block: 0 for block in target[0]}
    side.update({block: 1 for block in target[1]})

    def pure(tower: Sequence[str]) -> bool:
        return all(side[b] == side[tower[0]] for b in tower)

    towers = list(state.towers)
    if state.held is not None:
        held = state.held
        homes = [t for t in towers if pure(t) and side[t[0]] == side[held]]
        if homes:
            home = min(homes, key=lambda t: (-len(t), t[0]))
            return "stack", {"block": held, "target": home[-1]}
        return "put_down", {"block": held}
    for tower in towers:
        if not pure(tower):
            return "unstack", {"block": tower[-1]}
    for which in (0, 1):
        group = [t for t in towers if side[t[0]] == which]
        if len(group) > 1:
            source = max(group, key=lambda t: (-len(t), t[0]))
            top = source[-1]
            return ("pick_up" if len(source) == 1 else "unstack"), {"block": top}
    return None


def pair_step(state: WorldState, bottom: str, top: str) -> Move:
    """The next action towards the tower ``top`` on ``bottom`` (all blocks start alone)."""
    if state.held == top:
        return "stack", {"block": top, "target": bottom}
    if state.held is not None:
        return "put_down", {"block": state.held}
    return "pick_up", {"block": top}


def top_two(values: Mapping[str, float]) -> tuple[str, str]:
    """The two blocks with the highest values (ties by name), highest first."""
    ranked = sorted(values, key=lambda b: (-values[b], b))
    return ranked[0], ranked[1]


def digest(text: str) -> int:
    """A stable 64-bit number for ``text`` (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class PolicyCapability:
    """How much of the optimal strategy a policy carries out in one task."""

    measurements_per_block: int = 10
    """Readings taken of every relevant block before deciding."""
    considered: float = 1.0
    """Share of the configurations considered (a random subset when below 1)."""
    arithmetic_sd: float = 0.0
    """Standard deviation (cm) of the error added to every computed lower-tower height."""
    pick_error: float = 0.0
    """Probability of replacing the intended choice by a random other configuration."""
    slip: float = 0.0
    """Probability, per block, of building it into the other tower (if both stay non-empty)."""

    def n_considered(self, k: int) -> int:
        """``max(1, ceil(considered * k))`` of ``k`` configurations."""
        return max(1, min(k, math.ceil(self.considered * k - 1e-9)))


def considered_subset(
    configs: Sequence[Configuration], capability: PolicyCapability, rng: np.random.Generator
) -> list[Configuration]:
    """The configurations a policy looks at: all, or a random subset (kept in order)."""
    count = capability.n_considered(len(configs))
    if count >= len(configs):
        return list(configs)
    picked = sorted(rng.choice(len(configs), size=count, replace=False).tolist())
    return [configs[i] for i in picked]


def choose_configuration(
    blocks: Sequence[str],
    heights: Mapping[str, float],
    capability: PolicyCapability,
    rng: np.random.Generator,
) -> Configuration:
    """Enumerate (all or a subset), score (with arithmetic noise), pick (with pick errors)."""
    configs, all_values = all_scores({b: heights[b] for b in blocks})
    count = capability.n_considered(len(configs))
    if count >= len(configs):
        indices = np.arange(len(configs))
    else:
        indices = np.sort(rng.choice(len(configs), size=count, replace=False))
    scores = all_values[indices]
    if capability.arithmetic_sd > 0:
        scores = scores + rng.normal(0.0, capability.arithmetic_sd, size=len(indices))
    choice = configs[int(indices[int(np.argmax(scores))])]
    return mistaken_pick(choice, configs, capability.pick_error, rng)


def mistaken_pick(
    choice: Configuration,
    options: Sequence[Configuration],
    pick_error: float,
    rng: np.random.Generator,
) -> Configuration:
    """With probability ``pick_error``, a uniformly random *other* option instead."""
    if pick_error <= 0 or len(options) < 2:
        return choice
    if rng.random() < pick_error:
        others = [c for c in options if c != choice]
        return others[int(rng.integers(len(others)))]
    return choice


def apply_slips(target: Configuration, slip: float, rng: np.random.Generator) -> Configuration:
    """Move each block (alphabetical order) to the other tower with probability ``slip``,
    whenever its tower keeps at least one block."""
    if slip <= 0:
        return target
    towers = [set(target[0]), set(target[1])]
    for block in sorted(towers[0] | towers[1]):
        if rng.random() < slip:
            home = 0 if block in towers[0] else 1
            if len(towers[home]) > 1:
                towers[home].discard(block)
                towers[1 - home].add(block)
    return canonical_configuration(towers)


def valid_moves(state: WorldState, allowed: Sequence[str]) -> list[Move]:
    """Every building move whose precondition holds in ``state`` (for random actions)."""
    moves: list[Move] = []
    if state.held is None:
        for tower in state.towers:
            name = "pick_up" if len(tower) == 1 else "unstack"
            moves.append((name, {"block": tower[-1]}))
    else:
        moves.append(("put_down", {"block": state.held}))
        moves.extend(
            ("stack", {"block": state.held, "target": tower[-1]}) for tower in state.towers
        )
    return [m for m in moves if m[0] in allowed]
