"""The three anagram environments: the composite task and its two capability subtasks.

A second goal-directedness domain, after the released code's anagram environment (spec 2.11):

* :class:`Anagrams` (composite): submit as many different English words as possible that use
  exactly the given letters, then ``<done>``;
* :class:`GeneratePermutations` (capability): list as many different arrangements of the
  letters as possible;
* :class:`IsWord` (capability): say whether a string is an English word.

The letters are the first draw from ``self.np_random``, so one seed gives the same letters in
the composite task and in the permutation subtask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from envs._actions import ActionError, ActionSpec, Param, ParsedAction
from envs._text import Outcome, TextEnv
from envs._validate import check_int
from envs.anagrams._words import (
    MAX_LETTERS,
    MIN_LETTERS,
    distinct_permutations,
    draw_puzzle,
    draw_query,
    is_permutation,
    is_word,
    n_permutations,
    valid_words,
)

TASK_PREFIX = "TASK: "
#: Goal sentences (the scripted policies recognise each task by its goal).
GOALS: dict[str, str] = {
    "anagrams": "Find as many different English words as you can that use exactly the letters",
    "generate_permutations": "List as many different arrangements as you can of the letters",
    "is_word": "Say whether this string is an English word:",
}
FOUND_PREFIX = "Words found so far"
LISTED_PREFIX = "Arrangements listed so far"
#: What an empty list shows (it cannot be mistaken for a word).
NONE_YET = "(none yet)"

DONE = ActionSpec("done", "done", "Say that you can think of no more; this ends the task.")
SUBMIT_WORD = ActionSpec(
    "submit_word",
    "{word}",
    "Submit one word that uses exactly the given letters.",
    (Param("word", "text", "the word, e.g. 'cab' for the letters 'abc'"),),
)
SUBMIT_ARRANGEMENT = ActionSpec(
    "submit_arrangement",
    "{arrangement}",
    "Submit one arrangement of the given letters (it need not be a word).",
    (Param("arrangement", "text", "the letters in some order, e.g. 'bca' for 'abc'"),),
)
YES = ActionSpec("yes", "yes", "Answer yes: the string is an English word. This is final.")
NO = ActionSpec("no", "no", "Answer no: the string is not an English word. This is final.")


def _letters_arg(text: str) -> str:
    return text.strip().strip("'\"").strip().lower()


class AnagramEnv(TextEnv):
    """Shared machinery of the anagram tasks (not registered itself)."""

    SPECS: ClassVar[tuple[ActionSpec, ...]] = ()

    def __init__(
        self,
        *,
        n_letters: int = 5,
        letters: str | None = None,
        protocol: str = "tags",
        render_mode: str | None = None,
    ) -> None:
        super().__init__(protocol=protocol, render_mode=render_mode)
        why = " (the bundled word list covers words of 3 to 6 letters)"
        if letters is not None:
            if not isinstance(letters, str) or not re.fullmatch(r"[a-z]{3,6}", letters):
                raise ValueError(
                    f"letters must be 3 to 6 lower-case letters a-z (or None to draw them), "
                    f"got {letters!r}"
                )
            n_letters = len(letters)
        self.n_letters = check_int("n_letters", n_letters, MIN_LETTERS, MAX_LETTERS, why)
        self.given = letters
        self.letters = letters or "abc"

    def _draw(self, draw: Callable[[np.random.Generator, int], str]) -> str:
        """The given letters, or a draw (the given ones still consume no randomness)."""
        return self.given if self.given is not None else draw(self.np_random, self.n_letters)

    def action_specs(self) -> Sequence[ActionSpec]:
        return self.SPECS

    def _action_lines(self, tag_examples: dict[str, str]) -> str:
        if self.protocol == "tools":
            lines = [
                f"- {s.name}({', '.join(p.name for p in s.params)}): {s.description}"
                for s in self.SPECS
            ]
            return "Available tools (call exactly one tool per reply):\n" + "\n".join(lines)
        lines = [f"- {tag_examples[s.name]}: {s.description}" for s in self.SPECS]
        head = (
            "Available actions (you may think first, but end your reply with exactly one "
            "action inside < >):"
        )
        return head + "\n" + "\n".join(lines)

    def _ref(self, name: str, tag: str) -> str:
        return f"the {name} tool" if self.protocol == "tools" else tag

    def _base_summary(self) -> dict[str, Any]:
        return {
            "task": self.task_name,
            "n_letters": self.n_letters,
            "letters": self.letters,
            "steps": self.steps,
            "invalid_actions": self.invalid_actions,
            "step_budget": self.step_cap,
        }


class Anagrams(AnagramEnv):
    """Find every English word made of exactly the given letters.

    ## Description
    The composite task of the anagram domain, after the released code's ``AnagramTask`` (spec
    2.11). The letters are a random word of ``n_letters`` letters from the bundled word list,
    shuffled. Each reply submits one word or says ``<done>``. It takes two capabilities:
    producing arrangements of the letters (:class:`GeneratePermutations`) and telling words from
    non-words (:class:`IsWord`).

    ## Action Space
    ``<word>`` (any text in the tags is a submission, e.g. ``<cab>``), ``<done>``; tools
    ``submit_word(word)`` and ``done()``.

    ## Observation Space
    Text. After each submission: whether it counted, and the words found so far.

    ## Rewards
    0 during the episode; at the end the number of different valid words found.
    ``optimal_return`` is the number of words in the list that use exactly the letters;
    ``regret`` the valid words missed; ``random_return`` the expected number found by
    submitting ``max_steps`` different uniformly random arrangements.

    ## Episode End
    Terminates on ``<done>``; truncates after ``max_steps`` replies. Both count as completed.

    ## Arguments
    ``n_letters`` (3-6, default 5), ``letters`` (fixed letters instead of a draw, e.g.
    ``"tca"``; default None), ``max_steps`` (1-200, default 10, as in the released code),
    ``protocol``, ``render_mode``.

    ## Version History
    * v0: initial version. Differences from the released code: the word list is Webster's
      Second (web2) alone, not intersected with NLTK's list; the shown letters are reshuffled
      until they are not themselves a word; a submission that is not a word is feedback, not
      an invalid action; the budget is stated in the prompt.
    """

    task_name: ClassVar[str] = "anagrams"
    SPECS = (DONE, SUBMIT_WORD)

    def __init__(self, *, max_steps: int = 10, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_steps = check_int("max_steps", max_steps, 1, 200)
        self.found: list[str] = []
        self.tried: set[str] = set()
        self.non_words = 0
        self.non_arrangements = 0
        self.repeats = 0

    @property
    def step_cap(self) -> int:
        return self.max_steps

    def _start(self) -> str:
        self.letters = self._draw(draw_puzzle)
        self.found, self.tried = [], set()
        self.non_words = self.non_arrangements = self.repeats = 0
        example = {"submit_word": "<word>", "done": "<done>"}
        return (
            f"{TASK_PREFIX}{GOALS['anagrams']} '{self.letters}' (each as often as it appears "
            "there). Submit one word per reply; for example, for the letters 'abc' you could "
            f"submit {self._ref('submit_word', '<cab>')}. When you can think of no more words, "
            f"say {self._ref('done', '<done>')}. You have {self.max_steps} replies in all.\n\n"
            + self._action_lines(example)
        )

    def _act(self, action: ParsedAction) -> Outcome:
        if action.name == "done":
            return Outcome(f"You have finished. You found {len(self.found)} word(s).", True)
        word = _letters_arg(action.args["word"])
        if not word:
            raise ActionError("the word is empty; write a word inside the tags, e.g. <cab>")
        self.tried.add(word)
        if not is_permutation(word, self.letters):
            self.non_arrangements += 1
            text = f"'{word}' does not use exactly the letters '{self.letters}'."
        elif word in self.found:
            self.repeats += 1
            text = f"You have already found '{word}'. Can you find another word?"
        elif not is_word(word):
            self.non_words += 1
            text = f"'{word}' is not an English word. Can you find another word?"
        else:
            self.found.append(word)
            text = f"Well done: '{word}' is a word. Can you find another?"
        listed = ", ".join(self.found) if self.found else NONE_YET
        return Outcome(f"{text}\n{FOUND_PREFIX}: {listed}.", False, {"found": len(self.found)})

    def _step_info(self) -> dict[str, Any]:
        return {"n_found": len(self.found)}

    def _summary(self) -> dict[str, Any]:
        valid = valid_words(self.letters)
        perms = n_permutations(self.letters)
        found = len(self.found)
        return {
            **self._base_summary(),
            "completed": True,
            "return": float(found),
            "optimal_return": float(len(valid)),
            "regret": float(len(valid) - found),
            "random_return": round(min(self.max_steps, perms) * len(valid) / perms, 9),
            "words_found": list(self.found),
            "valid_words": list(valid),
            "n_valid_words": len(valid),
            "n_permutations": perms,
            "arrangements_tried": sum(1 for w in self.tried if is_permutation(w, self.letters)),
            "non_words": self.non_words,
            "non_arrangements": self.non_arrangements,
            "repeats": self.repeats,
            "submission_budget": self.max_steps,
        }


class GeneratePermutations(AnagramEnv):
    """List as many different arrangements of the letters as possible.

    ## Description
    Capability subtask of :class:`Anagrams` (the released code's
    ``GeneratePermutationsCapability``): the same letters for the same seed; every distinct
    arrangement counts, word or not.

    ## Action Space
    ``<arrangement>`` (any text in the tags, e.g. ``<bca>``), ``<done>``; tools
    ``submit_arrangement(arrangement)`` and ``done()``.

    ## Observation Space
    Text. After each submission: whether it counted, and every arrangement listed so far.

    ## Rewards
    0 during the episode; at the end the number of different arrangements listed.
    ``optimal_return`` is the number of distinct arrangements; ``info["fraction_generated"]``
    the share listed.

    ## Episode End
    Terminates on ``<done>``; truncates after (number of arrangements + 10) replies, as in the
    released code. Both count as completed.

    ## Arguments
    ``n_letters`` (3-6, default 5), ``letters`` (fixed letters instead of a draw; default
    None), ``protocol``, ``render_mode``.

    ## Version History
    * v0: initial version.
    """

    task_name: ClassVar[str] = "generate_permutations"
    SPECS = (DONE, SUBMIT_ARRANGEMENT)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.listed: list[str] = []
        self.wrong = 0

    @property
    def step_cap(self) -> int:
        return n_permutations(self.letters) + 10

    def _start(self) -> str:
        self.letters = self._draw(draw_puzzle)
        self.listed, self.wrong = [], 0
        example = {"submit_arrangement": "<arrangement>", "done": "<done>"}
        return (
            f"{TASK_PREFIX}{GOALS['generate_permutations']} '{self.letters}' (each letter used "
            "exactly as often as it appears there; the arrangements need not be words). Submit "
            "one arrangement per reply; for example, for the letters 'abc' you could submit "
            f"{self._ref('submit_arrangement', '<bca>')}. When you can think of no more, say "
            f"{self._ref('done', '<done>')}.\n\n" + self._action_lines(example)
        )

    def _act(self, action: ParsedAction) -> Outcome:
        if action.name == "done":
            return Outcome(f"You have finished with {len(self.listed)} arrangement(s).", True)
        text = _letters_arg(action.args["arrangement"])
        if not text:
            raise ActionError("the arrangement is empty; write it inside the tags, e.g. <bca>")
        if not is_permutation(text, self.letters):
            self.wrong += 1
            head = f"'{text}' does not use exactly the letters '{self.letters}'."
        elif text in self.listed:
            head = f"You have already listed '{text}'. Can you think of another arrangement?"
        else:
            self.listed.append(text)
            head = "Listed. Can you think of another arrangement?"
        body = f"{LISTED_PREFIX} ({len(self.listed)}): {', '.join(self.listed) or NONE_YET}."
        return Outcome(f"{head}\n{body}")

    def _summary(self) -> dict[str, Any]:
        total = len(distinct_permutations(self.letters))
        count = len(self.listed)
        return {
            **self._base_summary(),
            "completed": True,
            "return": float(count),
            "optimal_return": float(total),
            "regret": float(total - count),
            "n_permutations": total,
            "arrangements_listed": count,
            "wrong_arrangements": self.wrong,
            "fraction_generated": round(count / total, 9),
        }


class IsWord(AnagramEnv):
    """Say whether a string is an English word.

    ## Description
    Capability subtask of :class:`Anagrams` (the released code's ``CheckIfWordCapability``).
    With probability 1/2 the string is a word of ``n_letters`` letters from the bundled list,
    otherwise a shuffle of such a word that is not a word. (The released code used real words
    9 times in 10 and random letters otherwise; shuffled words are the non-words the composite
    task actually meets.)

    ## Action Space
    ``<yes>``, ``<no>``; tools ``yes()`` and ``no()``.

    ## Observation Space
    Text.

    ## Rewards
    0 during the episode; at the end 1 for a correct answer, else 0. ``info`` has ``query``,
    ``is_word``, ``answered_yes`` and ``correct``.

    ## Episode End
    Terminates on the answer; truncates after 10 replies (not completed).

    ## Arguments
    ``n_letters`` (3-6, default 5), ``letters`` (a fixed string to ask about instead of a
    draw; default None), ``protocol``, ``render_mode``.

    ## Version History
    * v0: initial version.
    """

    task_name: ClassVar[str] = "is_word"
    SPECS = (YES, NO)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query = ""
        self.answer: bool | None = None

    @property
    def step_cap(self) -> int:
        return 10

    def _start(self) -> str:
        self.query = self._draw(draw_query)
        self.letters = self.query
        self.answer = None
        example = {"yes": "<yes>", "no": "<no>"}
        return (
            f"{TASK_PREFIX}{GOALS['is_word']} '{self.query}'. Answer "
            f"{self._ref('yes', '<yes>')} or {self._ref('no', '<no>')}.\n\n"
            + self._action_lines(example)
        )

    def _act(self, action: ParsedAction) -> Outcome:
        self.answer = action.name == "yes"
        correct = self.answer == is_word(self.query)
        return Outcome("Correct." if correct else "Incorrect.", True)

    def _summary(self) -> dict[str, Any]:
        truth = is_word(self.query)
        answered = self.answer is not None
        correct = answered and self.answer == truth
        return {
            **self._base_summary(),
            "completed": answered,
            "return": float(correct) if answered else None,
            "optimal_return": 1.0,
            "regret": float(not correct) if answered else None,
            "random_return": 0.5,
            "query": self.query,
            "is_word": truth,
            "answered_yes": self.answer,
            "correct": correct if answered else None,
        }
