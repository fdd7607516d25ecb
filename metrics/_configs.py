"""Two-tower configurations of the Blocksworld as matrices, for the Monte Carlo ceiling.

A *configuration* splits all ``n`` blocks into two non-empty towers; its score is the height of
the lower tower. The configurations themselves (names, enumeration, canonical form, score,
partition distance) come from the Blocksworld's public API (``envs.blocksworld``), so the
ceiling and the envs can never disagree about them; this module adds the membership and distance
matrices that make the scores of every configuration under many height vectors one matrix
product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from envs.blocksworld import (
    Configuration,
    ConfigurationError,
    all_configurations,
    block_names,
    canonical_configuration,
    n_configurations,
    partition_distance,
)

#: Largest n for which the ceiling builds the configuration space (K(12) = 2047 configurations
#: and a 2047 x 2047 distance matrix); larger n get a message instead of a ceiling.
MAX_CONFIG_BLOCKS = 12

__all__ = [
    "MAX_CONFIG_BLOCKS",
    "ConfigSpace",
    "Configuration",
    "ConfigurationError",
    "all_configurations",
    "block_names",
    "config_space",
    "n_configurations",
    "partition_distance",
]


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
        return self.configurations.index(canonical_configuration(config))

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
    """The (cached) :class:`ConfigSpace` of ``n_blocks`` blocks (2 <= n <= MAX_CONFIG_BLOCKS).

    >>> space = config_space(3)
    >>> space.k, space.configurations[0], space.distance[0].tolist()
    (3, (('a',), ('b', 'c')), [0, 1, 1])
    """
    if not 2 <= n_blocks <= MAX_CONFIG_BLOCKS:
        raise ConfigurationError(
            f"n_blocks must be between 2 and {MAX_CONFIG_BLOCKS} for the configuration space, "
            f"got {n_blocks}"
        )
    configs = tuple(all_configurations(n_blocks))
    names = block_names(n_blocks)
    rows = np.array([[name in first for name in names] for first, _ in configs], dtype=np.int8)
    hamming = rows.astype(int) @ (1 - rows.T.astype(int)) + (1 - rows.astype(int)) @ rows.T
    distance = np.minimum(hamming, n_blocks - hamming)
    pairs = np.array([(i, j) for i in range(n_blocks) for j in range(i + 1, n_blocks)], dtype=int)
    membership = rows.astype(float)
    for arr in (membership, distance, pairs):
        arr.setflags(write=False)
    return ConfigSpace(n_blocks, configs, membership, distance, pairs)
