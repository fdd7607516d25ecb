"""A second goal-directedness domain: anagrams (after the released code's anagram tasks).

Importing this package registers ``telic/Anagrams-v0`` (the composite task),
``telic/GeneratePermutations-v0`` and ``telic/IsWord-v0`` (its capability subtasks), and the
scripted policies ``oracle``, ``lazy`` and ``random`` for them
(:mod:`envs.anagrams.policies`). The word list ships with telic (``data/README.md``).
"""

from __future__ import annotations

from envs._registry import register_env
from envs.anagrams import policies as _policies  # noqa: F401  (registers the policies)
from envs.anagrams._words import (
    MAX_LETTERS,
    MIN_LETTERS,
    distinct_permutations,
    is_word,
    n_permutations,
    valid_words,
    word_list,
)

_TASKS = "envs.anagrams._tasks"

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
        register_env(env_id, f"{_TASKS}:{cls}", description)


__all__ = [
    "ANAGRAM_ENVS",
    "MAX_LETTERS",
    "MIN_LETTERS",
    "distinct_permutations",
    "is_word",
    "n_permutations",
    "register_anagram_envs",
    "valid_words",
    "word_list",
]
