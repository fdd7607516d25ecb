"""The subtasks that measure one capability each (spec 2.2, 2.4-2.6, 2.8, 2.11)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from envs._actions import ActionError, ParsedAction
from envs._text import Outcome
from envs.blocksworld import _render as R
from envs.blocksworld._base import BlocksworldEnv
from envs.blocksworld._configs import (
    Configuration,
    all_configurations,
    all_scores,
    best_configuration,
    configuration_score,
    configuration_to_lists,
    n_configurations,
    partition_distance,
)
from envs.blocksworld.tasks._shared import ENUMERATION_WHY, check_submission


class MeasureHeight(BlocksworldEnv):
    """Estimate the true height of one block from noisy measurements.

    ## Description
    Subtask for the height-estimation capability, spec 2.2. Only ``<measure X>`` (noisy, as
    in :class:`InformationGathering`) and ``<height Ncm>`` are available.

    ## Action Space
    ``<measure X>``, ``<height Ncm>``, ``<help>`` (or the tools ``measure``, ``height``,
    ``help``).

    ## Observation Space
    Text. The first observation names the block to measure.

    ## Rewards
    0 during the episode; at the end minus the absolute error of the estimate (cm).
    ``info["measuring_error"]`` is the signed error ``estimate - true height``.

    ## Episode End
    Terminates when a height is submitted; truncates after ``20n + 10`` steps.

    ## Arguments
    ``n_blocks`` (2-26, default 3), ``target_block`` (default ``"a"``), ``noise`` (default
    0.3), ``perturb_prob`` (default 0; a perturbed measurement measures another block),
    ``distraction_prob`` (default 0), ``continued``, ``protocol``, ``render_mode``.

    ## Version History
    * v1: noise, perturbation and distraction streams derived per task (only the heights are
      shared with the other tasks for a seed); ``streams="shared"`` gives v0. Both versions
      take ``dynamics`` (``"telic"`` or ``"paper"``, see ``docs/environments.md``).
    * v0: initial version.
    """

    task_name: ClassVar[str] = "measure_height"
    ACTIONS = ("measure", "height", "help")

    def __init__(self, *, target_block: str = "a", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(target_block, str) or target_block not in self.blocks:
            raise ValueError(
                f"target_block must be one of the blocks {', '.join(self.blocks)}, "
                f"got {target_block!r}"
            )
        self.target_block = target_block
        self._estimate: float | None = None

    @property
    def _cap(self) -> int:
        # The released code gives n + 10 steps when measurements are exact.
        if self.paper and self.noise <= 0:
            return self.n_blocks + 10
        return 20 * self.n_blocks + 10

    def _setup(self) -> None:
        self._estimate = None

    def _details(self) -> list[str]:
        return [
            f"There are {self.n_blocks} blocks: {', '.join(self.blocks)}.",
            f"{R.TARGET_PREFIX}{self.target_block}'. Submit your estimate of its true height "
            f"with {self._ref('height', '<height Ncm>')}; that ends the task.",
            R.NOISE_HINT if self.noise > 0 else R.EXACT_HINT,
        ]

    def _task_act(self, action: ParsedAction) -> Outcome:
        self._estimate = float(action.args["value"])
        return Outcome(self._compose(f"You answered {self._estimate:.2f}cm. Task over."), True)

    def _task_summary(self) -> dict[str, Any]:
        true = self.true_heights[self.target_block]
        error = None if self._estimate is None else round(self._estimate - true, 6)
        return {
            "completed": error is not None,
            "return": None if error is None else 0.0 - abs(error),
            "optimal_return": 0.0,
            "regret": None if error is None else abs(error),
            # E|U - h| for a guess U ~ Uniform(5, 10)
            "random_return": round(-((true - 5) ** 2 + (10 - true) ** 2) / 10, 6),
            "target_block": self.target_block,
            "estimate": self._estimate,
            "measuring_error": error,
            "target_true_height": true,
        }


class GenerateConfigurations(BlocksworldEnv):
    """List every split of the blocks into two non-empty towers, one per reply.

    ## Description
    Subtask, spec 2.4. Order of towers and of blocks inside a tower does not matter. After
    each accepted configuration the environment echoes the list accepted so far; repeats
    (re-orderings included) are errors.

    ## Action Space
    ``<towers ['a', 'b']; ['c']>``, ``<done>``, ``<help>``.

    ## Observation Space
    Text.

    ## Rewards
    0 during the episode; at the end the number of distinct valid configurations listed
    (``required_configurations`` = ``2**(n-1) - 1`` is the optimum).

    ## Episode End
    Terminates on ``<done>``; truncates after ``min(required + 30, 100)`` steps.

    ## Arguments
    ``n_blocks`` (2-16, default 3), ``distraction_prob`` (default 0), ``noise`` (unused),
    ``continued``, ``protocol``, ``render_mode``. ``perturb_prob`` must be 0.

    ## Version History
    * v1: noise, perturbation and distraction streams derived per task (only the heights are
      shared with the other tasks for a seed); ``streams="shared"`` gives v0. Both versions
      take ``dynamics`` (``"telic"`` or ``"paper"``, see ``docs/environments.md``).
    * v0: initial version.
    """

    task_name: ClassVar[str] = "generate_configurations"
    ACTIONS = ("towers", "done", "help")
    CAN_PERTURB = False
    MAX_BLOCKS = 16
    MAX_BLOCKS_WHY = ENUMERATION_WHY

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._accepted: list[Configuration] = []
        self._done = False

    @property
    def required(self) -> int:
        return n_configurations(self.n_blocks)

    @property
    def _cap(self) -> int:
        return min(self.required + 30, 100)

    def _setup(self) -> None:
        self._accepted = []
        self._done = False

    def _details(self) -> list[str]:
        return [
            f"There are {self.n_blocks} blocks: {', '.join(self.blocks)}.",
            "Give one new configuration per reply. The order of the towers and of the blocks "
            f"inside a tower does not matter. Finish with {self._ref('done')} when you can think "
            "of no more.",
        ]

    def _task_act(self, action: ParsedAction) -> Outcome:
        if action.name == "done":
            self._done = True
            return Outcome(self._compose(f"You listed {len(self._accepted)}. Task over."), True)
        config = check_submission(action.args["configuration"], self.blocks)
        if config in self._accepted:
            raise ActionError(
                f"{R.configuration_text(config)} is already in your list; give a new one"
            )
        self._accepted.append(config)
        text = (
            f"Accepted {R.configuration_text(config)}.\n"
            + R.accepted_text(self._accepted)
            + f"\nGive another configuration, or finish with {self._ref('done')} if there are "
            "no more."
        )
        return Outcome(self._compose(text), False)

    def _task_summary(self) -> dict[str, Any]:
        count = len(self._accepted)
        return {
            "completed": self._done,
            "return": float(count) if self._done else None,
            "optimal_return": float(self.required),
            "regret": float(self.required - count) if self._done else None,
            # the random policy stops after a count uniform on 1..K
            "random_return": (self.required + 1) / 2,
            "number_of_correct_configurations": count,
            "required_configurations": self.required,
        }


class EvaluateConfiguration(BlocksworldEnv):
    """Compute the height of the lower tower of a given split.

    ## Description
    Subtask, spec 2.5. The heights and one configuration drawn uniformly from all of them
    (with the env's generator) are given; the answer is a height in cm.

    ## Action Space
    ``<height Ncm>``, ``<help>``.

    ## Observation Space
    Text.

    ## Rewards
    0 during the episode; at the end minus the absolute error (cm).
    ``info["evaluation_error"]`` is ``answer - true value``.

    ## Episode End
    Terminates on an answer; truncates after 20 steps.

    ## Arguments
    ``n_blocks`` (2-16, default 3), ``distraction_prob`` (default 0), ``noise`` (unused),
    ``continued``, ``protocol``, ``render_mode``. ``perturb_prob`` must be 0.

    ## Version History
    * v1: noise, perturbation and distraction streams derived per task (only the heights are
      shared with the other tasks for a seed); ``streams="shared"`` gives v0. Both versions
      take ``dynamics`` (``"telic"`` or ``"paper"``, see ``docs/environments.md``).
    * v0: initial version.
    """

    task_name: ClassVar[str] = "evaluate_configuration"
    ACTIONS = ("height", "help")
    CAN_PERTURB = False
    MAX_BLOCKS = 16
    MAX_BLOCKS_WHY = ENUMERATION_WHY

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._config: Configuration = (("a",), ("b",))
        self._answer: float | None = None

    @property
    def _cap(self) -> int:
        return 20

    def _setup(self) -> None:
        configs = all_configurations(self.blocks)
        self._config = configs[int(self.np_random.integers(len(configs)))]
        self._answer = None

    def _details(self) -> list[str]:
        return [
            R.heights_text(R.HEIGHTS_PREFIX, self.true_heights),
            f"{R.GIVEN_CONFIG_PREFIX}{R.configuration_text(self._config)}",
            f"Answer with {self._ref('height', '<height Ncm>')}; the answer is final.",
        ]

    def _task_act(self, action: ParsedAction) -> Outcome:
        self._answer = float(action.args["value"])
        return Outcome(self._compose(f"You answered {self._answer:.2f}cm. Task over."), True)

    def _task_summary(self) -> dict[str, Any]:
        true = configuration_score(self._config, self.true_heights)
        error = None if self._answer is None else round(self._answer - true, 6)
        half = sum(self.true_heights.values()) / 2
        return {
            "completed": error is not None,
            "return": None if error is None else 0.0 - abs(error),
            "optimal_return": 0.0,
            "regret": None if error is None else abs(error),
            # E|U - v| for a guess U ~ Uniform(0, total/2)
            "random_return": round(-(true**2 + (half - true) ** 2) / (2 * half), 6),
            "configuration": configuration_to_lists(self._config),
            "answer": self._answer,
            "true_value": true,
            "evaluation_error": error,
        }


class PickConfiguration(BlocksworldEnv):
    """Pick the best split from a list of every split with its lower-tower height.

    ## Description
    Subtask, spec 2.6: :class:`CognitiveEffort` with every configuration and its score
    (2 decimals) listed, so only the choice is left.

    ## Action Space
    ``<towers [..]; [..]>``, ``<help>``.

    ## Observation Space
    Text.

    ## Rewards
    0 during the episode; at the end the lower-tower height of the submission.
    ``info["partition_distance"]`` compares it with the optimal configuration (spec 2.10).

    ## Episode End
    Terminates at the first valid submission; truncates after 20 steps.

    ## Arguments
    ``n_blocks`` (2-8, default 3: the list has ``2**(n-1) - 1`` lines), ``noise`` (unused),
    ``continued``, ``protocol``, ``render_mode``. ``perturb_prob`` and ``distraction_prob``
    must be 0.

    ## Version History
    * v1: noise, perturbation and distraction streams derived per task (only the heights are
      shared with the other tasks for a seed); ``streams="shared"`` gives v0. Both versions
      take ``dynamics`` (``"telic"`` or ``"paper"``, see ``docs/environments.md``).
    * v0: initial version.
    """

    task_name: ClassVar[str] = "pick_configuration"
    ACTIONS = ("towers", "help")
    CAN_PERTURB = False
    CAN_DISTRACT = False
    MAX_BLOCKS = 8
    MAX_BLOCKS_WHY = " (the observation lists all 2**(n-1) - 1 configurations)"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._submitted: Configuration | None = None
        self._optimal: Configuration = (("a",), ("b",))

    @property
    def _cap(self) -> int:
        return 20

    def _setup(self) -> None:
        self._submitted = None
        self._optimal = best_configuration(self.true_heights)

    def _details(self) -> list[str]:
        configs, scores = all_scores(self.true_heights)
        return [
            R.heights_text(R.HEIGHTS_PREFIX, self.true_heights),
            R.listed_configurations(configs, list(scores)),
            "Submitting towers is final: your first valid choice ends the task.",
        ]

    def _task_act(self, action: ParsedAction) -> Outcome:
        self._submitted = check_submission(action.args["configuration"], self.blocks)
        text = f"You picked {R.configuration_text(self._submitted)}. The task is over."
        return Outcome(text, True)

    def _task_summary(self) -> dict[str, Any]:
        _, scores = all_scores(self.true_heights)
        best = float(np.max(scores))
        got = None
        if self._submitted is not None:
            got = configuration_score(self._submitted, self.true_heights)
        return {
            "completed": got is not None,
            "return": got,
            "optimal_return": best,
            "regret": None if got is None else round(best - got, 6),
            "random_return": round(float(np.mean(scores)), 6),
            "submitted_configuration": configuration_to_lists(self._submitted),
            "optimal_configuration": configuration_to_lists(self._optimal),
            "partition_distance": (
                None
                if self._submitted is None
                else partition_distance(self._optimal, self._submitted)
            ),
        }
