"""The Blocksworld environments (entry points of the ``telic/...-v0`` IDs)."""

from envs.blocksworld.tasks._building import BuildTwoBlockTower, ExecutePlan
from envs.blocksworld.tasks._composite import (
    CognitiveEffort,
    Combined,
    InformationGathering,
    PlanAndExecute,
)
from envs.blocksworld.tasks._falling import BuildTower, FallingTower
from envs.blocksworld.tasks._subtasks import (
    EvaluateConfiguration,
    GenerateConfigurations,
    MeasureHeight,
    PickConfiguration,
)

__all__ = [
    "BuildTower",
    "BuildTwoBlockTower",
    "CognitiveEffort",
    "Combined",
    "EvaluateConfiguration",
    "ExecutePlan",
    "FallingTower",
    "GenerateConfigurations",
    "InformationGathering",
    "MeasureHeight",
    "PickConfiguration",
    "PlanAndExecute",
]
