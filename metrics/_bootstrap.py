"""The two-level (cluster) bootstrap behind the default GD intervals.

A GD estimate rests on two samples: the composite episodes (actual return, and the blocks on
which the baseline and the ceiling are computed) and the subtask episodes that estimate the
capabilities the ceiling uses. The intervals must resample both.

**Clusters.** Every composite episode and every capability sample belongs to the cluster of
its episode's (seed, n_blocks): the blocks depend on exactly that, so where the design runs the
subtasks on the seeds of the composite tasks, a seed's composite and subtask episodes are drawn
together (paired); samples from seeds no composite episode used are clusters of their own. Each
resample draws clusters with replacement within strata (n_blocks), by integer indices, and
turns them into per-cluster counts, so a resample's totals are one small matrix product.

**The ceiling under resampled capabilities.** Re-simulating the ceiling for every resample
would cost the Monte Carlo simulation a thousand times over. Instead the simulation reports
the sensitivity of the cell's mean ceiling to the weight of each capability sample
(:attr:`metrics.Simulation.sensitivity`), and a resample moves the ceiling by
``sum_j (w_j - 1) * sensitivity_j`` (``w_j``: how often sample j's cluster was drawn). This is
the first-order (delta-method) account of the capability uncertainty; the calibration study in
``benchmarks/bench_gd_calibration.py`` measures how well the resulting intervals cover. Monte
Carlo noise in the estimated sensitivities would widen the intervals, so the spread of the
sensitivities is shrunk by the share that two independent estimates (even and odd iterations)
agree on.

The same resamples give the interval with the capabilities held fixed (the seed-paired interval
of earlier releases) at no cost.

**From resamples to an interval.** The plain percentile interval of a ratio of means from a few
dozen seeds is too narrow, and more so when a few clusters carry most of the variation (an
agent that mostly succeeds and sometimes fails): the samples that happened to see few failures
have a high estimate and a small bootstrap spread, and their intervals miss the truth from
above. The default GD interval (``kurtosis_hybrid``, :func:`interval`) is the union of the
percentile and the BCa interval (acceleration from a leave-one-cluster-out jackknife,
:func:`jackknife`), both at the normal quantile ``sqrt(n / (n - 1)) * t_df`` for ``n``
clusters, where ``df`` shrinks from ``n - 1`` with the kurtosis of the jackknife values
(:func:`kurtosis_df`). The calibration study (``benchmarks/bench_gd_calibration.py``) measures
it against the other constructions in :data:`METHODS`; docs/goal_directedness.md
(Calibration) has the table and why this one is the default. ``metrics.analyze`` takes any
of them by name (``interval_method``); :func:`batch_interval` builds many intervals at once.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from metrics._stats import _index_dtype

#: Elements of the (resamples x clusters) count matrix built at once (bounds memory).
_CHUNK = 2_000_000

#: The texts of :data:`INTERVALS` ("ci" names its construction at "{construction}").
_INTERVAL_TEXT = {
    "ci": (
        "two-level bootstrap: (seed, n_blocks) clusters of composite and subtask episodes "
        "resampled together, so the capability estimates and the ceiling vary with them; "
        "the interval is {construction}, computed on the uncapped GD and capped at 1 "
        "(settings['interval_method'] names it). Rows whose ceiling "
        "reports no sensitivities hold the capabilities fixed (ci_resamples: paired_ci). "
        "gd_uncapped_ci and gd_incomplete_at_baseline_ci are built the same way"
    ),
    "percentile_ci": (
        "the same two-level resamples as ci, plain percentile interval (the default of "
        "earlier releases; it under-covers at small samples)"
    ),
    "paired_ci": (
        "seed-paired bootstrap of the composite episodes; the capability estimates (subtask "
        "episodes) are held fixed; percentile interval"
    ),
    "ceiling_minus_baseline_ci": (
        "the two-level resamples, percentile interval (its lower bound decides rule (b))"
    ),
    "unpaired_ci": (
        "the paper's interval: actual, baseline and ceiling resampled independently per "
        "episode; capabilities held fixed"
    ),
}


def combine_sensitivity(sens: np.ndarray) -> np.ndarray:
    """(k,) sensitivities from a (k,) exact array or (2, k) independent estimates.

    With two estimates, their mean is taken and its spread around its mean is shrunk by
    ``sqrt(signal / total)``, where ``signal`` (the centred cross-product of the two
    estimates) estimates the spread without Monte Carlo noise.
    """
    arr = np.asarray(sens, dtype=float)
    if arr.ndim == 1:
        return arr
    d1, d2 = arr[0], arr[1]
    d = (d1 + d2) / 2.0
    if d.size < 2:
        return d
    c = d - d.mean()
    total = float(np.sum(c * c))
    signal = float(np.sum((d1 - d1.mean()) * (d2 - d2.mean())))
    factor = np.sqrt(min(1.0, max(0.0, signal / total))) if total > 0 else 0.0
    return d.mean() + factor * c


@dataclass(frozen=True)
class ClusterData:
    """What the two-level bootstrap of one GD row needs."""

    episode_clusters: np.ndarray
    """(E_all, 2) (seed, n_blocks) of every composite episode, completed or not."""
    completed: np.ndarray
    """(E_all,) bool: whether the episode counts (completed with a return)."""
    actual: np.ndarray
    """(E_done,) returns of the completed episodes, in their order among the completed."""
    baseline: np.ndarray
    """(E_done,) baseline per completed episode."""
    ceiling: np.ndarray
    """(E_done,) ceiling per completed episode."""
    sample_clusters: np.ndarray
    """(S, 2) (seed, n_blocks) of every capability sample the ceiling used."""
    sensitivity: np.ndarray
    """(S,) d(mean ceiling)/d(weight) of each sample."""


@dataclass(frozen=True)
class Resampled:
    """Per-resample means of one GD row (NaN where a resample has no completed episode)."""

    actual: np.ndarray
    baseline: np.ndarray
    ceiling: np.ndarray
    """Ceiling with the capabilities resampled too."""
    ceiling_fixed: np.ndarray
    """Ceiling with the capabilities held fixed."""
    completed_share: np.ndarray
    """Completed / all composite episodes."""


def merge(parts: Sequence[tuple[ClusterData, float]]) -> ClusterData:
    """Pool cells: each part's sensitivities are scaled by its weight in the pooled mean."""
    return ClusterData(
        episode_clusters=np.concatenate([p.episode_clusters for p, _ in parts]),
        completed=np.concatenate([p.completed for p, _ in parts]),
        actual=np.concatenate([p.actual for p, _ in parts]),
        baseline=np.concatenate([p.baseline for p, _ in parts]),
        ceiling=np.concatenate([p.ceiling for p, _ in parts]),
        sample_clusters=np.concatenate([p.sample_clusters for p, _ in parts]),
        sensitivity=np.concatenate([p.sensitivity * w for p, w in parts]),
    )


#: (seed, n_blocks) pairs are sorted as one integer, seed * _N_SPAN + n_blocks + 1, when
#: n_blocks + 1 lies in [0, _N_SPAN) and the seed is small enough (else row by row).
_N_SPAN = 1 << 10
_SEED_LIMIT = 1 << 52


def _unique_rows(clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(clusters, axis=0, return_inverse=True)`` of (seed, n_blocks) rows."""
    seeds, ns = clusters[:, 0], clusters[:, 1] + 1
    if clusters.size and (
        ns.min() >= 0
        and ns.max() < _N_SPAN
        and seeds.min() > -_SEED_LIMIT
        and seeds.max() < _SEED_LIMIT
    ):
        codes, inverse = np.unique(seeds * _N_SPAN + ns, return_inverse=True)
        keys = np.stack([codes // _N_SPAN, codes % _N_SPAN - 1], axis=1)
        return keys, inverse.ravel()
    keys, inverse = np.unique(clusters, axis=0, return_inverse=True)
    return keys.reshape(-1, 2), inverse.ravel()


def _cluster_table(data: ClusterData) -> tuple[np.ndarray, np.ndarray]:
    """The row's clusters ((u, 2) sorted (seed, n_blocks)) and their (u, 6) sums: episodes,
    completed episodes, actual, baseline and ceiling totals, and capability sensitivities."""
    clusters = np.concatenate([data.episode_clusters, data.sample_clusters]).reshape(-1, 2)
    keys, inverse = _unique_rows(clusters)
    u = keys.shape[0]
    e_all = data.episode_clusters.shape[0]
    ep_cluster, sample_cluster = inverse[:e_all], inverse[e_all:]
    done_cluster = ep_cluster[data.completed]
    table = np.stack(
        [
            np.bincount(ep_cluster, minlength=u).astype(float),
            np.bincount(done_cluster, minlength=u).astype(float),
            np.bincount(done_cluster, weights=data.actual, minlength=u),
            np.bincount(done_cluster, weights=data.baseline, minlength=u),
            np.bincount(done_cluster, weights=data.ceiling, minlength=u),
            np.bincount(sample_cluster, weights=data.sensitivity, minlength=u),
        ],
        axis=1,
    )
    return keys, table


#: Rows of a count matrix tallied at once (their indices, offsets and counts stay in cache).
_TALLY_ROWS = 32


def _tally(idx: np.ndarray, m: int, out: np.ndarray) -> None:
    """``out[r, j]`` = how often ``j`` occurs in ``idx[r]``, a few rows at a time."""
    offsets = np.arange(_TALLY_ROWS, dtype=np.int64)[:, None] * m
    for first in range(0, idx.shape[0], _TALLY_ROWS):
        block = idx[first : first + _TALLY_ROWS]
        rows = block.shape[0]
        flat = (offsets[:rows] + block).ravel()
        out[first : first + rows] = np.bincount(flat, minlength=rows * m).reshape(rows, m)


def _count_chunks(
    m: int, n_resamples: int, rng: np.random.Generator
) -> Iterator[tuple[int, int, np.ndarray]]:
    """(start, stop, counts): how often each of ``m`` clusters is drawn in resamples
    start..stop, from integer indices drawn with replacement, a bounded block at a time."""
    step = max(1, _CHUNK // m)
    for start in range(0, n_resamples, step):
        stop = min(n_resamples, start + step)
        rows = stop - start
        idx = rng.integers(0, m, (rows, m), dtype=_index_dtype(m))
        counts = np.empty((rows, m), dtype=np.int64)
        _tally(idx, m, counts)
        yield start, stop, counts


def cluster_counts(
    m: int, n_resamples: int, rng: np.random.Generator, dtype: Any = float
) -> np.ndarray:
    """(n_resamples, m) counts of ``m`` clusters drawn with replacement (m per resample), as
    floats or as ``dtype`` (an integer type that holds ``m``)."""
    out = np.empty((n_resamples, m), dtype=dtype)
    step = max(1, _CHUNK // m)
    for start in range(0, n_resamples, step):
        stop = min(n_resamples, start + step)
        idx = rng.integers(0, m, (stop - start, m), dtype=_index_dtype(m))
        _tally(idx, m, out[start:stop])
    return out


def _resampled(data: ClusterData, totals: np.ndarray, sens_total: float | None = None) -> Resampled:
    n_all, n_done, sa, sb, sc, sd = totals.T
    with np.errstate(divide="ignore", invalid="ignore"):
        actual = np.where(n_done > 0, sa / n_done, np.nan)
        baseline = np.where(n_done > 0, sb / n_done, np.nan)
        fixed = np.where(n_done > 0, sc / n_done, np.nan)
        share = np.where(n_all > 0, n_done / n_all, np.nan)
    shift = sd - (float(data.sensitivity.sum()) if sens_total is None else sens_total)
    return Resampled(actual, baseline, fixed + shift, fixed, share)


def cluster_resamples(data: ClusterData, n_resamples: int, rng: np.random.Generator) -> Resampled:
    """Resample (seed, n_blocks) clusters within n_blocks strata; see the module docstring."""
    keys, table = _cluster_table(data)
    totals = np.zeros((n_resamples, table.shape[1]))
    strata = keys[:, 1]
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        sub = table[members]
        for start, stop, counts in _count_chunks(members.size, n_resamples, rng):
            totals[start:stop] += counts @ sub
    return _resampled(data, totals)


class SharedClusterDraws:
    """The two-level bootstrap of many rows, with one draw per set of clusters.

    Rows whose stratum holds the same clusters (e.g. every task and n_blocks of one model
    run on the same seeds, and their aggregate over n_blocks) resample that stratum with the
    same (resamples x clusters) count matrix. Each row's resamples are still exactly the
    two-level bootstrap of :func:`cluster_resamples` (clusters drawn with replacement within
    strata, by integer indices); only the rows' draws are shared, so work and memory grow
    with the distinct cluster sets, not with the rows. ``rng_for(stratum, digest)`` gives the
    generator of a cluster set (``digest``: a checksum of its seeds), so a row's numbers
    depend only on its own clusters.
    """

    def __init__(
        self, n_resamples: int, rng_for: Callable[[int, int], np.random.Generator]
    ) -> None:
        self.n_resamples = n_resamples
        self._rng_for = rng_for
        self._counts: dict[tuple[int, int, int], np.ndarray] = {}
        # per row resampled (its data, the count matrices it used, its totals)
        self._rows: dict[int, tuple[ClusterData, frozenset[tuple[int, int, int]], np.ndarray]] = {}

    def _stratum_counts(
        self, stratum: int, seeds: np.ndarray
    ) -> tuple[tuple[int, int, int], np.ndarray]:
        digest = zlib.crc32(np.ascontiguousarray(seeds, dtype=np.int64).tobytes())
        key = (stratum, seeds.size, digest)
        counts = self._counts.get(key)
        if counts is None:
            # kept as small integers (a count is at most m): a quarter of the memory of
            # floats; the products below convert them to the same floats
            small = np.uint16 if seeds.size < 1 << 16 else float
            counts = cluster_counts(
                seeds.size, self.n_resamples, self._rng_for(stratum, digest), small
            )
            self._counts[key] = counts
        return key, counts

    def resample(self, data: ClusterData) -> Resampled:
        """The row's resamples (as :func:`cluster_resamples`, with the shared draws)."""
        keys, table = _cluster_table(data)
        totals = np.zeros((self.n_resamples, table.shape[1]))
        strata = keys[:, 1]
        used = set()
        for stratum in np.unique(strata):
            members = np.flatnonzero(strata == stratum)
            key, counts = self._stratum_counts(int(stratum), keys[members, 0])
            totals += counts.astype(float) @ table[members]  # (the same floats as ever)
            used.add(key)
        self._rows[id(data)] = (data, frozenset(used), totals)
        return _resampled(data, totals)

    def resample_pooled(
        self, parts: Sequence[tuple[ClusterData, float]], pooled: ClusterData
    ) -> Resampled:
        """The resamples of ``pooled`` (``merge(parts)``). When every part was resampled here
        and, in each stratum, every part holds the same clusters, the pooled row draws what
        its parts drew, and its totals are theirs summed (sensitivities weighted): no new
        product. Otherwise it is resampled like any row."""
        by_stratum: dict[int, tuple[int, int, int]] = {}
        found = []
        for data, weight in parts:
            row = self._rows.get(id(data))
            if row is None or row[0] is not data:
                return self.resample(pooled)
            for key in row[1]:
                if by_stratum.setdefault(key[0], key) != key:
                    return self.resample(pooled)
            found.append((row[2], weight))
        totals = np.zeros((self.n_resamples, 6))
        for part_totals, weight in found:
            part = part_totals.copy()
            part[:, 5] *= weight
            totals += part
        return _resampled(pooled, totals, float(pooled.sensitivity.sum()))


def percentile(
    values: np.ndarray, confidence: float, clip_high: float | None = None
) -> tuple[float | None, float | None, int]:
    """Percentile interval of the finite values (None, None when there are none) and how
    many values were finite."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None, None, 0
    alpha = 1.0 - confidence
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    if clip_high is not None:
        high = min(float(high), clip_high)
    return float(low), float(high), int(finite.size)


def sensitivities_for(
    sim_sensitivity: Mapping[str, np.ndarray] | None, names: Sequence[str]
) -> dict[str, np.ndarray] | None:
    """The combined (k,) sensitivities of the named capabilities, or None if any is missing."""
    if sim_sensitivity is None:
        return None
    out = {}
    for name in names:
        if name not in sim_sensitivity:
            return None
        out[name] = combine_sensitivity(sim_sensitivity[name])
    return out


# ------------------------------------------------------------------ interval construction
# From resampled statistics to an interval. The default GD interval is chosen by the
# calibration study (benchmarks/bench_gd_calibration.py), which measures every method below on
# the same resamples.

#: Ways to turn the resampled GD values into an interval (see :func:`interval`).
METHODS = (
    "percentile",
    "expanded_percentile",
    "bca",
    "expanded_bca",
    "bc",
    "expanded_bc",
    "jackknife_t",
    "kurtosis_percentile",
    "kurtosis_bca",
    "kurtosis_hybrid",
)
#: The method of the default ``ci_low``/``ci_high`` (and of the other two-level GD intervals).
DEFAULT_METHOD = "kurtosis_hybrid"

#: The kurtosis-adjusted degrees of freedom never go below this (the t quantile's expansion,
#: :func:`t_quantile`, is accurate from here on, and a lower value would rest on a handful of
#: clusters' fourth powers).
MIN_KURTOSIS_DF = 5.0

_NORMAL = NormalDist()

#: Resampled values within this relative distance of the estimate count as equal to it: a
#: statistic computed two ways (from totals and from means) differs in the last bits, which
#: must not read as bias (BCa) or give an interval that misses the estimate by 1e-15.
TIE_TOLERANCE = 1e-12


def jackknife(data: ClusterData) -> tuple[Resampled, np.ndarray]:
    """Leave-one-cluster-out means of one GD row, and the stratum (n_blocks) of each row.

    The clusters are those of :func:`cluster_resamples`. Deleting cluster ``i`` of a stratum
    with ``m`` clusters gives the other clusters of that stratum weight ``m / (m - 1)`` (the
    stratum keeps its size) and moves the ceiling by the sensitivities, as a resample does.
    Strata with a single cluster give no rows.
    """
    # The (clusters x 6) table of cluster_resamples (its sorted clusters: a one-integer sort
    # of the (seed, n_blocks) pairs, the same order as np.unique over rows).
    keys, table = _cluster_table(data)
    strata = keys[:, 1]
    grand = table.sum(axis=0)
    rows, row_strata = [], []
    for stratum in np.unique(strata):
        members = np.flatnonzero(strata == stratum)
        m = members.size
        if m < 2:
            continue
        sub = table[members]
        scale = m / (m - 1)
        # weights: 1 outside the stratum, m/(m-1) inside, 0 for the deleted cluster
        rows.append(grand + (scale - 1.0) * sub.sum(axis=0) - scale * sub)
        row_strata.append(np.full(m, stratum))
    if not rows:
        empty = np.zeros(0)
        return Resampled(empty, empty, empty, empty, empty), np.zeros(0, dtype=np.int64)
    return _resampled(data, np.concatenate(rows)), np.concatenate(row_strata)


def t_quantile(p: float, df: float) -> float:
    """Quantile of Student's t with ``df`` degrees of freedom (Cornish-Fisher expansion in
    1/df around the normal quantile; at the 97.5% level its error is below 3e-4 from df = 5
    and below 1e-6 from df = 30)."""
    z = _NORMAL.inv_cdf(p)
    if df <= 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def expanded_z(confidence: float, n_clusters: int, n_strata: int = 1) -> float:
    """The normal quantile of the expanded interval: ``sqrt(n / (n - H)) * t_{n - H}`` at
    ``(1 + confidence) / 2`` for ``n`` clusters in ``H`` strata, which corrects the bootstrap's
    narrowness at small ``n`` (the resampled deviations have variance ``(n - H) / n`` times
    the unbiased one, and the t quantile replaces the normal one). Without enough clusters it
    is the normal quantile."""
    q = (1.0 + confidence) / 2
    df = n_clusters - n_strata
    if df < 1:
        return _NORMAL.inv_cdf(q)
    return float(np.sqrt(n_clusters / df) * t_quantile(q, df))


def kurtosis_df(jack: np.ndarray, strata: np.ndarray, n_clusters: int, n_strata: int = 1) -> float:
    """Degrees of freedom of the bootstrap's spread, from the kurtosis of ``jack``.

    The bootstrap estimates the statistic's spread from the clusters at hand. When a few
    clusters carry most of the variation (an agent that mostly succeeds and sometimes fails
    badly), that estimate is itself uncertain, most of all in the samples that happened to
    see few failures: their estimate is high and their spread small, so the interval misses
    from above. The leave-one-cluster-out values ``jack`` (deviations from their stratum's
    mean, which are proportional to the clusters' influence) measure this through their
    kurtosis ``k = n * sum d^4 / (sum d^2)^2``: a variance estimated from values of kurtosis
    ``k`` has the precision of a normal sample's with ``2 (n - H) / (k - 1)`` degrees of
    freedom (Satterthwaite's matching of the relative variance ``(k - 1) / n``; ``k = 3``
    gives back ``n - H``). The result is clipped to [:data:`MIN_KURTOSIS_DF`, ``n - H``]
    (``n`` clusters in ``H`` strata); without two finite values per stratum it is ``n - H``.
    """
    df_max = float(n_clusters - n_strata)
    parts = []
    for stratum in np.unique(strata):
        vals = jack[(strata == stratum) & np.isfinite(jack)]
        if vals.size >= 2:
            parts.append(vals - vals.mean())
    if df_max < 1 or not parts:
        return max(df_max, 1.0)
    d = np.concatenate(parts)
    d2 = d * d
    ss = float(d2.sum())
    if ss <= 0:
        return df_max
    kurt = d.size * float(np.sum(d2 * d2)) / (ss * ss)
    if kurt <= 1.0:
        return df_max
    return float(min(df_max, max(MIN_KURTOSIS_DF, 2.0 * df_max / (kurt - 1.0))))


def kurtosis_z(confidence: float, n_clusters: int, n_strata: int, df: float) -> float:
    """The normal quantile of the kurtosis-adjusted intervals: :func:`expanded_z` with
    Student's t at ``df`` (:func:`kurtosis_df`) degrees of freedom instead of ``n - H``."""
    q = (1.0 + confidence) / 2
    dfree = n_clusters - n_strata
    if dfree < 1:
        return _NORMAL.inv_cdf(q)
    return float(np.sqrt(n_clusters / dfree) * t_quantile(q, max(df, 1.0)))


def _tie_point(estimate: float, tol: float, clip_high: float | None) -> float:
    """The zero-width interval's point: the estimate, or the cap when within rounding of it."""
    if clip_high is None:
        return estimate
    return clip_high if estimate >= clip_high - tol else estimate


def jackknife_se(jack: np.ndarray, strata: np.ndarray) -> float:
    """Standard error from leave-one-cluster-out values (within strata):
    ``sqrt(sum_h (m_h - 1) / m_h * sum (value - mean_h)^2)``."""
    total = 0.0
    for stratum in np.unique(strata):
        vals = jack[(strata == stratum) & np.isfinite(jack)]
        if vals.size >= 2:
            total += (vals.size - 1) / vals.size * float(np.sum((vals - vals.mean()) ** 2))
    return float(np.sqrt(total))


def acceleration(jack: np.ndarray, strata: np.ndarray) -> float:
    """BCa acceleration from leave-one-cluster-out estimates (within strata):
    ``sum U^3 / (6 (sum U^2)^1.5)``, ``U = (m - 1) (mean of the stratum's values - value)``."""
    parts = []
    for stratum in np.unique(strata):
        vals = jack[(strata == stratum) & np.isfinite(jack)]
        if vals.size >= 2:
            dev = vals.mean() - vals
            # deviations at rounding level are ties, not skewness
            dev[np.abs(dev) <= TIE_TOLERANCE * max(1.0, abs(float(vals.mean())))] = 0.0
            parts.append((vals.size - 1) * dev)
    if not parts:
        return 0.0
    u = np.concatenate(parts)
    ss = float(np.sum(u * u))
    return float(np.sum(u**3) / (6.0 * ss**1.5)) if ss > 0 else 0.0


def interval(
    values: np.ndarray,
    estimate: float,
    confidence: float,
    method: str = DEFAULT_METHOD,
    *,
    jack: np.ndarray | None = None,
    jack_strata: np.ndarray | None = None,
    n_clusters: int = 0,
    n_strata: int = 1,
    clip_high: float | None = None,
) -> tuple[float | None, float | None]:
    """Interval of a statistic from its resampled values (NaN: undefined, left out).

    Methods (:data:`METHODS`):

    * ``percentile``: the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2`` quantiles;
    * ``expanded_percentile``: the same at the levels whose normal quantile is
      :func:`expanded_z` (wider at small ``n_clusters``);
    * ``bca``: bias-corrected and accelerated (Efron 1987): the bias from the share of
      resamples below ``estimate`` (ties count half), the acceleration from ``jack``, the
      leave-one-cluster-out values (:func:`jackknife`);
    * ``expanded_bca``: BCa with the expanded normal quantile;
    * ``bc``, ``expanded_bc``: bias-corrected percentile (BCa without the acceleration);
    * ``jackknife_t``: studentised, ``estimate +- t_{n-H} * se``, with the jackknife
      standard error (:func:`jackknife_se`) of ``jack`` (no resamples needed but the tie check).
    * ``kurtosis_percentile``, ``kurtosis_bca``: the percentile and BCa intervals at the
      normal quantile :func:`kurtosis_z`, whose Student's t takes its degrees of freedom from
      the kurtosis of ``jack`` (:func:`kurtosis_df`): wider where a few clusters carry the
      variation;
    * ``kurtosis_hybrid`` (the default): the union of those two (the lower of their lower
      bounds, the higher of their upper bounds). The BCa interval corrects skewness, the
      percentile one is steadier where the acceleration rests on few clusters; the
      calibration study found each short of 0.93 in some cell and their union in none.

    When every finite resample is within :data:`TIE_TOLERANCE` of the estimate, the interval
    is the estimate itself (zero width; the cap when the estimate is within rounding of it).

    ``clip_high`` caps the upper bound (GD's cap at 1); a capped statistic's interval is the
    uncapped one's, capped, so pass the uncapped values.
    """
    if method not in METHODS:
        raise ValueError(f"unknown interval method {method!r}; choose from {list(METHODS)}")
    finite = values[np.isfinite(values)]
    if finite.size == 0 or not np.isfinite(estimate):
        return None, None
    tol = TIE_TOLERANCE * max(1.0, abs(float(estimate)))
    if float(np.max(np.abs(finite - estimate))) <= tol:
        # every resample equals the estimate (up to rounding): a zero-width interval there
        return _tie_point(float(estimate), tol, clip_high), _tie_point(
            float(estimate), tol, clip_high
        )
    if method == "jackknife_t":
        if jack is None or not np.isfinite(jack).any():
            return None, None
        strata = np.zeros(jack.size, dtype=np.int64) if jack_strata is None else jack_strata
        half = t_quantile((1.0 + confidence) / 2, max(1, n_clusters - n_strata)) * jackknife_se(
            jack, strata
        )
        low, high = float(estimate) - half, float(estimate) + half
        if clip_high is not None:
            low, high = min(low, clip_high), min(high, clip_high)
        return low, high
    strata = (
        np.zeros(0 if jack is None else jack.size, dtype=np.int64)
        if jack_strata is None
        else jack_strata
    )
    if method.startswith("kurtosis"):
        df = (
            kurtosis_df(jack, strata, n_clusters, n_strata)
            if jack is not None and jack.size
            else float(n_clusters - n_strata)
        )
        z = kurtosis_z(confidence, n_clusters, n_strata, df)
    elif method.startswith("expanded"):
        z = expanded_z(confidence, n_clusters, n_strata)
    else:
        z = _NORMAL.inv_cdf((1.0 + confidence) / 2)
    percentile_levels = [_NORMAL.cdf(-z), _NORMAL.cdf(z)]
    if method.endswith(("bca", "bc", "hybrid")):
        size = finite.size
        tied = np.abs(finite - estimate) <= tol
        below = float(np.sum((finite < estimate) & ~tied)) + 0.5 * float(np.sum(tied))
        p = min(max(below / size, 0.5 / size), 1.0 - 0.5 / size)
        z0 = _NORMAL.inv_cdf(p)
        a = 0.0
        if method.endswith(("bca", "hybrid")) and jack is not None and jack.size:
            a = acceleration(jack, strata)
        levels = []
        for zz in (z0 - z, z0 + z):
            den = 1.0 - a * zz
            levels.append(_NORMAL.cdf(z0 + zz / den) if den > 0 else (0.0 if zz < 0 else 1.0))
    else:
        levels = percentile_levels
    if method.endswith("hybrid"):
        # the union of the percentile and the BCa interval at the same quantile
        bca_low, bca_high = np.quantile(finite, levels)
        pct_low, pct_high = np.quantile(finite, percentile_levels)
        low, high = min(bca_low, pct_low), max(bca_high, pct_high)
    else:
        low, high = np.quantile(finite, levels)
    if clip_high is not None:
        low, high = min(float(low), clip_high), min(float(high), clip_high)
    return float(low), float(high)


def _sorted_quantile(ordered: np.ndarray, count: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Row-wise ``np.quantile(row[:count], level)`` (linear interpolation, numpy's
    arithmetic) of rows sorted ascending with their NaNs last."""
    rows = np.arange(ordered.shape[0])
    n = count.astype(float)
    virtual = n * level + (1.0 + level * -1.0) - 1.0
    below = np.floor(virtual)
    gamma = virtual - below
    last = np.maximum(count - 1, 0)
    lo = np.clip(below.astype(np.int64), 0, last)
    hi = np.clip(below.astype(np.int64) + 1, 0, last)
    a, b = ordered[rows, lo], ordered[rows, hi]
    diff = b - a
    out = a + diff * gamma
    return np.where(gamma >= 0.5, b - diff * (1 - gamma), out)


def batch_interval(
    values: np.ndarray,
    estimates: np.ndarray,
    confidence: float,
    method: str = DEFAULT_METHOD,
    *,
    jack: np.ndarray | None = None,
    jack_strata: np.ndarray | None = None,
    n_clusters: np.ndarray | int = 0,
    n_strata: int = 1,
    clip_high: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`interval` of many statistics at once (NaN bounds where it gives None).

    ``values`` is (R, B): row r holds the resampled values of statistic r, ``estimates`` its
    (R,) estimates, ``jack`` its (R, J) leave-one-cluster-out values (strata ``jack_strata``,
    shared by the rows) and ``n_clusters`` its cluster count. Row r's bounds equal
    ``interval(values[r], estimates[r], ...)`` (the calibration study relies on it; a test
    checks it)."""
    if method not in METHODS:
        raise ValueError(f"unknown interval method {method!r}; choose from {list(METHODS)}")
    x = np.asarray(values, dtype=float)
    est = np.asarray(estimates, dtype=float)
    r = x.shape[0]
    finite = np.isfinite(x)
    count = finite.sum(axis=1)
    ordered = np.sort(np.where(finite, x, np.nan), axis=1)
    ok = (count > 0) & np.isfinite(est)
    tol = TIE_TOLERANCE * np.maximum(1.0, np.abs(est))
    with np.errstate(invalid="ignore"):
        dev = np.abs(x - est[:, None])
        spread = np.where(finite, dev, -np.inf).max(axis=1)
    all_tied = ok & (spread <= tol)
    clusters = np.broadcast_to(np.asarray(n_clusters), (r,))
    jack_strata_all = (
        np.zeros(0 if jack is None else jack.shape[1], dtype=np.int64)
        if jack_strata is None
        else jack_strata
    )
    if method.startswith("kurtosis"):
        z = np.array(
            [
                kurtosis_z(
                    confidence,
                    int(c),
                    n_strata,
                    kurtosis_df(jack[i], jack_strata_all, int(c), n_strata)
                    if jack is not None and jack.shape[1]
                    else float(int(c) - n_strata),
                )
                for i, c in enumerate(clusters)
            ]
        )
    elif method.startswith("expanded"):
        z = np.array([expanded_z(confidence, int(c), n_strata) for c in clusters])
    else:
        z = np.full(r, _NORMAL.inv_cdf((1.0 + confidence) / 2))
    cdf = np.vectorize(_NORMAL.cdf, otypes=[float])
    percentile_levels = [cdf(-z), cdf(z)]
    if method.endswith(("bca", "bc", "hybrid")):
        size = np.maximum(count, 1).astype(float)
        tied = finite & (dev <= tol[:, None])
        below = np.sum(finite & (x < est[:, None]) & ~tied, axis=1) + 0.5 * np.sum(tied, axis=1)
        p = np.minimum(np.maximum(below / size, 0.5 / size), 1.0 - 0.5 / size)
        z0 = np.array([_NORMAL.inv_cdf(float(v)) for v in p])
        a = np.zeros(r)
        if method.endswith(("bca", "hybrid")) and jack is not None and jack.size:
            a = np.array([acceleration(jack[i], jack_strata_all) for i in range(r)])
        levels = []
        for zz in (z0 - z, z0 + z):
            den = 1.0 - a * zz
            with np.errstate(divide="ignore", invalid="ignore"):
                inner = z0 + zz / den
            levels.append(np.where(den > 0, cdf(np.where(den > 0, inner, 0.0)), (zz >= 0) * 1.0))
    else:
        levels = percentile_levels
    low = _sorted_quantile(ordered, count, levels[0])
    high = _sorted_quantile(ordered, count, levels[1])
    if method.endswith("hybrid"):
        low = np.minimum(low, _sorted_quantile(ordered, count, percentile_levels[0]))
        high = np.maximum(high, _sorted_quantile(ordered, count, percentile_levels[1]))
    if method == "jackknife_t":
        strata = (
            np.zeros(0 if jack is None else jack.shape[1], dtype=np.int64)
            if jack_strata is None
            else jack_strata
        )
        has_jack = np.zeros(r, dtype=bool) if jack is None else np.isfinite(jack).any(axis=1)
        ok = ok & (has_jack | all_tied)
        se = np.array(
            [
                jackknife_se(jack[i], strata) if jack is not None and has_jack[i] else np.nan
                for i in range(r)
            ]
        )
        t = np.array(
            [t_quantile((1.0 + confidence) / 2, max(1, int(c) - n_strata)) for c in clusters]
        )
        low, high = est - t * se, est + t * se
    point = est
    if clip_high is not None:
        point = np.where(est >= clip_high - tol, clip_high, est)
    low, high = np.where(all_tied, point, low), np.where(all_tied, point, high)
    if clip_high is not None:
        low, high = np.minimum(low, clip_high), np.minimum(high, clip_high)
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


#: What each construction in :data:`METHODS` does (for the reports and ``summary.json``).
METHOD_TEXT = {
    "percentile": "the plain percentile one (2.5% and 97.5% quantiles of the resamples)",
    "expanded_percentile": (
        "the expanded percentile one (the percentiles whose normal quantile is sqrt(n/(n-1)) "
        "times Student's t with n-1 degrees of freedom for n clusters, instead of 1.96)"
    ),
    "bca": (
        "the BCa one (bias correction from the share of resamples below the estimate, "
        "acceleration from the leave-one-cluster-out jackknife)"
    ),
    "expanded_bca": "the BCa one with the expanded percentile's normal quantile",
    "bc": "the bias-corrected percentile one (BCa without the acceleration)",
    "expanded_bc": (
        "the bias-corrected percentile one (BCa without the acceleration) with the expanded "
        "percentile's normal quantile"
    ),
    "jackknife_t": (
        "the studentised one: the estimate plus or minus Student's t with n-1 degrees of "
        "freedom times the leave-one-cluster-out jackknife standard error"
    ),
    "kurtosis_percentile": (
        "the percentile one at the normal quantile sqrt(n/(n-1)) times Student's t whose "
        "degrees of freedom, at most n-1 and at least 5, shrink with the kurtosis of the "
        "leave-one-cluster-out values (2(n-1)/(kurtosis-1))"
    ),
    "kurtosis_bca": "the BCa one at the kurtosis_percentile one's normal quantile",
    "kurtosis_hybrid": (
        "the union of the percentile and the BCa intervals, both at the normal quantile "
        "sqrt(n/(n-1)) times Student's t whose degrees of freedom, at most n-1 and at least 5, "
        "shrink with the kurtosis of the leave-one-cluster-out values (2(n-1)/(kurtosis-1))"
    ),
}


def interval_descriptions(method: str = DEFAULT_METHOD) -> dict[str, str]:
    """:data:`INTERVALS` with the default interval built by ``method``."""
    out = dict(_INTERVAL_TEXT)
    out["ci"] = out["ci"].format(construction=METHOD_TEXT[method])
    return out


#: What each interval resamples (reports and summary.json say it next to the numbers).
INTERVALS = interval_descriptions(DEFAULT_METHOD)
