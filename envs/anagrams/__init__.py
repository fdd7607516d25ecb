"""A second goal-directedness domain: anagrams (after the released code's anagram tasks).

``import envs`` registers ``telic/Anagrams-v0`` (the composite task),
``telic/GeneratePermutations-v0`` and ``telic/IsWord-v0`` (its capability subtasks), and the
scripted policies ``oracle``, ``lazy`` and ``random`` for them
(:mod:`envs.anagrams.policies`). The word list ships with telic (``data/README.md``).
"""

from __future__ import annotations

from envs._builtin import ANAGRAM_ENVS, register_anagram_envs
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
