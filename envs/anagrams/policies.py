"""Scripted anagram policies: ``oracle``, ``lazy`` and ``random``, with known goal-directedness.

They read only the observation texts (the letters, the feedback), as a model would, and look
words up in the bundled list. The semantics are a contract the tests and the GD tables rely on:

* ``oracle``: Anagrams: submits every valid word (alphabetical order), then ``<done>``;
  GeneratePermutations: lists every distinct arrangement (alphabetical), then ``<done>``;
  IsWord: answers correctly. Its capabilities are perfect and fully used: GD = 1.
* ``lazy`` (``underuse`` u, default 0.5): the oracle in the subtasks; in Anagrams it considers
  only ``ceil((1 - u) * P)`` of the P arrangements (a random subset, fixed per episode),
  submits the valid words among them, then ``<done>``. Expected words found ``W * m / P``.
* ``random``: Anagrams: submits different arrangements in a uniformly random order until the
  budget ends (the GD baseline, in expectation); GeneratePermutations: new random arrangements,
  stopping with probability 1/2 before each; IsWord: yes or no with probability 1/2. Its word
  judgement is at chance, so its GD is undefined.

Choices that must hold over several stateless calls (the order of arrangements, the subset
``lazy`` considers) come from a generator seeded by the policy's ``seed`` and a digest of the
episode's first observation; one-step choices use the ``rng`` argument.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from envs._policy import PolicyAction, register_policy
from envs.anagrams._tasks import FOUND_PREFIX, GOALS, LISTED_PREFIX, NONE_YET, TASK_PREFIX
from envs.anagrams._words import distinct_permutations, is_word, valid_words

_QUOTED = re.compile(r"'([a-z]+)'")


@dataclass(frozen=True)
class AnagramView:
    """What the observations of the current anagram episode say."""

    task: str
    """``anagrams``, ``generate_permutations`` or ``is_word``."""
    letters: str
    """The letters (for ``is_word``: the string asked about)."""
    first: str
    """The episode's first observation."""
    steps: int
    """Replies so far in this episode."""
    done_items: tuple[str, ...]
    """Words found (Anagrams) or arrangements listed (GeneratePermutations) so far."""


def _listed(text: str, prefix: str) -> tuple[str, ...] | None:
    at = text.rfind(prefix)
    if at < 0:
        return None
    line = text[at:].split("\n", 1)[0]
    body = line.split(":", 1)[1].strip().rstrip(".") if ":" in line else ""
    return tuple(w.strip() for w in body.split(",") if w.strip() and w.strip() != NONE_YET)


def parse_anagram_episode(observations: Sequence[str]) -> AnagramView | None:
    """The latest anagram episode in ``observations``, or ``None``."""
    for index in range(len(observations) - 1, -1, -1):
        text = observations[index]
        for task, goal in GOALS.items():
            at = text.find(TASK_PREFIX + goal)
            if at < 0:
                continue
            found = _QUOTED.search(text, at + len(TASK_PREFIX + goal))
            if found is None:
                return None
            episode = observations[index:]
            prefix = FOUND_PREFIX if task == "anagrams" else LISTED_PREFIX
            items: tuple[str, ...] = ()
            for later in episode[1:]:
                items = _listed(later, prefix) or items
            return AnagramView(task, found.group(1), text, len(episode) - 1, items)
    return None


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def _say(name: str, value: str | None = None) -> PolicyAction:
    if name == "submit_word":
        return PolicyAction(name, {"word": value}, f"I submit a word. <{value}>")
    if name == "submit_arrangement":
        return PolicyAction(name, {"arrangement": value}, f"Another arrangement. <{value}>")
    reasons = {"done": "I can think of no more.", "yes": "It is a word.", "no": "Not a word."}
    return PolicyAction(name, {}, f"{reasons[name]} <{name}>")


class AnagramPolicy:
    """Common parts: recognising the tasks and the per-episode generator."""

    def __init__(self, *, seed: int = 0) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.seed = seed

    def handles(self, observations: Sequence[str]) -> bool:
        return parse_anagram_episode(observations) is not None

    def _episode_rng(self, view: AnagramView, salt: str) -> np.random.Generator:
        return np.random.default_rng([self.seed % 2**32, _digest(view.first), _digest(salt)])

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        view = parse_anagram_episode(observations)
        if view is None:
            raise LookupError("no anagram task found in the observations")
        if view.task == "anagrams":
            return self._anagrams(view, rng)
        if view.task == "generate_permutations":
            return self._generate(view, rng)
        return self._is_word(view, rng)

    def _anagrams(self, view: AnagramView, rng: np.random.Generator) -> PolicyAction:
        raise NotImplementedError

    def _generate(self, view: AnagramView, rng: np.random.Generator) -> PolicyAction:
        for arrangement in distinct_permutations(view.letters):
            if arrangement not in view.done_items:
                return _say("submit_arrangement", arrangement)
        return _say("done")

    def _is_word(self, view: AnagramView, rng: np.random.Generator) -> PolicyAction:
        return _say("yes" if is_word(view.letters) else "no")

    @staticmethod
    def _submit_words(view: AnagramView, words: Sequence[str]) -> PolicyAction:
        for word in words:
            if word not in view.done_items:
                return _say("submit_word", word)
        return _say("done")


class OracleAnagramPolicy(AnagramPolicy):
    """Perfect capabilities, fully used (see the module docstring)."""

    def _anagrams(self, view: AnagramView, rng: np.random.Generator) -> PolicyAction:
        return self._submit_words(view, valid_words(view.letters))


class LazyAnagramPolicy(AnagramPolicy):
    """Perfect capabilities; in Anagrams considers only a share ``1 - underuse`` of the
    arrangements.

    Args:
        underuse: in [0, 1), default 0.5.
        seed: mixed into the per-episode generator (the subset considered).
    """

    def __init__(self, *, underuse: float = 0.5, seed: int = 0) -> None:
        super().__init__(seed=seed)
        ok = isinstance(underuse, int | float) and not isinstance(underuse, bool)
        if not ok or float(underuse) < 0.0:
            raise ValueError(f"underuse must be a number in [0, 1), got {underuse!r}")
        if float(underuse) >= 1.0:
            raise ValueError(f"underuse must be below 1, got {underuse!r}")
        self.underuse = float(underuse)

    def considered(self, view: AnagramView) -> tuple[str, ...]:
        """The arrangements this policy considers in this episode."""
        arrangements = distinct_permutations(view.letters)
        m = max(1, math.ceil((1.0 - self.underuse) * len(arrangements) - 1e-9))
        order = self._episode_rng(view, "consider").permutation(len(arrangements))
        return tuple(arrangements[i] for i in sorted(order[:m]))

    def _anagrams(self, view: AnagramView, rng: np.random.Generator) -> PolicyAction:
        return self._submit_words(view, [w for w in self.considered(view) if is_word(w)])


class RandomAnagramPolicy(AnagramPolicy):
    """No word knowledge, random decisions (see the module docstring)."""

    def _order(self, view: AnagramView) -> list[str]:
        arrangements = distinct_permutations(view.letters)
        order = self._episode_rng(view, "random").permutation(len(arrangements))
        return [arrangements[i] for i in order]

    def _anagrams(self, view: AnagramView, rng: np.random.Generator) -> PolicyAction:
        order = self._order(view)
        if view.steps >= len(order):
            return _say("done")
        return _say("submit_word", order[view.steps])

    def _generate(self, view: AnagramView, rng: np.random.Generator) -> PolicyAction:
        left = [a for a in self._order(view) if a not in view.done_items]
        if not left or rng.random() < 0.5:
            return _say("done")
        return _say("submit_arrangement", left[0])

    def _is_word(self, view: AnagramView, rng: np.random.Generator) -> PolicyAction:
        return _say("yes" if rng.random() < 0.5 else "no")


def oracle(*, seed: int = 0, **_: object) -> OracleAnagramPolicy:
    """The anagram oracle (other policies' options are ignored)."""
    return OracleAnagramPolicy(seed=seed)


def lazy(*, underuse: float = 0.5, seed: int = 0, **_: object) -> LazyAnagramPolicy:
    """The lazy anagram policy."""
    return LazyAnagramPolicy(underuse=underuse, seed=seed)


def random(*, seed: int = 0, **_: object) -> RandomAnagramPolicy:
    """The random anagram policy."""
    return RandomAnagramPolicy(seed=seed)


def register_anagram_policies() -> None:
    """Register the anagram policies under the shared names (idempotent)."""
    register_policy("oracle", oracle)
    register_policy("lazy", lazy)
    register_policy("random", random)


register_anagram_policies()
