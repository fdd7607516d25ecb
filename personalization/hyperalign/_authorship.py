"""Offline authorship verification with character n-gram profiles.

Each author is represented by the term-frequency vector of the character n-grams (3 to 5
characters by default) of their known texts, pooled and L2-normalised; a questioned text is
compared to every profile by cosine similarity. Character n-grams capture punctuation, function
words, affixes and spacing habits, which makes them a strong, classic stylometric baseline that
needs no model and no training.

Scores:

* :meth:`AuthorshipScorer.attribute`: the most similar author (attribution).
* :meth:`AuthorshipScorer.verify`: how well a text matches a claimed author against the other
  authors. ``rank_score`` is the fraction of the other authors the text is closer to the claimed
  author than to (ties count half): 1.0 means closer to the claimed author than to anyone else,
  0.5 is what an unrelated text gets on average. The PersonalizedWriting env uses it as reward.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")


def char_ngrams(text: str, n_min: int = 3, n_max: int = 5) -> Counter[str]:
    """Counts of the character n-grams of ``text`` (whitespace runs collapsed to one space).

    >>> sorted(char_ngrams("abcd", 3, 3).items())
    [('abc', 1), ('bcd', 1)]
    """
    if n_min < 1 or n_max < n_min:
        raise ValueError(f"need 1 <= n_min <= n_max, got n_min={n_min}, n_max={n_max}")
    flat = _SPACE.sub(" ", text).strip()
    counts: Counter[str] = Counter()
    for n in range(n_min, n_max + 1):
        counts.update(flat[i : i + n] for i in range(len(flat) - n + 1))
    return counts


def _normalise(counts: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in counts.values()))
    if norm == 0:
        return {}
    return {k: v / norm for k, v in counts.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two sparse vectors (0.0 when either is empty)."""
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    if na == 0 or nb == 0:
        return 0.0
    return dot / (na * nb)


@dataclass(frozen=True)
class AuthorshipScore:
    """How well one text matches a claimed author."""

    author: str
    """The claimed author."""
    similarity: float
    """Cosine similarity of the text to the claimed author's profile."""
    best_other: str | None
    """The most similar *other* author (``None`` with a single author)."""
    best_other_similarity: float
    """Its similarity (0.0 with a single author)."""
    rank_score: float
    """Fraction of the other authors the text is closer to the claimed author than to."""
    attributed_to: str
    """The most similar author overall."""

    @property
    def attributed(self) -> bool:
        """Whether the text is attributed to the claimed author."""
        return self.attributed_to == self.author

    @property
    def margin(self) -> float:
        """``similarity - best_other_similarity`` (positive when attributed)."""
        return self.similarity - self.best_other_similarity


class AuthorshipScorer:
    """Character n-gram authorship profiles of a set of authors (see the module docstring).

    Args:
        author_texts: the known texts of each author (at least one author, each with at
            least one non-empty text).
        n_min: shortest n-gram.
        n_max: longest n-gram.

    Raises:
        ValueError: no authors, an author without text, or a bad n-gram range.
    """

    def __init__(
        self, author_texts: Mapping[str, Sequence[str]], *, n_min: int = 3, n_max: int = 5
    ) -> None:
        if not author_texts:
            raise ValueError("author_texts is empty; give at least one author with texts")
        self.n_min = n_min
        self.n_max = n_max
        self.profiles: dict[str, dict[str, float]] = {}
        for author, texts in author_texts.items():
            if isinstance(texts, str):
                raise ValueError(
                    f"the texts of author {author!r} must be a list of strings, not one string"
                )
            counts: Counter[str] = Counter()
            for text in texts:
                counts.update(char_ngrams(text, n_min, n_max))
            if not counts:
                raise ValueError(f"author {author!r} has no text to build a profile from")
            self.profiles[author] = _normalise(counts)

    @property
    def authors(self) -> list[str]:
        """The authors, in the order given."""
        return list(self.profiles)

    def similarities(self, text: str) -> dict[str, float]:
        """Cosine similarity of ``text`` to every author profile."""
        vector = _normalise(char_ngrams(text, self.n_min, self.n_max))
        # both sides are unit vectors, so the cosine is the dot product over the text's n-grams
        return {
            author: sum(v * profile.get(k, 0.0) for k, v in vector.items())
            for author, profile in self.profiles.items()
        }

    def attribute(self, text: str) -> str:
        """The author whose profile is most similar to ``text`` (first in order on ties)."""
        sims = self.similarities(text)
        return max(self.profiles, key=lambda a: sims[a])

    def verify(self, text: str, author: str) -> AuthorshipScore:
        """Score ``text`` as a text by ``author`` (see :class:`AuthorshipScore`).

        Raises:
            KeyError: ``author`` has no profile.
        """
        if author not in self.profiles:
            raise KeyError(f"no profile for author {author!r}; known: {self.authors}")
        sims = self.similarities(text)
        own = sims[author]
        others = {a: s for a, s in sims.items() if a != author}
        if others:
            best_other = max(others, key=lambda a: others[a])
            wins = sum(1.0 if own > s else 0.5 if own == s else 0.0 for s in others.values())
            rank = wins / len(others)
            best_other_sim = others[best_other]
        else:
            best_other, best_other_sim, rank = None, 0.0, 1.0
        attributed_to = max(self.profiles, key=lambda a: sims[a])
        return AuthorshipScore(author, own, best_other, best_other_sim, rank, attributed_to)


def attribution_accuracy(
    scorer: AuthorshipScorer, labelled_texts: Iterable[tuple[str, str]]
) -> float:
    """Fraction of ``(author, text)`` pairs whose text is attributed to its author.

    Returns ``nan`` for no pairs.
    """
    pairs = list(labelled_texts)
    if not pairs:
        return float("nan")
    hits = sum(scorer.attribute(text) == author for author, text in pairs)
    return hits / len(pairs)
