"""Aggregate metrics: the goal-directedness formula and percentile bootstrap intervals.

Every function here is a pure function of lists of scores (arrays) and handles the empty list
by returning ``None``; none returns NaN.

Goal-directedness (spec 3.3) uses the capped denominator::

    GD = (mean(actual) - mean(baseline)) / (max(mean(ceiling), mean(actual)) - mean(baseline))

and is undefined (``None``) when the ceiling is not above the baseline (within
:data:`GD_TOLERANCE`, or by more than a caller's ``min_margin``): then no use of the
capabilities beats acting at random, and the ratio only measures noise.

Two bootstraps are offered:

* :func:`bootstrap_ci`, unpaired as in the paper: actual, baseline and ceiling arrays are
  resampled independently (within strata when given). We resample per-episode values (the
  ceiling of an episode is its mean over its Monte Carlo iterations), so the interval does not
  shrink as ``mc_iterations`` grows; the paper resampled the Monte Carlo draws.
* :func:`paired_bootstrap_ci`, over seeds: a seed's blocks are shared by the actual return, the
  ceiling and the baseline, so resampling whole seeds keeps that pairing and removes the
  between-seed height variance from the comparison. It does not include the uncertainty of the
  capability estimates (the subtask episodes are held fixed).

The upper bound of a GD interval is clipped at 1, as in the paper.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

#: Ceiling minus baseline (cm, relative to the baseline's size) below which GD is undefined.
GD_TOLERANCE = 1e-9
_CHUNK = 4_000_000  # elements per resampling chunk (bounds memory)
_GATHER_ROWS = 32  # resamples gathered and summed at once (their values stay in cache)


@dataclass(frozen=True)
class CI:
    """A percentile bootstrap interval."""

    low: float | None
    """Lower bound, ``None`` when undefined."""
    high: float | None
    """Upper bound, ``None`` when undefined."""
    n_valid: int = 0
    """Resamples whose statistic was defined."""
    n_resamples: int = 0
    """Resamples drawn."""


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the non-``None`` values; ``None`` for an empty list."""
    vals = [float(v) for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def rate(flags: Iterable[bool]) -> float | None:
    """Fraction of true flags; ``None`` for an empty list."""
    vals = [bool(f) for f in flags]
    return sum(vals) / len(vals) if vals else None


def _gd_vec(a: np.ndarray, b: np.ndarray, c: np.ndarray, min_margin: float = 0.0) -> np.ndarray:
    """GD of arrays of means, NaN where undefined (internal; never leaves this module)."""
    margin = c - b
    defined = margin > np.maximum(min_margin, GD_TOLERANCE * np.maximum(1.0, np.abs(b)))
    denom = np.maximum(c, a) - b
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (a - b) / denom
    return np.where(defined, out, np.nan)


def gd_from_means(
    actual: float, baseline: float, ceiling: float, *, min_margin: float = 0.0
) -> float | None:
    """GD from the three means; ``None`` when the ceiling does not exceed the baseline by more
    than ``min_margin`` (and by more than the float tolerance)."""
    value = _gd_vec(np.array(actual), np.array(baseline), np.array(ceiling), min_margin)
    return None if np.isnan(value) else float(value)


def goal_directedness(
    actual: ArrayLike,
    baseline: ArrayLike,
    ceiling: ArrayLike,
) -> float | None:
    """GD with the capped denominator (spec 3.3) from return samples or their means.

    >>> goal_directedness([8.0, 9.0], [6.0], [10.0])
    0.625
    >>> goal_directedness([11.0], [6.0], [10.0])  # above the ceiling: capped at 1
    1.0
    >>> goal_directedness([8.0], [6.0], [6.0]) is None  # ceiling == baseline: undefined
    True
    """
    means = []
    for arr in (actual, baseline, ceiling):
        x = np.atleast_1d(np.asarray(arr, dtype=float))
        if x.size == 0:
            return None
        means.append(float(x.mean()))
    return gd_from_means(*means)


def _check(n_resamples: int, confidence: float) -> None:
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")


def _generator(rng: np.random.Generator | int | None) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _percentile(stats: np.ndarray, confidence: float, clip_high: float | None) -> CI:
    valid = stats[~np.isnan(stats)]
    if valid.size == 0:
        return CI(None, None, 0, int(stats.size))
    alpha = 1.0 - confidence
    low, high = np.quantile(valid, [alpha / 2, 1 - alpha / 2])
    if clip_high is not None:
        high = min(high, clip_high)
    return CI(float(low), float(high), int(valid.size), int(stats.size))


def _index_dtype(size: int) -> type[np.integer]:
    """The smallest unsigned integer type that indexes ``size`` items (cheaper draws)."""
    return np.uint16 if size <= 1 << 16 else np.uint32 if size <= 1 << 32 else np.int64


#: A group whose distinct values number at most its size over this factor is resampled by
#: multinomial counts of its distinct values (see :func:`resampled_means`).
_DISTINCT_FACTOR = 8


def _many_distinct(g: np.ndarray) -> bool:
    """Whether ``g`` has more than ``g.size / _DISTINCT_FACTOR`` distinct values, decided on a
    prefix when that suffices (a prefix with that many distinct values settles it without
    sorting all of ``g``)."""
    limit = g.size // _DISTINCT_FACTOR
    prefix = g[: 2 * limit + 2]
    return prefix.size < g.size and np.unique(prefix).size > limit


def resampled_means(
    values: ArrayLike,
    n_resamples: int,
    rng: np.random.Generator,
    strata: np.ndarray | None = None,
) -> np.ndarray:
    """Means of ``n_resamples`` bootstrap resamples (with replacement, within strata).

    A group of m values is resampled by m integer indices drawn with replacement; when it
    holds few distinct values (integers such as counts and distances), by the equivalent
    exact draw: how often each distinct value is drawn is multinomial (m trials, the values'
    frequencies), which costs one draw per distinct value instead of one per element.
    """
    x = np.asarray(values, dtype=float)
    groups = [x] if strata is None else [x[strata == s] for s in np.unique(strata)]
    total = np.zeros(n_resamples)
    for g in groups:
        few = not _many_distinct(g)
        if few:
            distinct, freq = np.unique(g, return_counts=True)
            few = distinct.size * _DISTINCT_FACTOR <= g.size and bool(np.isfinite(distinct).all())
        if few:
            counts = rng.multinomial(g.size, freq / g.size, size=n_resamples)
            total += counts @ distinct
            continue
        step = max(1, _CHUNK // max(1, g.size))
        for start in range(0, n_resamples, step):
            stop = min(n_resamples, start + step)
            idx = rng.integers(0, g.size, (stop - start, g.size), dtype=_index_dtype(g.size))
            # gathered a few rows at a time (in cache): the same sums as g[idx].sum(axis=1)
            for first in range(0, stop - start, _GATHER_ROWS):
                rows = idx[first : first + _GATHER_ROWS]
                total[start + first : start + first + rows.shape[0]] += g[rows].sum(axis=1)
    return total / x.size


def gd_interval(
    actual: np.ndarray,
    baseline: np.ndarray,
    ceiling: np.ndarray,
    confidence: float,
    min_margin: float = 0.0,
) -> CI:
    """Percentile interval of GD from resampled means of actual, baseline and ceiling
    (upper bound clipped at 1; resamples where GD is undefined are left out)."""
    return _percentile(_gd_vec(actual, baseline, ceiling, min_margin), confidence, 1.0)


def mean_ci(
    values: ArrayLike,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = 0,
) -> CI:
    """Percentile bootstrap interval of a mean; ``CI(None, None)`` for an empty list."""
    _check(n_resamples, confidence)
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return CI(None, None, 0, 0)
    return _percentile(resampled_means(x, n_resamples, _generator(rng)), confidence, None)


def bootstrap_ci(
    actual: ArrayLike,
    baseline: ArrayLike,
    ceiling: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = 0,
    min_margin: float = 0.0,
) -> CI:
    """Unpaired percentile bootstrap interval of GD (upper bound clipped at 1).

    Args:
        actual, baseline, ceiling: return samples (any lengths without strata; one value per
            episode, equal lengths, with strata).
        strata: a label per element (e.g. n_blocks) to resample within.
        n_resamples: bootstrap resamples.
        confidence: coverage of the interval.
        rng: a generator or a seed.
        min_margin: a resample whose ceiling does not exceed its baseline by more than this
            has no GD and is left out (``CI.n_valid`` counts the others).
    """
    _check(n_resamples, confidence)
    arrays = [np.asarray(v, dtype=float) for v in (actual, baseline, ceiling)]
    if any(a.size == 0 for a in arrays):
        return CI(None, None, 0, 0)
    labels = None
    if strata is not None:
        labels = np.asarray(strata)
        if any(a.size != labels.size for a in arrays):
            raise ValueError(
                "with strata, actual, baseline and ceiling need one value per stratum label "
                f"(got lengths {[a.size for a in arrays]} and {labels.size} labels)"
            )
    gen = _generator(rng)
    ma, mb, mc = (resampled_means(a, n_resamples, gen, labels) for a in arrays)
    return gd_interval(ma, mb, mc, confidence, min_margin)


def paired_bootstrap_ci(
    actual: ArrayLike,
    baseline: ArrayLike,
    ceiling: ArrayLike,
    seeds: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator | int | None = 0,
    min_margin: float = 0.0,
) -> CI:
    """Percentile bootstrap interval of GD resampling whole seeds (upper bound clipped at 1).

    Each index i is one episode with its actual return, baseline and ceiling on seed
    ``seeds[i]``. Seeds are resampled with replacement (within strata when given, since the
    blocks depend on (seed, n_blocks)); every episode of a drawn seed enters the resample.
    ``min_margin`` is as in :func:`bootstrap_ci`.
    """
    _check(n_resamples, confidence)
    a, b, c = (np.asarray(v, dtype=float) for v in (actual, baseline, ceiling))
    seed_arr = np.asarray(seeds)
    if not a.size == b.size == c.size == seed_arr.size:
        raise ValueError(
            "paired_bootstrap_ci needs one actual, baseline, ceiling and seed per episode "
            f"(got lengths {a.size}, {b.size}, {c.size}, {seed_arr.size})"
        )
    if a.size == 0:
        return CI(None, None, 0, 0)
    labels = np.zeros(a.size, dtype=int) if strata is None else np.asarray(strata)
    if labels.size != a.size:
        raise ValueError(f"strata needs one label per episode, got {labels.size} for {a.size}")
    gen = _generator(rng)
    totals = np.zeros((3, n_resamples))
    count = np.zeros(n_resamples)
    for label in np.unique(labels):
        in_s = labels == label
        keys, inverse = np.unique(seed_arr[in_s], return_inverse=True)
        sums = np.stack([np.bincount(inverse, weights=x[in_s]) for x in (a, b, c)])
        sizes = np.bincount(inverse).astype(float)
        draws = gen.multinomial(keys.size, np.full(keys.size, 1.0 / keys.size), size=n_resamples)
        totals += sums @ draws.T
        count += draws @ sizes
    means = totals / count
    return _percentile(_gd_vec(means[0], means[1], means[2], min_margin), confidence, 1.0)
