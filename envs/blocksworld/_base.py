"""The base class of every Blocksworld task: world, noise, perturbations, distractions, info.

A task subclass declares its actions (:attr:`BlocksworldEnv.ACTIONS`), its goal paragraphs,
what its own actions (``done``, ``height``, ``towers``) do and what it reports at the end.
The base class does everything they share:

* at ``reset`` it draws the block heights *first* from ``self.np_random``, so they depend only
  on ``(seed, n_blocks)`` and are the same in every task (spec 9.2); it then derives separate
  generators for measurement noise, perturbations and distractions, and leaves
  ``self.np_random`` to the task's own set-up. With ``streams="per_task"`` (the ``-v1`` IDs)
  those three generators also depend on the task, so a subtask's readings are independent of
  the composite task's for the same seed; ``streams="shared"`` (the ``-v0`` IDs) derives them
  from ``(seed, n_blocks)`` alone;
* it carries out the world actions (pick up, put down, stack, unstack, measure) with their
  precondition errors, perturbs them with probability ``perturb_prob`` (or when
  :meth:`force_perturbation` asked for it) and appends a distraction line with probability
  ``distraction_prob``;
* in building tasks every observation after an action ends with the state description;
* ``dynamics="paper"`` switches to the released code's behaviour where telic deliberately
  differs (see :data:`DYNAMICS` and ``docs/environments.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any, ClassVar

import numpy as np

from envs._actions import ActionError, ActionSpec, ParsedAction, encode_tool_call
from envs._text import Outcome, TextEnv
from envs._validate import check_float, check_int
from envs.blocksworld import _render as R
from envs.blocksworld._configs import block_names
from envs.blocksworld._strategies import digest
from envs.blocksworld._world import WORLD_ACTIONS, BlocksWorld, draw_heights, noisy_reading

#: ``dynamics`` values: telic's own (default) and the released code's (``"paper"``).
DYNAMICS: tuple[str, ...] = ("telic", "paper")
#: ``streams`` values: per-task random streams (``-v1``) or shared by all tasks (``-v0``).
STREAMS: tuple[str, ...] = ("per_task", "shared")
#: Replies the released code never perturbs.
_PAPER_PROTECTED = frozenset({"help", "done"})


@lru_cache(maxsize=1)
def distraction_lines() -> tuple[str, ...]:
    """The distraction corpus, one line per entry (``envs/data/distractions.txt``)."""
    text = resources.files("envs.data").joinpath("distractions.txt").read_text("utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


class BlocksworldEnv(TextEnv):
    """Shared machinery of the Blocksworld tasks (not registered itself)."""

    #: The task's action names, in the order they are described to the agent.
    ACTIONS: ClassVar[tuple[str, ...]] = ()
    #: Whether observations after an action end with the state (the building tasks).
    BUILDS: ClassVar[bool] = False
    #: Default perturbation and distraction probabilities.
    DEFAULT_PERTURB: ClassVar[float] = 0.0
    DEFAULT_DISTRACT: ClassVar[float] = 0.0
    #: Whether the task can perturb actions / show distractions at all.
    CAN_PERTURB: ClassVar[bool] = True
    CAN_DISTRACT: ClassVar[bool] = True
    #: Largest n_blocks, and why (shown in the error).
    MAX_BLOCKS: ClassVar[int] = 26
    MAX_BLOCKS_WHY: ClassVar[str] = ""

    def __init__(
        self,
        *,
        n_blocks: int = 3,
        noise: float = 0.3,
        perturb_prob: float | None = None,
        distraction_prob: float | None = None,
        continued: bool = False,
        dynamics: str = "telic",
        streams: str = "per_task",
        protocol: str = "tags",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(protocol=protocol, render_mode=render_mode)
        cls = type(self).__name__
        if dynamics not in DYNAMICS:
            raise ValueError(f"dynamics must be one of {list(DYNAMICS)}, got {dynamics!r}")
        if streams not in STREAMS:
            raise ValueError(f"streams must be one of {list(STREAMS)}, got {streams!r}")
        self.dynamics = dynamics
        self.streams = streams
        self.n_blocks = check_int("n_blocks", n_blocks, 2, self.MAX_BLOCKS, self.MAX_BLOCKS_WHY)
        self.noise = check_float("noise", noise, 0.0, 10.0)
        perturb = self.DEFAULT_PERTURB if perturb_prob is None else perturb_prob
        distract = self.DEFAULT_DISTRACT if distraction_prob is None else distraction_prob
        self.perturb_prob = check_float("perturb_prob", perturb, 0.0, 1.0)
        self.distraction_prob = check_float("distraction_prob", distract, 0.0, 1.0)
        if self.perturb_prob > 0 and not self.CAN_PERTURB:
            raise ValueError(
                f"{cls} has no actions that can be perturbed, so perturb_prob must be 0, "
                f"got {perturb_prob!r}"
            )
        if self.distraction_prob > 0 and not self.CAN_DISTRACT:
            raise ValueError(
                f"{cls} shows no distractions (spec 1.4), so distraction_prob must be 0, "
                f"got {distraction_prob!r}"
            )
        if not isinstance(continued, bool):
            raise ValueError(f"continued must be True or False, got {continued!r}")
        self.continued = continued
        self.blocks: tuple[str, ...] = block_names(self.n_blocks)
        self._specs: tuple[ActionSpec, ...] = tuple(R.ACTION_SPECS[a] for a in self.ACTIONS)
        self.true_heights: dict[str, float] = {}
        self.world = BlocksWorld({b: 5.0 for b in self.blocks})
        self.measurements: dict[str, int] = dict.fromkeys(self.blocks, 0)
        self.perturbations = 0
        self._force_perturb = False
        self._perturbed_to: str | None = None
        self._noise_rng = np.random.default_rng(0)
        self._perturb_rng = np.random.default_rng(0)
        self._distract_rng = np.random.default_rng(0)
        self._distract_cursor = 0
        self._paper_note = ""

    # ------------------------------------------------------------------ hooks for tasks
    def _setup(self) -> None:
        """Task-specific set-up after the world exists (draw from ``self.np_random``)."""

    def _details(self) -> list[str]:
        """Paragraphs after the goal sentence (heights, the given configuration, ...)."""
        return []

    def _done_note(self) -> str:
        return ""

    def _task_act(self, action: ParsedAction) -> Outcome:
        """Handle the task's own actions (``done``, ``height``, ``towers``)."""
        raise ActionError(f"'{action.name}' is not available in this task")

    def _after_world_action(self) -> bool:
        """Whether the world action just carried out ends the episode."""
        return False

    def _task_summary(self) -> dict[str, Any]:
        """``completed``, ``return``, ``optimal_return``, ``regret``, ``random_return`` and
        the task's own keys."""
        raise NotImplementedError

    @property
    def _cap(self) -> int:
        """The task's step cap as the spec states it (subclasses override)."""
        raise NotImplementedError

    def _step_limit(self) -> int:
        """The cap in force now (Information Gathering's depends on the measurements)."""
        return self._cap

    # ------------------------------------------------------------------ TextEnv hooks
    @property
    def paper(self) -> bool:
        """Whether the released code's dynamics are on (``dynamics="paper"``)."""
        return self.dynamics == "paper"

    @property
    def step_cap(self) -> int:
        # The released code stops when ``step_count > cap``, so it allows one message more.
        return self._cap + (1 if self.paper else 0)

    def _out_of_steps(self) -> bool:
        limit = self._step_limit()
        return self.steps > limit if self.paper else self.steps >= limit

    def action_specs(self) -> Sequence[ActionSpec]:
        return self._specs

    def _start(self) -> str:
        heights = draw_heights(self.np_random, self.n_blocks)
        self.true_heights = {b: float(h) for b, h in zip(self.blocks, heights, strict=True)}
        seeds = [int(s) for s in self.np_random.integers(0, 2**62, size=4)]
        # Per-task streams: the task name is mixed in, so e.g. MeasureHeight's readings are not
        # InformationGathering's for the same seed (capability samples and composite outcomes
        # stay independent). Only the heights above are shared by every task.
        salt = [digest(self.task_name)] if self.streams == "per_task" else []
        self._noise_rng = np.random.default_rng([seeds[0], *salt])
        self._perturb_rng = np.random.default_rng([seeds[1], *salt])
        self._distract_rng = np.random.default_rng([seeds[2], *salt])
        # The released code reads its distraction file from the first line on.
        self._distract_cursor = 0 if self.paper else seeds[3] % len(distraction_lines())
        self._paper_note = ""
        self.world = BlocksWorld(self.true_heights)
        self.measurements = dict.fromkeys(self.blocks, 0)
        self.perturbations = 0
        self._force_perturb = False
        self._perturbed_to = None
        self._setup()
        head = f"{R.CONTINUED}\n\n" if self.continued else ""
        return head + self._intro() + "\n\n" + self._state()

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        self._perturbed_to = None
        self._paper_note = ""
        if self.paper and self._started and not self._over:
            action = self._paper_perturb(action)
        return super().step(action)

    def _paper_perturb(self, reply: str) -> str:
        """The released code's perturbation: any reply but help/done (invalid ones included)
        is replaced, with probability ``perturb_prob``, by a uniformly random currently
        available action, which may equal the intended one; only when more than one exists."""
        if not self.CAN_PERTURB or (self.perturb_prob <= 0 and not self._force_perturb):
            return reply
        try:
            intended = self.parse_action(reply)
        except ActionError:
            intended = None
        if intended is not None and intended.name in _PAPER_PROTECTED:
            return reply
        measure = "measure" in self.ACTIONS
        candidates = [
            a for a in self.world.concrete_actions(measure=measure) if a.name in self.ACTIONS
        ]
        if len(candidates) <= 1:
            return reply
        if not (self._force_perturb or self._perturb_rng.random() < self.perturb_prob):
            return reply
        self._force_perturb = False
        chosen = candidates[int(self._perturb_rng.integers(len(candidates)))]
        self.perturbations += 1
        spec = R.ACTION_SPECS[chosen.name]
        self._perturbed_to = spec.render(chosen.args)
        self._paper_note = R.PAPER_PERTURBED.format(executed=self._perturbed_to) + " "
        if self.protocol == "tools":
            return encode_tool_call(chosen.name, chosen.args)
        return self._perturbed_to

    def _act(self, action: ParsedAction) -> Outcome:
        if action.name == "help":
            return Outcome(self._compose(R.HELP_PREFIX + "\n" + self._intro(), state=True))
        if action.name in WORLD_ACTIONS:
            return self._world_act(action)
        return self._task_act(action)

    def _error_observation(self, reason: str) -> str:
        return self._compose(f"Error: {reason}")

    def _param_choices(self) -> dict[str, Sequence[str]]:
        # The block names go into the tool schemas as an enum: a model calling tools natively
        # (or a grammar-constrained local model) can then only name blocks that exist.
        return {"block": list(self.blocks)}

    def _step_info(self) -> dict[str, Any]:
        return {
            "measurements": dict(self.measurements),
            "perturbed": self._perturbed_to is not None,
            "perturbed_to": self._perturbed_to,
            "perturbations": self.perturbations,
        }

    def _summary(self) -> dict[str, Any]:
        summary = {
            "task": self.task_name,
            "n_blocks": self.n_blocks,
            "true_heights": dict(self.true_heights),
            "steps": self.steps,
            "invalid_actions": self.invalid_actions,
            "measurements": dict(self.measurements),
            "perturbations": self.perturbations,
            "noise": self.noise,
        }
        summary.update(self._task_summary())
        return summary

    # ------------------------------------------------------------------ public extras
    def force_perturbation(self) -> None:
        """Make the next accepted world action be perturbed (for scripted scenario events).

        Raises:
            RuntimeError: if this task has no actions that can be perturbed.
        """
        if not self.CAN_PERTURB:
            raise RuntimeError(f"{type(self).__name__} has no actions that can be perturbed")
        self._force_perturb = True

    def state_description(self) -> str:
        """The current state sentence block (as shown to the agent)."""
        return self._state()

    # ------------------------------------------------------------------ helpers
    def _intro(self) -> str:
        parts = [R.TASK_PREFIX + R.GOALS[self.task_name]]
        parts.extend(self._details())
        parts.append(R.action_lines(self._specs, self.protocol, self._done_note()))
        return "\n\n".join(parts)

    def _ref(self, name: str, tag: str = "") -> str:
        """How prose names an action: ``<done>`` in the tag protocol, ``the done tool`` else."""
        if self.protocol == "tools":
            return f"the {name} tool"
        return tag or f"<{name}>"

    def _state(self) -> str:
        return R.state_text(self.world.towers(), self.world.held)

    def _compose(self, body: str, *, state: bool | None = None) -> str:
        parts = [self._paper_note + body if self._paper_note else body]
        self._paper_note = ""
        if self.distraction_prob > 0 and self._distract_rng.random() < self.distraction_prob:
            lines = distraction_lines()
            parts.append(lines[self._distract_cursor % len(lines)])
            self._distract_cursor += 1
        # The released code shows the state only on <help>, not after each building action.
        builds = self.BUILDS and not self.paper
        if builds if state is None else state:
            parts.append(self._state())
        return "\n\n".join(parts)

    def _measure(self, block: str) -> str:
        if block not in self.true_heights:
            raise ActionError(
                f"there is no block '{block}'; the blocks are {', '.join(self.blocks)}"
            )
        self.measurements[block] += 1
        value = noisy_reading(self._noise_rng, self.true_heights[block], self.noise)
        return R.READING.format(block=block, value=value)

    def _check_world_action(self, action: ParsedAction, valid: list[ParsedAction]) -> None:
        """Raise the specific precondition error if ``action`` is not valid now."""
        if action.name == "measure":
            if action.args["block"] not in self.true_heights:
                self._measure(action.args["block"])  # raises the unknown-block error
            return
        if action not in valid:
            probe = self.world.copy()
            probe.apply(action)  # raises ActionError with the precise reason
            tag = R.ACTION_SPECS[action.name].render(action.args)
            raise ActionError(f"'{tag}' is not possible now")

    def _world_act(self, action: ParsedAction) -> Outcome:
        measure = "measure" in self.ACTIONS
        valid = [a for a in self.world.concrete_actions(measure=measure) if a.name in self.ACTIONS]
        self._check_world_action(action, valid)
        executed = action
        prefix = ""
        # Under dynamics="paper" the reply was already perturbed in step(), before parsing.
        roll = self._perturb_rng.random() if self.perturb_prob > 0 and not self.paper else 1.0
        if not self.paper and (self._force_perturb or roll < self.perturb_prob):
            others = [a for a in valid if a != action]
            if others:
                executed = others[int(self._perturb_rng.integers(len(others)))]
                self._force_perturb = False
                self.perturbations += 1
                self._perturbed_to = R.ACTION_SPECS[executed.name].render(executed.args)
                intended = R.ACTION_SPECS[action.name].render(action.args)
                prefix = R.PERTURBED.format(intended=intended, executed=self._perturbed_to) + " "
        if executed.name == "measure":
            text = self._measure(executed.args["block"])
        else:
            text = self.world.apply(executed)
        terminated = self._after_world_action()
        return Outcome(self._compose(prefix + text), terminated)
