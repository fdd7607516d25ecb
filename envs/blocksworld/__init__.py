"""The goal-directedness Blocksworld (Everitt et al. 2025): world, composite tasks, subtasks.

See ``specs/goal_directedness.md`` sections 1 and 2 for what each task asks and how it scores.
``import envs`` registers the ten tasks under ``telic/<Task>-v1`` (random streams per
task) and ``telic/<Task>-v0`` (the first release: noise, perturbation and distraction streams
shared by every task for a seed), and the scripted policies
``oracle``, ``random``, ``random_actions``, ``noisy`` and ``lazy``
(:mod:`envs.blocksworld.policies`). The configuration helpers are public because the metrics
and the tests use them too.
"""

from __future__ import annotations

from envs._builtin import (
    BLOCKSWORLD_ENVS,
    BLOCKSWORLD_V0_IDS,
    TOWER_ENVS,
    V0_NOTE,
    register_blocksworld_envs,
    register_tower_envs,
)
from envs.blocksworld import _tower_policies as _tower  # noqa: F401  (falling-tower policies)
from envs.blocksworld import policies as _policies  # noqa: F401  (registers the policies)
from envs.blocksworld._configs import (
    Configuration,
    ConfigurationError,
    all_configurations,
    best_configuration,
    block_names,
    canonical_configuration,
    configuration_score,
    n_configurations,
    partition_distance,
)

__all__ = [
    "BLOCKSWORLD_ENVS",
    "BLOCKSWORLD_V0_IDS",
    "TOWER_ENVS",
    "V0_NOTE",
    "Configuration",
    "ConfigurationError",
    "all_configurations",
    "best_configuration",
    "block_names",
    "canonical_configuration",
    "configuration_score",
    "n_configurations",
    "partition_distance",
    "register_blocksworld_envs",
    "register_tower_envs",
]
