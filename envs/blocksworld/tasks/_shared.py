"""Pieces several Blocksworld tasks share: checking a submitted split, ``<done>`` for the
building tasks, and the two-tower and two-block summaries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from envs._actions import ActionError
from envs.blocksworld._base import BlocksworldEnv
from envs.blocksworld._configs import (
    MAX_ENUMERATION_BLOCKS,
    Configuration,
    canonical_configuration,
    configuration_score,
    configuration_to_lists,
    score_statistics,
)

ENUMERATION_WHY = (
    f" (this task enumerates all 2**(n-1) - 1 configurations; {MAX_ENUMERATION_BLOCKS} blocks "
    "already give 32767)"
)


def check_submission(config: Sequence[Sequence[str]], blocks: Sequence[str]) -> Configuration:
    """A submitted split as a canonical configuration, or :class:`ActionError` saying what is
    wrong with it (unknown or repeated blocks, an empty tower, blocks left out)."""
    seen: set[str] = set()
    for tower in config:
        for block in tower:
            if block not in blocks:
                raise ActionError(
                    f"there is no block '{block}'; the blocks are {', '.join(blocks)}"
                )
            if block in seen:
                raise ActionError(f"block '{block}' appears more than once; use each block once")
            seen.add(block)
    if any(not tower for tower in config):
        raise ActionError("a tower can't be empty; both towers need at least one block")
    missing = [b for b in blocks if b not in seen]
    if missing:
        raise ActionError(
            f"block(s) {', '.join(missing)} are missing; every block must be in one of the two "
            "towers"
        )
    return canonical_configuration(config)


def check_two_towers(env: BlocksworldEnv) -> Configuration:
    """The built configuration if ``<done>`` is allowed now, else :class:`ActionError`."""
    world = env.world
    if world.held is not None:
        raise ActionError(
            f"you are still holding {world.held}; put it down or stack it before finishing"
        )
    towers = world.towers()
    if len(towers) == 1:
        raise ActionError("all the blocks are in one tower; the goal needs exactly two towers")
    if len(towers) != 2:
        raise ActionError(
            f"there are {len(towers)} towers; the goal needs exactly two towers using all blocks"
        )
    return canonical_configuration(towers)


def two_tower_summary(
    env: BlocksworldEnv, final: Configuration | None, completed: bool, optimal: Configuration
) -> dict[str, Any]:
    """Summary of the tasks scored by the lower tower of a two-tower configuration
    (``final_configuration`` is ``None`` unless the task was completed)."""
    best, mean = score_statistics(env.true_heights)
    achieved = configuration_score(final, env.true_heights) if completed and final else None
    return {
        "completed": achieved is not None,
        "return": achieved,
        "optimal_return": best,
        "regret": None if achieved is None else round(best - achieved, 6),
        "random_return": round(mean, 6),
        "final_configuration": configuration_to_lists(final) if achieved is not None else None,
        "optimal_configuration": configuration_to_lists(optimal),
    }


def two_block_summary(env: BlocksworldEnv, tower: list[str] | None) -> dict[str, Any]:
    """Summary of the tasks scored by the true height of a two-block tower."""
    heights = sorted(env.true_heights.values(), reverse=True)
    best = round(heights[0] + heights[1], 6)
    achieved = round(sum(env.true_heights[b] for b in tower), 6) if tower else None
    mean = sum(heights) / len(heights)
    return {
        "completed": achieved is not None,
        "return": achieved,
        "optimal_return": best,
        "regret": None if achieved is None else round(best - achieved, 6),
        "random_return": round(2 * mean, 6),
        "tower": list(tower) if tower else None,
    }


def first_two_block_tower(env: BlocksworldEnv) -> list[str] | None:
    """The first tower with two blocks, bottom first, if any."""
    for tower in env.world.towers():
        if len(tower) >= 2:
            return tower[:2]
    return None
