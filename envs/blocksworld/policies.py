"""Scripted Blocksworld policies: ``oracle``, ``random``, ``random_actions``, ``noisy``, ``lazy``.

Each policy reads only the observation texts (through :mod:`envs.blocksworld._observe`),
plays all ten tasks in both protocols, and in stepped-context conversations plays the task
of the latest first observation. The metrics use their documented behaviour as ground truth,
so the semantics below are a contract.

Randomness: choices made in a single step (a random block, a random guess, a random action)
come from the ``rng`` argument. A choice that must hold over several stateless calls (which
configuration to build, which configurations were considered, the slips) comes from a
generator seeded by the policy's ``seed`` and a digest of the episode's first observation, so
every call of the episode re-derives the same choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from envs._policy import PolicyAction, register_policy
from envs.blocksworld import _render as R
from envs.blocksworld._configs import Configuration, all_configurations, configuration_score
from envs.blocksworld._observe import EpisodeView, episode_start, parse_episode
from envs.blocksworld._strategies import (
    Move,
    PolicyCapability,
    apply_slips,
    build_step,
    choose_configuration,
    considered_subset,
    digest,
    mistaken_pick,
    pair_step,
    top_two,
)

#: The composite tasks (where ``lazy`` under-uses its capability).
COMPOSITE_TASKS = frozenset(
    {"information_gathering", "cognitive_effort", "plan_and_execute", "combined"}
)


def _check_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _check_share(name: str, value: Any, *, low_open: bool = False) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not (0 < value <= 1 if low_open else 0 <= value <= 1):
        bounds = "in (0, 1]" if low_open else "between 0 and 1"
        raise ValueError(f"{name} must be a number {bounds}, got {value!r}")
    return float(value)


def _json_args(args: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in args.items():
        if key == "configuration":
            out[key] = [list(value[0]), list(value[1])]
        elif key == "value":
            out[key] = round(float(value), 2)
        else:
            out[key] = value
    return out


def _action(move: Move, reason: str) -> PolicyAction:
    name, args = move
    args = _json_args(args)
    tag = R.ACTION_SPECS[name].render(args)
    return PolicyAction(name=name, args=args, text=f"{reason} {tag}")


class BlocksworldPolicy:
    """Common parts: parsing, dispatch to one method per task, the episode generator."""

    def __init__(self, *, seed: int = 0) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.seed = seed

    def handles(self, observations: Sequence[str]) -> bool:
        """Whether the conversation contains a Blocksworld task (what makes
        :func:`parse_episode` return a view, found without parsing the whole episode)."""
        return episode_start(observations) is not None

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        """The next move for the latest Blocksworld task in ``observations``."""
        view = parse_episode(observations)
        if view is None:
            raise LookupError("no Blocksworld task found in the observations")
        return getattr(self, f"_{view.task}")(view, rng)

    def _episode_rng(self, view: EpisodeView, salt: str) -> np.random.Generator:
        return np.random.default_rng([self.seed % 2**32, digest(view.first), digest(salt)])


class CapabilityPolicy(BlocksworldPolicy):
    """Plays every task with the optimal strategy, limited by :meth:`capability`."""

    def capability(self, task: str) -> PolicyCapability:
        raise NotImplementedError

    # -------------------------------------------------------------- shared steps
    def _measure_first(self, view: EpisodeView, blocks: Sequence[str], m: int) -> Move | None:
        for block in blocks:
            if len(view.readings.get(block, [])) < m:
                return "measure", {"block": block}
        return None

    @staticmethod
    def _estimates(view: EpisodeView, m: int) -> dict[str, float]:
        # Only the first m readings count: extra ones (perturbed measurements) came later.
        return {b: float(np.mean(view.readings[b][:m])) for b in view.blocks}

    def _build(
        self, view: EpisodeView, choice: Configuration, cap: PolicyCapability
    ) -> PolicyAction:
        target = apply_slips(choice, cap.slip, self._episode_rng(view, "slips"))
        move = build_step(view.state, target)
        text = R.configuration_text(target)
        if move is None:
            return _action(("done", {}), f"The towers {text} are built.")
        return _action(move, f"I am building {text}.")

    @staticmethod
    def _readings(view: EpisodeView, cap: PolicyCapability) -> int:
        # One exact reading says everything; the noise-free IG cap (n + 10) allows no more.
        return 1 if view.exact else cap.measurements_per_block

    def _measured(
        self, view: EpisodeView, cap: PolicyCapability, blocks: Sequence[str]
    ) -> Move | None:
        return self._measure_first(view, blocks, self._readings(view, cap))

    # -------------------------------------------------------------- tasks
    def _information_gathering(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        cap = self.capability(view.task)
        move = self._measured(view, cap, view.blocks)
        if move is not None:
            return _action(move, f"I measure every block {cap.measurements_per_block} times.")
        bottom, top = top_two(self._estimates(view, self._readings(view, cap)))
        return _action(pair_step(view.state, bottom, top), f"{bottom} and {top} look tallest.")

    def _build_two_block_tower(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        bottom, top = top_two(view.estimates or {})
        return _action(pair_step(view.state, bottom, top), f"{bottom} and {top} look tallest.")

    def _measure_height(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        cap = self.capability(view.task)
        target = view.target_block or view.blocks[0]
        move = self._measured(view, cap, [target])
        if move is not None:
            return _action(move, f"I measure {target} {cap.measurements_per_block} times.")
        mean = float(np.mean(view.readings[target][: self._readings(view, cap)]))
        return _action(("height", {"value": mean}), "My estimate is the mean reading.")

    def _cognitive_effort(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        cap = self.capability(view.task)
        heights = view.heights or {}
        choice = choose_configuration(view.blocks, heights, cap, self._episode_rng(view, "pick"))
        return _action(("towers", {"configuration": choice}), "This split looks best.")

    def _plan_and_execute(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        cap = self.capability(view.task)
        heights = view.heights or {}
        choice = choose_configuration(view.blocks, heights, cap, self._episode_rng(view, "pick"))
        return self._build(view, choice, cap)

    def _combined(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        cap = self.capability(view.task)
        move = self._measured(view, cap, view.blocks)
        if move is not None:
            return _action(move, f"I measure every block {cap.measurements_per_block} times.")
        heights = self._estimates(view, self._readings(view, cap))
        choice = choose_configuration(view.blocks, heights, cap, self._episode_rng(view, "pick"))
        return self._build(view, choice, cap)

    def _execute_plan(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        cap = self.capability(view.task)
        intended = view.intended or all_configurations(list(view.blocks))[0]
        return self._build(view, intended, cap)

    def _generate_configurations(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        cap = self.capability(view.task)
        configs = all_configurations(list(view.blocks))
        plan = considered_subset(configs, cap, self._episode_rng(view, "generate"))
        for config in plan:
            if config not in view.accepted:
                return _action(("towers", {"configuration": config}), "Another split.")
        return _action(("done", {}), "I have listed every split I can think of.")

    def _evaluate_configuration(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        cap = self.capability(view.task)
        config = view.configuration or all_configurations(list(view.blocks))[0]
        value = configuration_score(config, view.heights or {})
        if cap.arithmetic_sd > 0:
            value += float(self._episode_rng(view, "arith").normal(0.0, cap.arithmetic_sd))
        return _action(("height", {"value": value}), "The lower tower is the smaller sum.")

    def _pick_configuration(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        cap = self.capability(view.task)
        options = [config for config, _ in view.listed]
        best = max(view.listed, key=lambda item: item[1])[0]
        choice = mistaken_pick(best, options, cap.pick_error, self._episode_rng(view, "pick"))
        return _action(("towers", {"configuration": choice}), "This one has the tallest.")


class OraclePolicy(CapabilityPolicy):
    """The optimal strategy of the spec, in every task.

    Measures every relevant block exactly ``measurements_per_block`` times (in MeasureHeight
    only the target; once when the task says measurements are exact, noise 0) and averages;
    enumerates every configuration and scores it exactly; picks the best (the first in sorted
    order on ties); builds it from whatever state it finds (so it recovers from
    perturbations); IG and BuildTwoBlockTower stack the block with the second-highest
    estimate on the highest; then ``<done>`` where the task needs it.

    Args:
        measurements_per_block: readings per block before deciding (default 10).
        seed: mixed into the episode generator (the oracle draws nothing from it).
    """

    def __init__(self, *, measurements_per_block: int = 10, seed: int = 0) -> None:
        super().__init__(seed=seed)
        self._cap = PolicyCapability(_check_count("measurements_per_block", measurements_per_block))

    def capability(self, task: str) -> PolicyCapability:
        return self._cap


class NoisyPolicy(CapabilityPolicy):
    """Limited capability, used fully and identically in subtasks and composite tasks.

    * measures ``measurements_per_block`` times per block everywhere;
    * adds Normal(0, ``arithmetic_sd``) to every lower-tower height it computes (the
      EvaluateConfiguration answer and the scores in CE, PE and Combined);
    * considers only ``ceil(enumerate_fraction * K)`` configurations, a random subset (in
      GenerateConfigurations it lists that many, then ``<done>``);
    * with probability ``pick_error`` replaces its intended choice by a uniformly random other
      configuration (PickConfiguration: another listed one; CE, PE, Combined: another of all
      K);
    * with probability ``slip`` per block builds that block into the other tower, whenever
      both towers stay non-empty (ExecutePlan, PE, Combined).

    Args:
        measurements_per_block: default 2.
        arithmetic_sd: cm, default 0.5.
        enumerate_fraction: in (0, 1], default 0.6.
        pick_error: default 0.15.
        slip: default 0.1.
        seed: mixed into the episode generator.
    """

    def __init__(
        self,
        *,
        measurements_per_block: int = 2,
        arithmetic_sd: float = 0.5,
        enumerate_fraction: float = 0.6,
        pick_error: float = 0.15,
        slip: float = 0.1,
        seed: int = 0,
    ) -> None:
        super().__init__(seed=seed)
        if isinstance(arithmetic_sd, bool) or not isinstance(arithmetic_sd, int | float):
            raise ValueError(f"arithmetic_sd must be a number >= 0, got {arithmetic_sd!r}")
        if not math.isfinite(arithmetic_sd) or arithmetic_sd < 0:
            raise ValueError(f"arithmetic_sd must be a number >= 0, got {arithmetic_sd!r}")
        self._cap = PolicyCapability(
            measurements_per_block=_check_count("measurements_per_block", measurements_per_block),
            considered=_check_share("enumerate_fraction", enumerate_fraction, low_open=True),
            arithmetic_sd=float(arithmetic_sd),
            pick_error=_check_share("pick_error", pick_error),
            slip=_check_share("slip", slip),
        )

    def capability(self, task: str) -> PolicyCapability:
        return self._cap


class LazyPolicy(CapabilityPolicy):
    """Oracle capability in the subtasks, under-used in the composite tasks.

    In IG, CE, PE and Combined it measures ``max(1, round((1 - underuse) *
    measurements_per_block))`` times per block (rounded half up) and considers only
    ``max(1, ceil((1 - underuse) * K))`` randomly chosen configurations, scored exactly;
    otherwise it plays like the oracle.

    Args:
        measurements_per_block: default 10.
        underuse: in [0, 1), default 0.5.
        seed: mixed into the episode generator.
    """

    def __init__(
        self, *, measurements_per_block: int = 10, underuse: float = 0.5, seed: int = 0
    ) -> None:
        super().__init__(seed=seed)
        m = _check_count("measurements_per_block", measurements_per_block)
        u = _check_share("underuse", underuse)
        if u >= 1:
            raise ValueError(f"underuse must be below 1, got {underuse!r}")
        self._full = PolicyCapability(measurements_per_block=m)
        self._lazy = PolicyCapability(
            measurements_per_block=max(1, math.floor((1 - u) * m + 0.5)), considered=1 - u
        )

    def capability(self, task: str) -> PolicyCapability:
        return self._lazy if task in COMPOSITE_TASKS else self._full


def _register() -> None:
    register_policy(
        "oracle", OraclePolicy, doc="Blocksworld: the spec's optimal strategy in every task."
    )
    register_policy(
        "noisy", NoisyPolicy, doc="Blocksworld: limited capability used fully everywhere."
    )
    register_policy(
        "lazy", LazyPolicy, doc="Blocksworld: full capability, under-used in composite tasks."
    )
    from envs.blocksworld._random_policies import RandomActionsPolicy, RandomPolicy

    register_policy(
        "random", RandomPolicy, doc="Blocksworld: uniformly random decisions, carried out."
    )
    register_policy(
        "random_actions",
        RandomActionsPolicy,
        doc="Blocksworld: a uniformly random available concrete action every step.",
    )


_register()

__all__ = ["BlocksworldPolicy", "CapabilityPolicy", "LazyPolicy", "NoisyPolicy", "OraclePolicy"]
