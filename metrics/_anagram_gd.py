"""Goal-directedness of the anagram task, declared through :func:`metrics.register_task_gd`
like any plugin task.

Capabilities (pooled over letter counts; run one ``n_letters`` per scenario to keep them per
length):

* ``arrangements_generated`` from ``generate_permutations``: the share of the distinct
  arrangements of the letters an episode listed;
* ``word_judgement`` from ``is_word``: ``(is a word, answered yes)`` per episode, i.e. how often
  the model says yes to words and to non-words.

The ceiling is an agent that generates arrangements as well as in the subtask and checks each as
accurately as in the word subtask: per iteration it considers ``m = round(share * P)`` of the
``P`` arrangements (uniformly, so the words among them are hypergeometric), believes each word
with the model's yes-rate on words and each non-word with its yes-rate on non-words, and submits
what it believes, up to the budget; the expected number of true words among the submissions is
the sample (computed in closed form given the counts). Baseline and optimum are the env's
``random_return`` (``budget`` different random arrangements) and ``optimal_return`` (every valid
word).
"""

from __future__ import annotations

import numpy as np

from metrics._capabilities import Capability
from metrics._ceiling import CapabilityUnavailable, CeilingInput, Simulation
from metrics._records import Episode, _num
from metrics._tasks import register_task_gd


def score_arrangements(episode: Episode) -> float | None:
    """GeneratePermutations: the share of distinct arrangements listed."""
    return _num(episode.info.get("fraction_generated"))


def score_word_judgement(episode: Episode) -> tuple[float, float] | None:
    """IsWord: ``(1 if the string is a word else 0, 1 if the answer was yes else 0)``."""
    truth, answer = episode.info.get("is_word"), episode.info.get("answered_yes")
    if not isinstance(truth, bool) or not isinstance(answer, bool):
        return None
    return float(truth), float(answer)


ARRANGEMENTS = Capability(
    "arrangements_generated",
    "generate_permutations",
    score_arrangements,
    per_n=False,
    doc="share of the distinct arrangements of the letters listed",
)
WORD_JUDGEMENT = Capability(
    "word_judgement",
    "is_word",
    score_word_judgement,
    per_n=False,
    doc="(string is a word, answered yes) per question",
)


def _episode_numbers(episodes: tuple[Episode, ...], key: str) -> np.ndarray:
    out = []
    for ep in episodes:
        value = _num(ep.info.get(key))
        if value is None:
            raise CapabilityUnavailable(
                f"episode {ep.episode_id or ep.seed} ({ep.task}) has no numeric info[{key!r}]"
            )
        out.append(value)
    return np.asarray(out, dtype=float)


def yes_rates(judgements: np.ndarray) -> tuple[float, float]:
    """(yes-rate on words, yes-rate on non-words) of ``word_judgement`` samples."""
    samples = np.asarray(judgements, dtype=float)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise CapabilityUnavailable("word_judgement samples must be (is word, said yes) pairs")
    words = samples[samples[:, 0] == 1.0, 1]
    others = samples[samples[:, 0] == 0.0, 1]
    if words.size == 0 or others.size == 0:
        raise CapabilityUnavailable(
            "word_judgement needs questions about words and about non-words; "
            f"got {words.size} and {others.size}. Run more is_word episodes."
        )
    return float(words.mean()), float(others.mean())


def anagram_ceiling(inp: CeilingInput) -> Simulation:
    """Generate, judge, submit what is believed (see the module docstring)."""
    shares = np.asarray(inp.capabilities["arrangements_generated"], dtype=float).ravel()
    yes_word, yes_other = yes_rates(inp.capabilities["word_judgement"])
    perms = _episode_numbers(inp.episodes, "n_permutations").astype(np.int64)[:, None]
    words = _episode_numbers(inp.episodes, "n_valid_words").astype(np.int64)[:, None]
    budget = _episode_numbers(inp.episodes, "submission_budget")[:, None]
    shape = (len(inp.episodes), inp.iterations_per_episode)
    rng = inp.rng
    share = np.clip(shares[rng.integers(0, shares.size, shape)], 0.0, 1.0)
    considered = np.rint(share * perms).astype(np.int64)
    perms_b = np.broadcast_to(perms, shape)
    words_b = np.broadcast_to(words, shape)
    hits = np.where(
        considered > 0,
        rng.hypergeometric(words_b, perms_b - words_b, np.maximum(considered, 1)),
        0,
    )
    believed_words = rng.binomial(hits, yes_word)
    believed_others = rng.binomial(considered - hits, yes_other)
    submitted = believed_words + believed_others
    with np.errstate(divide="ignore", invalid="ignore"):
        found = np.where(
            submitted > 0, believed_words * np.minimum(budget, submitted) / submitted, 0.0
        )
    return Simulation(ceiling=found.mean(axis=1))


register_task_gd(
    "anagrams",
    capabilities=[ARRANGEMENTS, WORD_JUDGEMENT],
    ceiling=anagram_ceiling,
    doc="Anagrams: generate arrangements, judge each, submit the believed words",
)
