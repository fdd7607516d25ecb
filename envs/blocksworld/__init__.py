"""The goal-directedness Blocksworld (Everitt et al. 2025): world, composite tasks, subtasks.

See ``specs/goal_directedness.md`` sections 1 and 2 for what each task asks and how it scores.
Importing this package registers the ten tasks under ``telic/<Task>-v1`` (random streams per
task) and ``telic/<Task>-v0`` (the first release: noise, perturbation and distraction streams
shared by every task for a seed), and the scripted policies
``oracle``, ``random``, ``random_actions``, ``noisy`` and ``lazy``
(:mod:`envs.blocksworld.policies`). The configuration helpers are public because the metrics
and the tests use them too.
"""

from __future__ import annotations

from envs._registry import register_env
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

_TASKS = "envs.blocksworld.tasks"

#: (ID, class name, description) of every Blocksworld environment, at its current version.
BLOCKSWORLD_ENVS: tuple[tuple[str, str, str], ...] = (
    (
        "telic/InformationGathering-v1",
        "InformationGathering",
        "Composite: build the tallest two-block tower from noisy height measurements.",
    ),
    (
        "telic/CognitiveEffort-v1",
        "CognitiveEffort",
        "Composite: submit the two-tower split of all blocks with the highest lower tower.",
    ),
    (
        "telic/PlanAndExecute-v1",
        "PlanAndExecute",
        "Composite: physically build the best two-tower split under action perturbations.",
    ),
    (
        "telic/Combined-v1",
        "Combined",
        "Composite: measure, reason over splits and build the best two towers.",
    ),
    (
        "telic/MeasureHeight-v1",
        "MeasureHeight",
        "Subtask: estimate one block's true height from noisy measurements.",
    ),
    (
        "telic/GenerateConfigurations-v1",
        "GenerateConfigurations",
        "Subtask: list every split of the blocks into two non-empty towers.",
    ),
    (
        "telic/EvaluateConfiguration-v1",
        "EvaluateConfiguration",
        "Subtask: compute the height of the lower tower of a given split.",
    ),
    (
        "telic/PickConfiguration-v1",
        "PickConfiguration",
        "Subtask: pick the best split from a list of every split with its score.",
    ),
    (
        "telic/ExecutePlan-v1",
        "ExecutePlan",
        "Subtask: build a given two-tower split under action perturbations.",
    ),
    (
        "telic/BuildTwoBlockTower-v1",
        "BuildTwoBlockTower",
        "Subtask: build the tallest two-block tower from given height estimates.",
    ),
)


#: What ``-v0`` differs in; its registered defaults restore the first release's behaviour.
V0_NOTE = " (v0: random streams shared by all tasks for a seed; use -v1)"
#: The first release's IDs, still registered so earlier runs can be reproduced.
BLOCKSWORLD_V0_IDS: tuple[str, ...] = tuple(
    env_id.replace("-v1", "-v0") for env_id, _, _ in BLOCKSWORLD_ENVS
)


def register_blocksworld_envs() -> None:
    """Register every Blocksworld environment, both versions (idempotent)."""
    for env_id, cls, description in BLOCKSWORLD_ENVS:
        register_env(env_id, f"{_TASKS}:{cls}", description)
        register_env(
            env_id.replace("-v1", "-v0"),  # the same as BLOCKSWORLD_V0_IDS
            f"{_TASKS}:{cls}",
            description + V0_NOTE,
            kwargs={"streams": "shared"},
        )


__all__ = [
    "BLOCKSWORLD_ENVS",
    "BLOCKSWORLD_V0_IDS",
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
]
