"""The word list and the letter arithmetic of the anagram tasks.

The list (``envs/anagrams/data/words.txt``) holds the 29,079 lower-case words of 3 to 6
letters of Webster's Second International Dictionary (1934, public domain) as the ``web2`` list
of the MIT-licensed ``english-words`` package (version 2.0.2) ships it: entries made only of
the letters a-z, all lower case (web2 capitalises proper nouns, so they are left out). See
``data/README.md`` for the derivation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from functools import lru_cache
from importlib import resources
from itertools import permutations
from math import factorial

import numpy as np

#: Word lengths the bundled list covers (and so the letter counts the tasks accept).
MIN_LETTERS = 3
MAX_LETTERS = 6


@lru_cache(maxsize=1)
def word_list() -> frozenset[str]:
    """Every word of the bundled list."""
    text = resources.files("envs.anagrams.data").joinpath("words.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


@lru_cache(maxsize=MAX_LETTERS + 1)
def words_of_length(n: int) -> tuple[str, ...]:
    """The words of ``n`` letters, sorted."""
    return tuple(sorted(w for w in word_list() if len(w) == n))


@lru_cache(maxsize=1)
def _by_letters() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = defaultdict(list)
    for word in word_list():
        index["".join(sorted(word))].append(word)
    return {key: tuple(sorted(words)) for key, words in index.items()}


def is_word(text: str) -> bool:
    """Whether ``text`` (any case) is in the word list."""
    return text.lower() in word_list()


def is_permutation(text: str, letters: str) -> bool:
    """Whether ``text`` uses exactly ``letters``, each as often as it appears there."""
    return sorted(text.lower()) == sorted(letters.lower())


def n_permutations(letters: str) -> int:
    """Number of distinct arrangements of ``letters`` (repeated letters counted once)."""
    total = factorial(len(letters))
    for count in Counter(letters).values():
        total //= factorial(count)
    return total


def distinct_permutations(letters: str) -> tuple[str, ...]:
    """Every distinct arrangement of ``letters``, sorted."""
    return tuple(sorted({"".join(p) for p in permutations(letters)}))


def valid_words(letters: str) -> tuple[str, ...]:
    """The words of the list that use exactly ``letters``, sorted."""
    return _by_letters().get("".join(sorted(letters.lower())), ())


def draw_puzzle(rng: np.random.Generator, n: int) -> str:
    """Letters to rearrange: a random word of ``n`` letters, shuffled so that (where the word
    allows it) the shown order is not itself a word."""
    pool = words_of_length(n)
    word = pool[int(rng.integers(len(pool)))]
    letters = list(word)
    for _ in range(20):
        rng.shuffle(letters)
        if not is_word("".join(letters)):
            break
    return "".join(letters)


def draw_query(rng: np.random.Generator, n: int) -> str:
    """A string for the is-it-a-word question: with probability 1/2 a random word of ``n``
    letters, otherwise a shuffle of one that is not a word (a plausible non-word)."""
    pool = words_of_length(n)
    if rng.random() < 0.5:
        return pool[int(rng.integers(len(pool)))]
    while True:
        letters = list(pool[int(rng.integers(len(pool)))])
        for _ in range(20):
            rng.shuffle(letters)
            candidate = "".join(letters)
            if not is_word(candidate):
                return candidate
