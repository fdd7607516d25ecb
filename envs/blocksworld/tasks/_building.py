"""The building subtasks: execute a given plan (spec 2.8) and build the best two-block tower
from given estimates (spec 2.1/2.11, ``BuildTwoBlockTowerCapability``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from envs._actions import ParsedAction
from envs._text import Outcome
from envs.blocksworld import _render as R
from envs.blocksworld._base import BlocksworldEnv, check_int
from envs.blocksworld._configs import (
    Configuration,
    best_configuration,
    configuration_score,
    configuration_to_lists,
    partition_distance,
)
from envs.blocksworld._world import noisy_reading
from envs.blocksworld.tasks._shared import (
    ENUMERATION_WHY,
    check_two_towers,
    first_two_block_tower,
    two_block_summary,
    two_tower_summary,
)

_BUILD = ("pick_up", "put_down", "stack", "unstack")


class ExecutePlan(BlocksworldEnv):
    """Build a given two-tower configuration, with perturbed actions and distractions.

    ## Description
    Subtask for the plan-execution capability, spec 2.8: the :class:`PlanAndExecute` world,
    and the first observation hands over the optimal configuration to build.

    ## Action Space
    ``<pick up X>``, ``<put down X>``, ``<stack X on Y>``, ``<unstack X>``, ``<help>``,
    ``<done>``.

    ## Observation Space
    Text; every observation after an action ends with the state description.

    ## Rewards
    0 during the episode; at the end the true lower-tower height of what was built.
    ``info["partition_distance"]`` compares it with the intended configuration (spec 2.10).

    ## Episode End
    Terminates on an accepted ``<done>`` (exactly two towers, empty hand); truncates after
    ``20n + 10`` steps.

    ## Arguments
    ``n_blocks`` (2-16, default 3), ``perturb_prob`` (default 0.2), ``distraction_prob``
    (default 0.2), ``noise`` (unused), ``continued``, ``protocol``, ``render_mode``.

    ## Version History
    * v1: noise, perturbation and distraction streams derived per task (only the heights are
      shared with the other tasks for a seed); ``streams="shared"`` gives v0. Both versions
      take ``dynamics`` (``"telic"`` or ``"paper"``, see ``docs/environments.md``).
    * v0: initial version. Project decisions as in :class:`PlanAndExecute` (a perturbation
      picks a *different* possible action and says so; our own distraction corpus; every
      observation after an action ends with the state description). The step cap is
      ``20n + 10``, the later of the released code's two versions.
    """

    task_name: ClassVar[str] = "execute_plan"
    ACTIONS = (*_BUILD, "help", "done")
    BUILDS = True
    DEFAULT_PERTURB = 0.2
    DEFAULT_DISTRACT = 0.2
    MAX_BLOCKS = 16
    MAX_BLOCKS_WHY = ENUMERATION_WHY

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._intended: Configuration = (("a",), ("b",))
        self._final: Configuration | None = None

    @property
    def _cap(self) -> int:
        return 20 * self.n_blocks + 10

    def _setup(self) -> None:
        self._intended = best_configuration(self.true_heights)
        self._final = None

    def _details(self) -> list[str]:
        return [
            f"{R.INTENDED_PREFIX}{R.configuration_text(self._intended)}",
            "Build these two towers (the order of blocks inside a tower does not matter) and "
            f"finish with {self._ref('done')} when they stand on the table and your hand is "
            "empty.",
        ]

    def _task_act(self, action: ParsedAction) -> Outcome:
        self._final = check_two_towers(self)
        return Outcome(self._compose("You have finished: two towers stand on the table."), True)

    def _task_summary(self) -> dict[str, Any]:
        final = self._final
        summary = two_tower_summary(self, final, self._final is not None, self._intended)
        summary["optimal_return"] = configuration_score(self._intended, self.true_heights)
        if summary["return"] is not None:
            summary["regret"] = round(summary["optimal_return"] - summary["return"], 6)
        summary.pop("optimal_configuration")
        summary["intended_configuration"] = configuration_to_lists(self._intended)
        summary["partition_distance"] = (
            None if final is None else partition_distance(self._intended, final)
        )
        return summary


class BuildTwoBlockTower(BlocksworldEnv):
    """Build the tallest two-block tower using height estimates given in the prompt.

    ## Description
    The ``BuildTwoBlockTowerCapability`` of the released code (spec 2.1, 2.11): the building
    half of :class:`InformationGathering`. Estimates are either passed in (``estimates``, for
    example the agent's own from an earlier task) or drawn as the mean of
    ``estimate_readings`` noisy readings per block.

    ## Action Space
    ``<pick up X>``, ``<put down X>``, ``<stack X on Y>``, ``<unstack X>``, ``<help>``.

    ## Observation Space
    Text; every observation after an action ends with the state description.

    ## Rewards
    0 during the episode; at the end the true height of the two-block tower built.
    ``optimal_return`` is the sum of the two tallest *true* heights.

    ## Episode End
    Terminates when a tower reaches two blocks; truncates after ``n + 10`` steps.

    ## Arguments
    ``n_blocks`` (2-26, default 3), ``estimates`` (``{block: cm}`` for every block, or None),
    ``estimate_readings`` (default 10), ``noise`` (default 0.3, for the drawn estimates),
    ``perturb_prob`` and ``distraction_prob`` (default 0), ``continued``, ``protocol``,
    ``render_mode``.

    ## Version History
    * v1: noise, perturbation and distraction streams derived per task (only the heights are
      shared with the other tasks for a seed); ``streams="shared"`` gives v0. Both versions
      take ``dynamics`` (``"telic"`` or ``"paper"``, see ``docs/environments.md``).
    * v0: initial version. Every observation after an action ends with the state
      description; heights are kept at 0.01 cm.
    """

    task_name: ClassVar[str] = "build_two_block_tower"
    ACTIONS = (*_BUILD, "help")
    BUILDS = True

    def __init__(
        self,
        *,
        estimates: Mapping[str, float] | None = None,
        estimate_readings: int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.estimate_readings = check_int("estimate_readings", estimate_readings, 1, 1000)
        self._given: dict[str, float] | None = None
        if estimates is not None:
            if not isinstance(estimates, Mapping) or sorted(estimates) != list(self.blocks):
                raise ValueError(
                    f"estimates must map every block ({', '.join(self.blocks)}) to a height "
                    f"in cm, got {estimates!r}"
                )
            for block, value in estimates.items():
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"estimates[{block!r}] must be a number, got {value!r}")
                if not math.isfinite(value):
                    raise ValueError(f"estimates[{block!r}] must be finite, got {value!r}")
            self._given = {b: round(float(v), 2) for b, v in estimates.items()}
        self._estimates: dict[str, float] = {}
        self._tower: list[str] | None = None

    @property
    def _cap(self) -> int:
        return self.n_blocks + 10

    def _setup(self) -> None:
        self._tower = None
        if self._given is not None:
            self._estimates = dict(self._given)
            return
        self._estimates = {}
        for block in self.blocks:
            readings = [
                noisy_reading(self._noise_rng, self.true_heights[block], self.noise)
                for _ in range(self.estimate_readings)
            ]
            self._estimates[block] = round(float(np.mean(readings)), 2)

    def _details(self) -> list[str]:
        return [
            R.heights_text(R.ESTIMATES_PREFIX, self._estimates),
            "The first time you stack one block on another the task ends, and the two-block "
            "tower is scored by its true height.",
        ]

    def _after_world_action(self) -> bool:
        self._tower = first_two_block_tower(self)
        return self._tower is not None

    def _task_summary(self) -> dict[str, Any]:
        summary = two_block_summary(self, self._tower)
        summary["estimates"] = dict(self._estimates)
        return summary
