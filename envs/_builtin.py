"""The built-in environments and scripted policies, registered without importing them.

``import envs`` runs :func:`register_builtins`: every built-in ID goes to Gymnasium as a
``module:Class`` string (when Gymnasium is loaded; see :mod:`envs._registry`) and every
built-in policy as a ``module:factory`` string, so the task and policy modules (and the anagram
word list) load the first time one of them is used. The tables are re-exported by
:mod:`envs.blocksworld` and :mod:`envs.anagrams`.
"""

from __future__ import annotations

from envs._policy import register_policy
from envs._registry import register_env

_BW_TASKS = "envs.blocksworld.tasks"

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

#: The persistence task (the released code's falling tower) and its building subtask: on the
#: Blocksworld, but counted in blocks and outside the four-task GD study above. Registered by
#: :func:`register_tower_envs`, with the policies ``persistent``, ``quitter`` and ``restarter``
#: (:mod:`envs.blocksworld._tower_policies`).
TOWER_ENVS: tuple[tuple[str, str, str], ...] = (
    (
        "telic/FallingTower-v0",
        "FallingTower",
        "Persistence: build one tower of all blocks; wind knocks it down once; stop or retry.",
    ),
    (
        "telic/BuildTower-v0",
        "BuildTower",
        "Subtask: build one tower of all the blocks (no wind).",
    ),
)


def register_tower_envs() -> None:
    """Register the falling tower and its building subtask (idempotent)."""
    for env_id, cls, description in TOWER_ENVS:
        register_env(env_id, f"{_BW_TASKS}:{cls}", description)


#: What ``-v0`` differs in; its registered defaults restore the first release's behaviour.
V0_NOTE = " (v0: random streams shared by all tasks for a seed; use -v1)"
#: The first release's IDs, still registered so earlier runs can be reproduced.
BLOCKSWORLD_V0_IDS: tuple[str, ...] = tuple(
    env_id.replace("-v1", "-v0") for env_id, _, _ in BLOCKSWORLD_ENVS
)


def register_blocksworld_envs() -> None:
    """Register every Blocksworld environment, both versions (idempotent)."""
    for env_id, cls, description in BLOCKSWORLD_ENVS:
        register_env(env_id, f"{_BW_TASKS}:{cls}", description)
        register_env(
            env_id.replace("-v1", "-v0"),  # the same as BLOCKSWORLD_V0_IDS
            f"{_BW_TASKS}:{cls}",
            description + V0_NOTE,
            kwargs={"streams": "shared"},
        )


_ANAGRAM_TASKS = "envs.anagrams._tasks"

#: (ID, class name, description) of every anagram environment.
ANAGRAM_ENVS: tuple[tuple[str, str, str], ...] = (
    (
        "telic/Anagrams-v0",
        "Anagrams",
        "Composite: submit every English word made of exactly the given letters.",
    ),
    (
        "telic/GeneratePermutations-v0",
        "GeneratePermutations",
        "Subtask: list as many different arrangements of the letters as possible.",
    ),
    (
        "telic/IsWord-v0",
        "IsWord",
        "Subtask: say whether a string is an English word.",
    ),
)


def register_anagram_envs() -> None:
    """Register every anagram environment (idempotent)."""
    for env_id, cls, description in ANAGRAM_ENVS:
        register_env(env_id, f"{_ANAGRAM_TASKS}:{cls}", description)


_ANAGRAM_POLICIES = "envs.anagrams.policies"
_TOWER_POLICIES = "envs.blocksworld._tower_policies"
_BW_POLICIES = "envs.blocksworld.policies"
_BW_RANDOM = "envs.blocksworld._random_policies"

#: (name, ``module:factory``, doc) of every built-in policy, in registration order: under a
#: shared name (``oracle``) the first factory whose policy handles a conversation plays it.
BUILTIN_POLICIES: tuple[tuple[str, str, str], ...] = (
    ("oracle", f"{_ANAGRAM_POLICIES}:oracle", ""),
    ("lazy", f"{_ANAGRAM_POLICIES}:lazy", ""),
    ("random", f"{_ANAGRAM_POLICIES}:random", ""),
    ("oracle", f"{_TOWER_POLICIES}:persistent", ""),
    (
        "persistent",
        f"{_TOWER_POLICIES}:persistent",
        "Falling tower: builds perfectly, always starts over.",
    ),
    (
        "quitter",
        f"{_TOWER_POLICIES}:quitter",
        "Falling tower: builds perfectly, stops after a fall.",
    ),
    (
        "restarter",
        f"{_TOWER_POLICIES}:restarter",
        "Falling tower: builds perfectly, starts over with probability restart_prob.",
    ),
    ("random", f"{_TOWER_POLICIES}:random_tower", ""),
    (
        "oracle",
        f"{_BW_POLICIES}:OraclePolicy",
        "Blocksworld: the spec's optimal strategy in every task.",
    ),
    (
        "noisy",
        f"{_BW_POLICIES}:NoisyPolicy",
        "Blocksworld: limited capability used fully everywhere.",
    ),
    (
        "lazy",
        f"{_BW_POLICIES}:LazyPolicy",
        "Blocksworld: full capability, under-used in composite tasks.",
    ),
    (
        "random",
        f"{_BW_RANDOM}:RandomPolicy",
        "Blocksworld: uniformly random decisions, carried out.",
    ),
    (
        "random_actions",
        f"{_BW_RANDOM}:RandomActionsPolicy",
        "Blocksworld: a uniformly random available concrete action every step.",
    ),
)


def register_builtin_policies() -> None:
    """Register every built-in policy by its factory's name (idempotent; nothing imported)."""
    for name, target, doc in BUILTIN_POLICIES:
        register_policy(name, target, doc=doc)


def register_builtins() -> None:
    """Register the built-in environments and policies (idempotent; nothing imported)."""
    register_builtin_policies()
    register_blocksworld_envs()
    register_anagram_envs()
    register_tower_envs()
