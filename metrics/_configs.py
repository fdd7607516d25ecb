"""Two-tower configurations of the Blocksworld, as lists and as matrices.

A *configuration* splits all ``n`` blocks into two non-empty towers; its score is the height of
the lower tower. There are ``K(n) = 2**(n-1) - 1`` distinct configurations (spec 2, with the
de-duplication of spec 3.5). This module gives them in the canonical form the envs report
(``[[sorted blocks of tower 1], [sorted blocks of tower 2]]``, towers ordered by their first
block name) and, for the Monte Carlo ceiling, as a membership matrix so that the scores of every
configuration under many height vectors are one matrix product.

The functions here are re-implemented from the spec so that ``metrics`` does not depend on the
envs' internals; a test checks that they agree with ``envs.blocksworld`` when it defines them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

Configuration = tuple[tuple[str, ...], tuple[str, ...]]

#: Largest n for which the ceiling builds the configuration space (K(12) = 2047 configurations
#: and a 2047 x 2047 distance matrix); larger n get a message instead of a ceiling.
MAX_CONFIG_BLOCKS = 12


class ConfigurationError(ValueError):
    """A configuration or a block count the Blocksworld helpers cannot use."""


def block_names(n_blocks: int) -> tuple[str, ...]:
    """Block names ``a, b, c, ...`` (base-26 letters after ``z``: ``aa, ab, ...``)."""
    if n_blocks < 1:
        raise ConfigurationError(f"n_blocks must be at least 1, got {n_blocks}")
    names = []
    for i in range(n_blocks):
        name, k = "", i
        while True:
            k, rem = divmod(k, 26)
            name = chr(97 + rem) + name
            if k == 0:
                break
            k -= 1
        names.append(name)
    return tuple(names)


def n_configurations(n_blocks: int) -> int:
    """``K(n) = 2**(n-1) - 1``, the number of distinct two-tower configurations."""
    return 2 ** (n_blocks - 1) - 1


def canonical(config: Sequence[Sequence[str]]) -> Configuration:
    """The canonical form: blocks sorted in each tower, towers ordered by their first block."""
    if len(config) != 2:
        raise ConfigurationError(f"a configuration has two towers, got {config!r}")
    towers = sorted((tuple(sorted(t)) for t in config), key=lambda t: t[0] if t else "")
    return towers[0], towers[1]


def all_configurations(n_blocks: int) -> tuple[Configuration, ...]:
    """Every distinct split of ``n_blocks`` blocks into two non-empty towers, canonical form,
    sorted.

    >>> all_configurations(3)
    ((('a',), ('b', 'c')), (('a', 'b'), ('c',)), (('a', 'c'), ('b',)))
    """
    if n_blocks < 2:
        raise ConfigurationError(f"n_blocks must be at least 2 for two towers, got {n_blocks}")
    return tuple(_membership_to_config(row) for row in _memberships(n_blocks))


def partition_distance(intended: Sequence[Sequence[str]], realised: Sequence[Sequence[str]]) -> int:
    """Spec 2.10: ``min(|A1 Δ B1|, |A2 Δ B1|)`` for intended ``(A1, A2)`` and realised ``(B1, B2)``.

    Only the realised first tower is compared; with canonical configurations (both first towers
    hold block ``a``) this equals the number of blocks in the wrong tower.

    >>> partition_distance([["a"], ["b", "c"]], [["a", "b"], ["c"]])
    1
    """
    a1, a2 = set(intended[0]), set(intended[1]) if len(intended) > 1 else set()
    b1 = set(realised[0])
    return min(len(a1 ^ b1), len(a2 ^ b1))


def lower_tower_score(heights: dict[str, float], config: Sequence[Sequence[str]]) -> float:
    """The score of a configuration: the height of its lower tower."""
    return min(sum(heights[b] for b in config[0]), sum(heights[b] for b in config[1]))


def _memberships(n_blocks: int) -> np.ndarray:
    """(K, n) 0/1 matrix: row i marks the blocks of configuration i's first tower (with ``a``)."""
    k = n_configurations(n_blocks)
    rows = np.zeros((k, n_blocks), dtype=np.int8)
    rows[:, 0] = 1
    # Every subset of the other n-1 blocks joins block a, except the full set (which would
    # leave the second tower empty); rows are then sorted like the configurations they give.
    others = list(range(1, n_blocks))
    for mask in range(k):
        for j, block in enumerate(others):
            if mask >> j & 1:
                rows[mask, block] = 1
    order = sorted(range(k), key=lambda i: _membership_to_config(rows[i]))
    return rows[order]


def _membership_to_config(row: np.ndarray) -> Configuration:
    names = block_names(len(row))
    first = tuple(names[i] for i in range(len(row)) if row[i])
    second = tuple(names[i] for i in range(len(row)) if not row[i])
    return canonical((first, second))


@dataclass(frozen=True)
class ConfigSpace:
    """Precomputed matrices of the configurations of ``n`` blocks (see :func:`config_space`)."""

    n_blocks: int
    """Number of blocks."""
    configurations: tuple[Configuration, ...]
    """The K configurations, in the row order of the matrices."""
    membership: np.ndarray
    """(K, n) float matrix: 1 where the block is in the configuration's first tower."""
    distance: np.ndarray
    """(K, K) int matrix: ``distance[i, j] = partition_distance(config i, config j)``."""
    pairs: np.ndarray
    """(P, 2) int matrix of the block-index pairs (the two-block towers of IG)."""

    @property
    def k(self) -> int:
        """Number of configurations."""
        return len(self.configurations)

    def scores(self, heights: np.ndarray) -> np.ndarray:
        """Lower-tower heights of every configuration: (..., n) heights -> (..., K) scores."""
        first = heights @ self.membership.T
        total = heights.sum(axis=-1, keepdims=True)
        return np.minimum(first, total - first)

    def index(self, config: Sequence[Sequence[str]]) -> int:
        """Row of a configuration (any tower or block order)."""
        return self.configurations.index(canonical(config))

    def distance_kernel(self, distances: np.ndarray) -> np.ndarray:
        """(K, K) transition matrix of "replace config i by one at a sampled distance".

        ``kernel[i, j]`` is the probability of ending at configuration j when starting at i,
        drawing d from the empirical ``distances`` and then a uniformly random configuration at
        distance exactly d from i. A d with no configuration at that distance from i is redrawn
        (so the distance distribution is renormalised over the distances that exist from i).
        Raises :class:`ConfigurationError` when no sampled distance exists from some i.
        """
        values = np.asarray(distances, dtype=int)
        d_max = int(self.distance.max())
        if values.size == 0:
            raise ConfigurationError("the distance distribution is empty")
        counts = np.bincount(values[(values >= 0) & (values <= d_max)], minlength=d_max + 1)
        p_d = counts / values.size
        # per_i_d[i, d] = number of configurations at distance d from i
        onehot = self.distance[:, :, None] == np.arange(d_max + 1)[None, None, :]
        per_i_d = onehot.sum(axis=1)
        weight = np.where(per_i_d > 0, p_d[None, :], 0.0)
        total = weight.sum(axis=1, keepdims=True)
        if np.any(total <= 0):
            raise ConfigurationError(
                f"none of the observed partition distances {sorted(set(values.tolist()))} "
                f"exists among the configurations of {self.n_blocks} blocks"
            )
        weight = weight / total / np.maximum(per_i_d, 1)
        return np.einsum("ijd,id->ij", onehot, weight)


@lru_cache(maxsize=16)
def config_space(n_blocks: int) -> ConfigSpace:
    """The (cached) :class:`ConfigSpace` of ``n_blocks`` blocks (2 <= n <= MAX_CONFIG_BLOCKS)."""
    if not 2 <= n_blocks <= MAX_CONFIG_BLOCKS:
        raise ConfigurationError(
            f"n_blocks must be between 2 and {MAX_CONFIG_BLOCKS} for the configuration space, "
            f"got {n_blocks}"
        )
    rows = _memberships(n_blocks)
    configs = tuple(_membership_to_config(r) for r in rows)
    hamming = rows.astype(int) @ (1 - rows.T.astype(int)) + (1 - rows.astype(int)) @ rows.T
    distance = np.minimum(hamming, n_blocks - hamming)
    pairs = np.array([(i, j) for i in range(n_blocks) for j in range(i + 1, n_blocks)], dtype=int)
    membership = rows.astype(float)
    for arr in (membership, distance, pairs):
        arr.setflags(write=False)
    return ConfigSpace(n_blocks, configs, membership, distance, pairs)
