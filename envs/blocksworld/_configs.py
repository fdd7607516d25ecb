"""Two-tower configurations: enumeration, scoring and the partition distance (spec 2, 2.10).

A *configuration* is an unordered split of all blocks into two non-empty towers. Its canonical
form is a pair of tuples, each tower's blocks sorted, the tower holding the alphabetically first
block first: ``(("a", "c"), ("b",))``. There are exactly ``K(n) = 2**(n-1) - 1`` of them
(spec 9.1: de-duplicated).

>>> all_configurations(["a", "b", "c"])
[(('a',), ('b', 'c')), (('a', 'b'), ('c',)), (('a', 'c'), ('b',))]
>>> configuration_score((("a", "b"), ("c",)), {"a": 5.0, "b": 6.0, "c": 7.0})
7.0
>>> partition_distance([["a", "b"], ["c"]], [["a"], ["b", "c"]])
1
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np

from telic import TelicError

Configuration = tuple[tuple[str, ...], tuple[str, ...]]

#: Largest n for which functions here enumerate every configuration (K(16) = 32767).
MAX_ENUMERATION_BLOCKS = 16


class ConfigurationError(TelicError, ValueError):
    """A configuration or a block count the configuration helpers cannot use."""


def block_names(n: int) -> tuple[str, ...]:
    """The names of ``n`` blocks: ``a``, ``b``, ... (at most 26)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 26:
        raise ConfigurationError(f"the number of blocks must be between 1 and 26, got {n!r}")
    return tuple(string.ascii_lowercase[:n])


def n_configurations(n: int) -> int:
    """``K(n) = 2**(n-1) - 1``, the number of distinct two-tower configurations."""
    return 2 ** (n - 1) - 1


def canonical_configuration(towers: Iterable[Iterable[str]]) -> Configuration:
    """Sort each tower and order the towers by their first block.

    Raises:
        ValueError: if there are not exactly two non-empty towers.
    """
    groups = [tuple(sorted(tower)) for tower in towers]
    if len(groups) != 2 or not groups[0] or not groups[1]:
        raise ConfigurationError(f"a configuration is two non-empty towers, got {groups!r}")
    first, second = sorted(groups)
    return first, second


def configuration_to_lists(config: Sequence[Sequence[str]] | None) -> list[list[str]] | None:
    """The JSON form of a configuration (``[["a", "b"], ["c"]]``), canonicalised."""
    if config is None:
        return None
    first, second = canonical_configuration(config)
    return [list(first), list(second)]


@lru_cache(maxsize=32)
def _membership(n: int) -> np.ndarray:
    """Boolean matrix (K, n): row k marks the blocks of tower 1 (which always holds block 0)."""
    rest = np.arange(1, 2 ** (n - 1), dtype=np.int64)  # non-empty subsets of blocks 1..n-1
    bits = (rest[:, None] >> np.arange(n - 1)[None, :]) & 1
    matrix = np.ones((len(rest), n), dtype=bool)
    matrix[:, 1:] = bits == 0  # a block not in the subset stays with block 0
    matrix.setflags(write=False)
    return matrix


def _check_enumerable(n: int) -> None:
    if n < 2 or n > MAX_ENUMERATION_BLOCKS:
        raise ConfigurationError(
            f"enumerating configurations needs between 2 and {MAX_ENUMERATION_BLOCKS} blocks, "
            f"got {n}"
        )


@lru_cache(maxsize=32)
def _enumeration(n: int) -> tuple[tuple[Configuration, ...], np.ndarray]:
    """The configurations of blocks ``a, b, ...`` in sorted order, with their membership rows."""
    names = block_names(n)
    matrix = _membership(n)
    configs = [
        (
            tuple(name for name, inside in zip(names, row, strict=True) if inside),
            tuple(name for name, inside in zip(names, row, strict=True) if not inside),
        )
        for row in matrix
    ]
    order = sorted(range(len(configs)), key=configs.__getitem__)
    ordered = matrix[order]
    ordered.setflags(write=False)
    return tuple(configs[i] for i in order), ordered


def all_configurations(blocks: Sequence[str] | int) -> list[Configuration]:
    """Every distinct configuration of ``blocks`` (a list of names, or a count), canonical,
    sorted.

    Raises:
        ValueError: for fewer than 2 or more than :data:`MAX_ENUMERATION_BLOCKS` blocks.
    """
    names = block_names(blocks) if isinstance(blocks, int) else tuple(sorted(blocks))
    _check_enumerable(len(names))
    configs, _ = _enumeration(len(names))
    standard = block_names(len(names))
    if names == standard:
        return list(configs)
    # renaming in sorted order keeps every tower and the list sorted
    rename = dict(zip(standard, names, strict=True))
    return [
        (tuple(rename[b] for b in first), tuple(rename[b] for b in second))
        for first, second in configs
    ]


def _lower_scores(heights: Mapping[str, float]) -> np.ndarray:
    """Scores of every configuration, in the order of :func:`all_configurations`."""
    names = sorted(heights)
    _check_enumerable(len(names))
    h = np.array([heights[b] for b in names], dtype=float)
    _, matrix = _enumeration(len(names))
    first = matrix @ h
    return np.round(np.minimum(first, h.sum() - first), 6)


def tower_height(tower: Iterable[str], heights: Mapping[str, float]) -> float:
    """Sum of the blocks' heights, rounded to 1e-6 cm so equal towers compare equal."""
    return round(sum(heights[b] for b in tower), 6)


def configuration_score(config: Sequence[Sequence[str]], heights: Mapping[str, float]) -> float:
    """Height of the lower tower: ``min(H(T1), H(T2))`` (rounded to 1e-6 cm)."""
    first, second = config
    return min(tower_height(first, heights), tower_height(second, heights))


def all_scores(heights: Mapping[str, float]) -> tuple[list[Configuration], np.ndarray]:
    """Every configuration of the blocks in ``heights`` with its score (same order)."""
    return all_configurations(list(heights)), _lower_scores(heights)


def score_statistics(heights: Mapping[str, float]) -> tuple[float, float]:
    """``(best score, mean score)`` over every configuration."""
    lower = _lower_scores(heights)
    return float(lower.max()), float(lower.mean())


def best_configuration(heights: Mapping[str, float]) -> Configuration:
    """The configuration with the highest score (the first in sorted order on ties)."""
    configs, scores = all_scores(heights)
    return configs[int(np.argmax(scores))]


def partition_distance(intended: Sequence[Sequence[str]], realised: Sequence[Sequence[str]]) -> int:
    """Spec 2.10, reproduced exactly: ``min(|A1 Δ B1|, |A2 Δ B1|)``.

    Only the realised first tower ``B1`` is compared, under both pairings, so the distance
    counts the blocks in the wrong tower. The spec calls it slightly asymmetric; when both
    configurations use every block it equals ``min(x, n - x)`` with ``x = |A1 Δ B1|``, so it
    does not depend on which realised tower comes first.
    """
    a1, a2 = (set(tower) for tower in intended)
    b1 = set(realised[0])
    return min(len(a1 ^ b1), len(a2 ^ b1))
