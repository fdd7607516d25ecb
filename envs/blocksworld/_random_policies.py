"""The two random Blocksworld policies: ``random`` (the goal-directedness baseline) and
``random_actions`` (for fuzzing and benchmarks). Registered by :mod:`envs.blocksworld.policies`.
"""

from __future__ import annotations

import numpy as np

from envs._policy import PolicyAction
from envs.blocksworld._configs import all_configurations
from envs.blocksworld._observe import EpisodeView
from envs.blocksworld._strategies import Move, build_step, valid_moves
from envs.blocksworld.policies import BlocksworldPolicy, _action


def _pick(rng: np.random.Generator, items: list) -> object:
    return items[int(rng.integers(len(items)))]


class RandomPolicy(BlocksworldPolicy):
    """The baseline policy pi0: decides uniformly at random, then carries the decision out.

    * IG and BuildTwoBlockTower: picks up a uniformly random block and stacks it on a
      uniformly random other one (a uniformly random pair);
    * CE: a uniformly random configuration; PE, Combined, ExecutePlan: a uniformly random
      configuration, built correctly (no measurements), then ``<done>``;
    * MeasureHeight: a Uniform(5, 10) guess without measuring;
    * GenerateConfigurations: new random configurations, each once, until a count drawn
      uniformly from 1..K (stopping after the c-th with probability 1/(K - c + 1)), then
      ``<done>``;
    * EvaluateConfiguration: a Uniform(0, total height / 2) guess;
    * PickConfiguration: a uniformly random listed configuration.

    Args:
        seed: mixed into the episode generator (the configuration to build).
    """

    def _stack_random(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        state = view.state
        if state.held is not None:
            tops = [t[-1] for t in state.towers]
            target = str(_pick(rng, tops))
            return _action(("stack", {"block": state.held, "target": target}), "Any will do.")
        singles = [t[0] for t in state.towers if len(t) == 1]
        return _action(("pick_up", {"block": str(_pick(rng, singles))}), "Any block will do.")

    _information_gathering = _stack_random
    _build_two_block_tower = _stack_random

    def _random_config(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        configs = all_configurations(list(view.blocks))
        choice = configs[int(rng.integers(len(configs)))]
        return _action(("towers", {"configuration": choice}), "I choose a split at random.")

    _cognitive_effort = _random_config

    def _build_random(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        configs = all_configurations(list(view.blocks))
        choice = configs[int(self._episode_rng(view, "random").integers(len(configs)))]
        move = build_step(view.state, choice)
        if move is None:
            return _action(("done", {}), "The towers are built.")
        return _action(move, "I build a split chosen at random.")

    _plan_and_execute = _build_random
    _combined = _build_random
    _execute_plan = _build_random

    def _measure_height(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        guess = float(rng.uniform(5.0, 10.0))
        return _action(("height", {"value": guess}), "I guess without measuring.")

    def _generate_configurations(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        configs = all_configurations(list(view.blocks))
        count = len(view.accepted)
        if count >= 1 and rng.random() < 1.0 / (len(configs) - count + 1):
            return _action(("done", {}), "That is enough.")
        fresh = [c for c in configs if c not in view.accepted]
        if not fresh:
            return _action(("done", {}), "That is all of them.")
        choice = fresh[int(rng.integers(len(fresh)))]
        return _action(("towers", {"configuration": choice}), "Another split.")

    def _evaluate_configuration(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        half = sum((view.heights or {}).values()) / 2
        guess = float(rng.uniform(0.0, half))
        return _action(("height", {"value": guess}), "I guess.")

    def _pick_configuration(self, view: EpisodeView, rng: np.random.Generator) -> PolicyAction:
        options = [config for config, _ in view.listed]
        choice = options[int(rng.integers(len(options)))]
        return _action(("towers", {"configuration": choice}), "I pick one at random.")


class RandomActionsPolicy(BlocksworldPolicy):
    """A uniformly random available concrete action every step.

    The candidates are every building action whose precondition holds in the current state,
    ``<measure X>`` for every block, ``<help>``, ``<done>``, one uniformly random
    configuration for ``<towers ...>`` and one Uniform(0, 20) cm value for ``<height ...>``,
    each only if the task lists the action. ``<done>`` may be rejected by the env (an invalid
    action); everything else is accepted.

    Args:
        seed: unused (accepted for a uniform interface).
    """

    def act(self, observations, rng):  # type: ignore[no-untyped-def]
        from envs.blocksworld._observe import parse_episode

        view = parse_episode(observations)
        if view is None:
            raise LookupError("no Blocksworld task found in the observations")
        moves: list[Move] = valid_moves(view.state, view.actions)
        if "measure" in view.actions:
            moves.extend(("measure", {"block": b}) for b in view.blocks)
        for name in ("help", "done"):
            if name in view.actions:
                moves.append((name, {}))
        if "towers" in view.actions:
            configs = all_configurations(list(view.blocks))
            moves.append(("towers", {"configuration": configs[int(rng.integers(len(configs)))]}))
        if "height" in view.actions:
            moves.append(("height", {"value": float(rng.uniform(0.0, 20.0))}))
        move = moves[int(rng.integers(len(moves)))]
        return _action(move, "A random action.")
