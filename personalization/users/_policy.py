"""``scripted:personal_oracle``: the Blocksworld oracle that adapts to stated user preferences.

The policy reads the agent's system prompt (it declares ``reads_system_prompt = True``, so the
scripted chat model passes it as ``system_prompt=``) and looks for the personalization block's
machine-readable line ``telic-preferences: {json}`` (:mod:`._line`). With no such line
it *is* the plain ``oracle``. With one, in the four composite tasks it

* measures ``frugal_measurements`` times per block (default 2) when ``measurement_cost`` is
  ``high``, else ``measurements_per_block`` times (default 10);
* picks the best split by its estimates, like the oracle, and builds each tower in the order the
  preferences ask for: taller blocks below when ``risk`` is ``averse``, then ``base_block`` at
  the bottom and ``top_block`` at the top of their towers (:func:`arrange`,
  :func:`ordered_build_step`, which recovers from perturbations like the oracle's builder);
* before its final action, sends the report ``report`` asks for (``brief``: one line without
  numbers; ``detailed``: the towers and every block's estimated height), when the environment
  offers a report action.

Unknown keys or values in the line are ignored; the policy never sees the hidden profile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from envs import PolicyAction, register_policy
from envs.blocksworld import extend as R
from envs.blocksworld.extend import (
    Configuration,
    EpisodeView,
    Move,
    PolicyCapability,
    WorldState,
    choose_configuration,
    episode_start,
    pair_step,
    parse_episode,
    top_two,
)
from envs.blocksworld.policies import OraclePolicy
from personalization.users import _texts as T
from personalization.users._line import parse_preference_line

COMPOSITES = ("information_gathering", "cognitive_effort", "plan_and_execute", "combined")


def arrange(
    split: Sequence[Sequence[str]], heights: Mapping[str, float], prefs: Mapping[str, str]
) -> tuple[tuple[str, ...], ...]:
    """Order each tower of ``split`` bottom to top as ``prefs`` ask (alphabetical otherwise).

    >>> arrange([["a", "b"], ["c"]], {"a": 6.0, "b": 8.0, "c": 7.0}, {"risk": "averse"})
    (('b', 'a'), ('c',))
    """
    towers = []
    for tower in split:
        order = sorted(tower)
        if prefs.get("risk") == "averse":
            order.sort(key=lambda b: (-heights.get(b, 0.0), b))
        base, top = prefs.get("base_block"), prefs.get("top_block")
        if base in order:
            order.remove(base)
            order.insert(0, base)
        if top in order and top != base:
            order.remove(top)
            order.append(top)
        towers.append(tuple(order))
    return tuple(towers)


def ordered_build_step(state: WorldState, target: Sequence[Sequence[str]]) -> Move | None:
    """The next move towards the towers ``target`` (each bottom to top, order respected);
    ``None`` when they stand and the hand is empty.

    Rules: a held block goes onto its target predecessor if that is the top of a correctly
    built part of its tower, else onto the table; a tower that is not a correct bottom part of
    its target loses its top; otherwise the next missing block of a target tower is picked up.
    """
    where = {block: (ti, i) for ti, tower in enumerate(target) for i, block in enumerate(tower)}
    towers = [list(t) for t in state.towers]

    def correct(tower: list[str]) -> bool:
        goal = list(target[where[tower[0]][0]])
        return tower == goal[: len(tower)]

    if state.held is not None:
        ti, i = where[state.held]
        if i > 0:
            below = target[ti][i - 1]
            for tower in towers:
                if tower[-1] == below and len(tower) == i and correct(tower):
                    return "stack", {"block": state.held, "target": below}
        return "put_down", {"block": state.held}
    for tower in sorted(towers, key=lambda t: t[0]):
        if len(tower) > 1 and not correct(tower):
            return "unstack", {"block": tower[-1]}
    for goal in target:
        built = next((t for t in towers if t[0] == goal[0]), [goal[0]])
        if len(built) < len(goal):
            return "pick_up", {"block": goal[len(built)]}
    return None


def report_text(style: str, view: EpisodeView, towers: Any, heights: Mapping[str, float]) -> str:
    """The report a user of ``style`` wants (``brief`` or ``detailed``)."""
    if style == "brief":
        return "All done: the task is finished as you asked."
    parts = []
    if towers:
        shown = "; ".join(" then ".join(t) for t in towers)
        parts.append(f"Final towers, bottom first: {shown}.")
    values = ", ".join(f"{b} {heights[b]:.2f} cm" for b in view.blocks if b in heights)
    parts.append(f"Estimated heights: {values}.")
    return " ".join(parts)


def _move(move: Move, reason: str) -> PolicyAction:
    name, args = move
    if name == "towers":
        args = {"configuration": [list(args["configuration"][0]), list(args["configuration"][1])]}
    return PolicyAction(
        name=name, args=dict(args), text=f"{reason} {R.ACTION_SPECS[name].render(args)}"
    )


class PersonalOraclePolicy(OraclePolicy):
    """The oracle, adapted to the preferences stated in the system prompt (module docstring).

    Args:
        measurements_per_block: readings per block when measuring is not costly (default 10).
        frugal_measurements: readings per block when ``measurement_cost`` is ``high`` (2).
        seed: mixed into the episode generator.
    """

    #: Ask the scripted chat model for the system prompt (keyword ``system_prompt``).
    reads_system_prompt: ClassVar[bool] = True

    def __init__(
        self, *, measurements_per_block: int = 10, frugal_measurements: int = 2, seed: int = 0
    ) -> None:
        super().__init__(measurements_per_block=measurements_per_block, seed=seed)
        if (
            isinstance(frugal_measurements, bool)
            or not isinstance(frugal_measurements, int)
            or frugal_measurements < 1
        ):
            raise ValueError(
                f"frugal_measurements must be a positive integer, got {frugal_measurements!r}"
            )
        self.measurements_per_block = measurements_per_block
        self.frugal_measurements = frugal_measurements

    def act(
        self,
        observations: Sequence[str],
        rng: np.random.Generator,
        system_prompt: str | None = None,
    ) -> PolicyAction:
        """The next move; the plain oracle's when no preference line is in ``system_prompt``."""
        prefs = parse_preference_line(system_prompt)
        view = parse_episode(observations)
        if not prefs or view is None or view.task not in COMPOSITES:
            return super().act(observations, rng)
        return self._personal(view, observations, prefs)

    # -------------------------------------------------------------- the adapted play
    def _personal(
        self, view: EpisodeView, observations: Sequence[str], prefs: Mapping[str, str]
    ) -> PolicyAction:
        m = self.frugal_measurements if prefs.get("measurement_cost") == "high" else None
        m = m or self.measurements_per_block
        m = 1 if view.exact else m
        if view.task in ("information_gathering", "combined"):
            for block in view.blocks:
                if len(view.readings.get(block, [])) < m:
                    return _move(
                        ("measure", {"block": block}), f"I measure {block} ({m} readings)."
                    )
            heights = {b: float(np.mean(view.readings[b][:m])) for b in view.blocks}
        else:
            heights = dict(view.heights or {})
        style = prefs.get("report")
        wants_report = style in ("brief", "detailed") and self._can_report(view)
        pending = wants_report and not self._reported(observations)
        if view.task == "information_gathering":
            bottom, top = top_two(heights)
            tower = arrange([[bottom, top]], heights, {**prefs, "risk": "averse"})[0]
            move = pair_step(view.state, tower[0], tower[1])
            if move[0] == "stack" and pending:
                return self._report(str(style), view, [tower], heights)
            return _move(move, f"Building {tower[1]} on {tower[0]}.")
        split = self._split(view, heights, m)
        if view.task == "cognitive_effort":
            if pending:
                return self._report(str(style), view, None, heights)
            return _move(("towers", {"configuration": split}), "This split is best.")
        target = arrange(split, heights, prefs)
        step = ordered_build_step(view.state, target)
        if step is None:
            if pending:
                return self._report(str(style), view, target, heights)
            return _move(("done", {}), "The towers stand as the user wants.")
        return _move(step, "Building the towers in the user's preferred order.")

    def _split(self, view: EpisodeView, heights: Mapping[str, float], m: int) -> Configuration:
        rng = self._episode_rng(view, "pick")
        return choose_configuration(view.blocks, heights, PolicyCapability(m), rng)

    @staticmethod
    def _can_report(view: EpisodeView) -> bool:
        return T.REPORT_TAG_LINE in view.first or T.REPORT_TOOL_LINE in view.first

    @staticmethod
    def _reported(observations: Sequence[str]) -> bool:
        start = episode_start(observations) or 0
        return any(T.REPORT_RECEIVED in text for text in observations[start + 1 :])

    @staticmethod
    def _report(
        style: str, view: EpisodeView, towers: Any, heights: Mapping[str, float]
    ) -> PolicyAction:
        text = report_text(style, view, towers, heights)
        tag = f"<report {text}>"
        return PolicyAction(name="report", args={"text": text}, text=f"I tell the user. {tag}")


def register_personal_policies() -> None:
    """Register ``personal_oracle`` (idempotent)."""
    register_policy(
        "personal_oracle",
        PersonalOraclePolicy,
        doc="Blocksworld: the oracle, adapted to the preferences in the personalization block.",
    )
