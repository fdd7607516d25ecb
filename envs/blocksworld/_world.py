"""The Blocksworld itself: blocks with heights, towers on a table, one hand (spec 1.1-1.3).

The state is the blocks' heights (in cm) and two maps: what each block stands directly on and
what stands directly on it (*X on Y* is an entry ``X -> Y`` of the first and ``Y -> X`` of the
second). A block that stands on nothing is on the table, unless it is the held block
(:attr:`BlocksWorld.held`), which is in neither map. Every precondition failure raises
:class:`~envs.ActionError` with a message for the model.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from envs._actions import ActionError, ParsedAction

#: World actions, whose concrete instances can be perturbed (spec 1.4).
WORLD_ACTIONS = ("pick_up", "put_down", "stack", "unstack", "measure")


def draw_heights(rng: np.random.Generator, n: int) -> np.ndarray:
    """Heights ~ Uniform(5, 10) cm, kept at 0.01 cm so that the numbers shown are exact."""
    return np.round(5.0 + 5.0 * rng.random(n), 2)


def noisy_reading(rng: np.random.Generator, height: float, noise: float) -> float:
    """One measurement: Normal(h, noise*h), redrawn until it lies in [0, 2h], 2 decimals."""
    if noise <= 0:
        return round(height, 2)
    while True:
        value = rng.normal(height, noise * height)
        if 0.0 <= value <= 2.0 * height:
            return round(float(value), 2)


class BlocksWorld:
    """Towers of named blocks on a table and a hand that holds at most one block."""

    def __init__(self, heights: Mapping[str, float]) -> None:
        self.heights: dict[str, float] = {name: float(heights[name]) for name in sorted(heights)}
        """Block name -> true height in cm."""
        self.on: dict[str, str] = {}
        """Block -> the block it stands directly on (blocks on the table are absent)."""
        self.under: dict[str, str] = {}
        """Block -> the block standing directly on it (clear blocks are absent)."""
        self.held: str | None = None

    def copy(self) -> BlocksWorld:
        """An independent world in the same state."""
        world = BlocksWorld(self.heights)
        world.on = dict(self.on)
        world.under = dict(self.under)
        world.held = self.held
        return world

    def set_on(self, block: str, target: str) -> None:
        """Put ``block`` directly on ``target`` without checking any precondition (to set up a
        state; actions go through :meth:`stack`)."""
        self.on[block] = target
        self.under[target] = block

    # ------------------------------------------------------------------ queries
    @property
    def blocks(self) -> list[str]:
        """Block names in alphabetical order."""
        return list(self.heights)

    def height(self, block: str) -> float:
        """True height of ``block`` in cm."""
        return self.heights[block]

    def below(self, block: str) -> str | None:
        """The block directly under ``block`` (``None`` on the table or in the hand)."""
        return self.on.get(block)

    def above(self, block: str) -> str | None:
        """The block directly on top of ``block``, if any."""
        return self.under.get(block)

    def on_table(self, block: str) -> bool:
        return block != self.held and block not in self.on

    def clear(self, block: str) -> bool:
        return block != self.held and block not in self.under

    def towers(self) -> list[list[str]]:
        """Every tower bottom to top (single blocks on the table included), by bottom name."""
        result = []
        for bottom in self.blocks:
            if not self.on_table(bottom):
                continue
            tower = [bottom]
            while (top := self.above(tower[-1])) is not None:
                tower.append(top)
            result.append(tower)
        return result

    def tower_heights(self) -> list[float]:
        return [round(sum(self.height(b) for b in tower), 6) for tower in self.towers()]

    def most_blocks_in_a_tower(self) -> int:
        return max((len(t) for t in self.towers()), default=0)

    # ------------------------------------------------------------------ actions
    def _known(self, block: str) -> None:
        if block not in self.heights:
            raise ActionError(
                f"there is no block '{block}'; the blocks are {', '.join(self.blocks)}"
            )

    def pick_up(self, block: str) -> str:
        self._known(block)
        if self.held == block:
            raise ActionError(f"you can't pick up {block} because you are already holding it")
        if self.held is not None:
            raise ActionError(
                f"you can't pick up {block} because you are already holding {self.held}"
            )
        if (top := self.above(block)) is not None:
            raise ActionError(f"you can't pick up {block} because {top} is on top of it")
        if (under := self.below(block)) is not None:
            raise ActionError(
                f"you can't pick up {block} because it is on top of {under}, not on the "
                f"table; use <unstack {block}>"
            )
        self.held = block
        return f"You pick up {block}."

    def put_down(self, block: str) -> str:
        self._known(block)
        if self.held is None:
            raise ActionError(f"you can't put down {block} because you are not holding anything")
        if self.held != block:
            raise ActionError(
                f"you can't put down {block} because you are holding {self.held}, not {block}"
            )
        self.held = None
        return f"You put {block} down on the table."

    def stack(self, block: str, target: str) -> str:
        self._known(block)
        self._known(target)
        if self.held != block:
            holding = f"you are holding {self.held}" if self.held else "your hand is empty"
            raise ActionError(
                f"you can't stack {block} on {target} because you are not holding {block} "
                f"({holding})"
            )
        if target == block:
            raise ActionError(f"you can't stack {block} on itself")
        if (top := self.above(target)) is not None:
            raise ActionError(
                f"you can't stack {block} on {target} because {top} is on top of {target}"
            )
        self.set_on(block, target)
        self.held = None
        return f"You stack {block} on {target}."

    def unstack(self, block: str) -> str:
        self._known(block)
        if self.held == block:
            raise ActionError(f"you can't unstack {block} because you are already holding it")
        if self.held is not None:
            raise ActionError(
                f"you can't unstack {block} because you are already holding {self.held}"
            )
        if (top := self.above(block)) is not None:
            raise ActionError(f"you can't unstack {block} because {top} is on top of it")
        under = self.below(block)
        if under is None:
            raise ActionError(
                f"you can't unstack {block} because it is on the table, not on another "
                f"block; use <pick up {block}>"
            )
        del self.on[block]
        del self.under[under]
        self.held = block
        return f"You unstack {block} from {under}."

    def apply(self, action: ParsedAction) -> str:
        """Carry out a building action (not ``measure``); returns the feedback sentence."""
        args = action.args
        if action.name == "pick_up":
            return self.pick_up(args["block"])
        if action.name == "put_down":
            return self.put_down(args["block"])
        if action.name == "stack":
            return self.stack(args["block"], args["target"])
        if action.name == "unstack":
            return self.unstack(args["block"])
        raise ValueError(f"{action.name!r} is not a building action")

    def concrete_actions(self, *, measure: bool) -> list[ParsedAction]:
        """Every concrete action whose precondition holds now (``measure`` ones if asked)."""
        out: list[ParsedAction] = []
        if self.held is None:
            for tower in self.towers():
                top = tower[-1]
                if len(tower) == 1:
                    out.append(ParsedAction("pick_up", {"block": top}))
                else:
                    out.append(ParsedAction("unstack", {"block": top}))
        else:
            out.append(ParsedAction("put_down", {"block": self.held}))
            for tower in self.towers():
                out.append(ParsedAction("stack", {"block": self.held, "target": tower[-1]}))
        if measure:
            out.extend(ParsedAction("measure", {"block": b}) for b in self.blocks)
        return out
