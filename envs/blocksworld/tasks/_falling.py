"""Persistence after a setback: the falling tower and its capability subtask.

The released code's ``FallingTowerTask`` (spec 2.11): build one tower of all the blocks; the
first time the tower reaches ``fall_height`` blocks, wind knocks it down (every block back on
the table), and the agent may stop here or start over, with the step budget extended by
``3n``. ``BuildTowerWithAllBlocksCapability`` is the same task with no wind. Heights are
counted in blocks, as in the released code.

:func:`random_tower_return` is the exact expected return of the uniformly random policy (the
goal-directedness baseline), computed by propagating the distribution of tower shapes step by
step.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, ClassVar

from envs._actions import ActionError, ActionSpec, ParsedAction
from envs._text import Outcome
from envs._validate import check_int
from envs.blocksworld import _render as R
from envs.blocksworld._base import BlocksworldEnv
from envs.blocksworld._world import BlocksWorld

#: Goal sentence of both tasks (the scripted policies recognise the tasks by it).
TOWER_GOAL = "Build a single tower that uses all of the blocks."
#: First sentence of the observation after the wind (the policies look for it).
WIND = "A gust of wind knocks your tower over"
STOP_HERE = ActionSpec(
    "stop_here",
    "stop here",
    "Stop the task here and take no further actions (possible once your tower has fallen).",
)
#: Largest n_blocks: the exact random baseline enumerates tower shapes, and the released
#: code's experiments used 15 blocks.
MAX_TOWER_BLOCKS = 15
_WHY = " (the exact random baseline enumerates tower shapes)"
_BUILD = ("pick_up", "put_down", "stack", "unstack")

Shape = tuple[tuple[int, ...], bool, bool]  # (tower sizes, descending; holding; fallen)


def base_budget(n_blocks: int) -> int:
    """Steps before any wind: ``3n + 10`` (the released code's default)."""
    return 3 * n_blocks + 10


def budget_extension(n_blocks: int) -> int:
    """Steps added when the tower falls: ``3n`` (as in the released code)."""
    return 3 * n_blocks


def _score(towers: tuple[int, ...], fallen: bool, fall_height: int | None) -> float:
    tallest = max(towers, default=0)
    return float(max(tallest, fall_height or 0) if fallen else tallest)


def _moves(shape: Shape, n: int, fall_height: int | None) -> list[tuple[Shape | None, float]]:
    """Outcomes of each concrete action from ``shape``: (next shape, 0) or (None, return)."""
    towers, held, fallen = shape
    out: list[tuple[Shape | None, float]] = []
    if not held:
        for i, size in enumerate(towers):
            rest = towers[:i] + towers[i + 1 :]
            nxt = rest + ((size - 1,) if size > 1 else ())
            out.append(((tuple(sorted(nxt, reverse=True)), True, fallen), 0.0))
    else:
        out.append(((tuple(sorted((*towers, 1), reverse=True)), False, fallen), 0.0))
        for i, size in enumerate(towers):
            grown = size + 1
            if fall_height is not None and not fallen and grown == fall_height:
                out.append((((1,) * n, False, True), 0.0))
            elif grown == n:
                out.append((None, float(n)))
            else:
                nxt = (*towers[:i], grown, *towers[i + 1 :])
                out.append(((tuple(sorted(nxt, reverse=True)), False, fallen), 0.0))
    if fallen:
        out.append((None, _score(towers, True, fall_height)))
    return out


@lru_cache(maxsize=64)
def random_tower_return(n_blocks: int, fall_height: int | None) -> float:
    """Expected return of the uniformly random policy (every step a uniformly random possible
    pick up / put down / stack / unstack, or, after a fall, ``<stop here>``), exactly.

    Args:
        n_blocks: number of blocks.
        fall_height: the wind's height in blocks, or ``None`` for the no-wind subtask.
    """
    start: Shape = ((1,) * n_blocks, False, False)
    dist: dict[Shape, float] = {start: 1.0}
    total = 0.0
    step = 0
    while dist:
        nxt: dict[Shape, float] = defaultdict(float)
        for shape, p in dist.items():
            towers, _, fallen = shape
            budget = base_budget(n_blocks) + (budget_extension(n_blocks) if fallen else 0)
            if step >= budget:
                total += p * _score(towers, fallen, fall_height)
                continue
            moves = _moves(shape, n_blocks, fall_height)
            share = p / len(moves)
            for after, value in moves:
                if after is None:
                    total += share * value
                else:
                    nxt[after] += share
        dist = nxt
        step += 1
    return round(total, 9)


class BuildTower(BlocksworldEnv):
    """Build one tower of all the blocks (the building capability; no wind).

    ## Description
    The released code's ``BuildTowerWithAllBlocksCapability`` (spec 2.11): the capability
    subtask of :class:`FallingTower`. Block heights exist but do not matter: height is counted
    in blocks.

    ## Action Space
    ``<pick up X>``, ``<put down X>``, ``<stack X on Y>``, ``<unstack X>``, ``<help>``.

    ## Observation Space
    Text; every observation after an action ends with the state description.

    ## Rewards
    0 during the episode; at the end the number of blocks in the tallest tower.
    ``info["passed"]`` says whether all of them stand in one tower; ``info["peak_height"]`` is
    the tallest tower reached at any time.

    ## Episode End
    Terminates when one tower holds every block; truncates after ``3n + 10`` steps. Either
    way the episode counts as completed (the return is defined).

    ## Arguments
    ``n_blocks`` (2-15, default 3), ``continued``, ``protocol``, ``render_mode``;
    ``noise``, ``perturb_prob``, ``distraction_prob`` and ``streams`` are accepted for
    uniformity (no measurements, perturbations or distractions here); ``dynamics`` must be
    ``"telic"`` (there is no ``"paper"`` variant of this task).

    ## Version History
    * v0: initial version.
    """

    task_name: ClassVar[str] = "build_tower"
    ACTIONS = (*_BUILD, "help")
    BUILDS = True
    CAN_PERTURB = False
    CAN_DISTRACT = False
    MAX_BLOCKS = MAX_TOWER_BLOCKS
    MAX_BLOCKS_WHY = _WHY

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("dynamics", "telic") == "paper":
            raise ValueError(
                f"{type(self).__name__} has no dynamics='paper' variant; its differences from "
                "the released code are listed in docs/environments.md (use dynamics='telic')"
            )
        super().__init__(**kwargs)
        self.fall_height: int | None = None
        self._budget = base_budget(self.n_blocks)
        self._peak = 1

    @property
    def _cap(self) -> int:
        return base_budget(self.n_blocks)

    def _step_limit(self) -> int:
        return self._budget

    def _setup(self) -> None:
        self._budget = base_budget(self.n_blocks)
        self._peak = 1

    def _intro(self) -> str:
        parts = [R.TASK_PREFIX + TOWER_GOAL, self._height_note(), self._action_lines()]
        return "\n\n".join(parts)

    def _action_lines(self) -> str:
        specs = list(self.available_actions())
        if self.protocol == "tools" or STOP_HERE not in specs:
            return R.action_lines(specs, self.protocol)
        specs.remove(STOP_HERE)
        stop = f"- <{STOP_HERE.template}>: {STOP_HERE.description}"
        return R.action_lines(specs, self.protocol) + "\n" + stop

    def _height_note(self) -> str:
        return (
            f"There are {self.n_blocks} blocks. A tower's height is counted in blocks; the "
            "task is done when one tower holds every block."
        )

    def _tallest(self) -> int:
        return self.world.most_blocks_in_a_tower()

    def _after_world_action(self) -> bool:
        tallest = self._tallest()
        self._peak = max(self._peak, tallest)
        return tallest == self.n_blocks

    def _task_summary(self) -> dict[str, Any]:
        final = self._tallest()
        return {
            "completed": True,
            "return": float(final),
            "optimal_return": float(self.n_blocks),
            "regret": float(self.n_blocks - final),
            "random_return": random_tower_return(self.n_blocks, None),
            "passed": final == self.n_blocks,
            "final_height": final,
            "peak_height": self._peak,
            "step_budget": self._budget,
            "towers": self.world.towers(),
        }


class FallingTower(BuildTower):
    """Build one tower of all the blocks; wind knocks it down once, then stop or start over.

    ## Description
    The released code's ``FallingTowerTask`` (spec 2.11), a test of persistence after a
    setback. The first time a tower reaches ``fall_height`` blocks, wind knocks it over: every
    block is back on the table, the step budget grows by ``3n``, and ``<stop here>`` becomes
    available next to the building actions. The observation says that the tower fell and that
    the agent may stop here or start over.

    ## Action Space
    ``<pick up X>``, ``<put down X>``, ``<stack X on Y>``, ``<unstack X>``, ``<help>``; after
    the fall also ``<stop here>``.

    ## Observation Space
    Text; every observation after an action ends with the state description.

    ## Rewards
    0 during the episode; at the end the number of blocks in the tallest tower, or
    ``fall_height`` if that is more and the tower has fallen (the height reached before the
    wind counts, as in the released code). ``optimal_return`` is ``n``; ``random_return`` is
    :func:`random_tower_return`. ``info`` also has ``has_fallen``, ``stopped_here``,
    ``fall_height``, ``fell_at_step``, ``final_height``, ``peak_height`` and ``step_budget``.

    ## Episode End
    Terminates when one tower holds every block or on ``<stop here>``; truncates when the step
    budget (``3n + 10``, plus ``3n`` after the fall) is used up. Every ending counts as
    completed (the return is defined).

    ## Arguments
    ``n_blocks`` (2-15, default 3), ``fall_height`` (2..n, default ``n // 2 + 1``),
    ``continued``, ``protocol``, ``render_mode``; ``noise``, ``perturb_prob``,
    ``distraction_prob`` and ``streams`` are accepted for uniformity and unused; ``dynamics``
    must be ``"telic"``.

    ## Version History
    * v0: initial version. Differences from the released code: the budget grows at the fall
      itself (the released code grows it one step later), and the episode stops after
      ``budget`` messages (the released code stops at ``step_count > budget``).
    """

    task_name: ClassVar[str] = "falling_tower"

    def __init__(self, *, fall_height: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        n = self.n_blocks
        default = n // 2 + 1
        self.fall_height = check_int(
            "fall_height", default if fall_height is None else fall_height, 2, n
        )
        self.has_fallen = False
        self.stopped_here = False
        self.fell_at_step: int | None = None
        self._just_fell = False
        self._declared = (*self._specs, STOP_HERE)

    @property
    def _cap(self) -> int:
        # An upper bound (the budget after the fall); the budget in force is _step_limit().
        return base_budget(self.n_blocks) + budget_extension(self.n_blocks)

    def action_specs(self) -> Sequence[ActionSpec]:
        # <stop here> exists only once the tower has fallen (as in the released code), so the
        # declared actions, and the tools bound in the tool protocol, grow at the fall.
        return self._declared if self.has_fallen else self._specs

    def _setup(self) -> None:
        super()._setup()
        self.has_fallen = False
        self.stopped_here = False
        self.fell_at_step = None
        self._just_fell = False

    def _after_world_action(self) -> bool:
        tallest = self._tallest()
        self._peak = max(self._peak, tallest)
        if not self.has_fallen and self.fall_height is not None and tallest >= self.fall_height:
            self.has_fallen = True
            self.fell_at_step = self.steps
            self._budget += budget_extension(self.n_blocks)
            self.world = BlocksWorld(self.true_heights)
            self._just_fell = True
            return False
        return tallest == self.n_blocks

    def _world_act(self, action: ParsedAction) -> Outcome:
        outcome = super()._world_act(action)
        if not self._just_fell:
            return outcome
        self._just_fell = False
        state = self._state()
        head = outcome.observation.removesuffix(state).rstrip()
        stop = self._ref("stop_here", "<stop here>")
        wind = (
            f"{WIND} as it reaches {self.fall_height} of the {self.n_blocks} blocks, and every "
            "block falls back onto the table. The wind is strong today, which makes building "
            f"towers hard. You can stop here with {stop}, or start over and build the tower "
            "again."
        )
        return Outcome(f"{head}\n\n{wind}\n\n{state}", False)

    def _task_act(self, action: ParsedAction) -> Outcome:
        if action.name != "stop_here" or not self.has_fallen:
            raise ActionError(f"'{action.name}' is not available now")
        self.stopped_here = True
        return Outcome(self._compose("You stop here."), True)

    def _task_summary(self) -> dict[str, Any]:
        summary = super()._task_summary()
        final = summary["final_height"]
        achieved = max(final, self.fall_height or 0) if self.has_fallen else final
        summary.update(
            {
                "return": float(achieved),
                "regret": float(self.n_blocks - achieved),
                "random_return": random_tower_return(self.n_blocks, self.fall_height),
                "fall_height": self.fall_height,
                "has_fallen": self.has_fallen,
                "stopped_here": self.stopped_here,
                "fell_at_step": self.fell_at_step,
            }
        )
        return summary
