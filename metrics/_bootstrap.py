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
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from metrics._stats import _index_dtype

#: Elements of the (resamples x clusters) count matrix built at once (bounds memory).
_CHUNK = 2_000_000

#: What each interval resamples (reports and summary.json say it next to the numbers).
INTERVALS = {
    "ci": (
        "two-level bootstrap: (seed, n_blocks) clusters of composite and subtask episodes "
        "resampled together, so the capability estimates and the ceiling vary with them"
    ),
    "paired_ci": (
        "seed-paired bootstrap of the composite episodes; the capability estimates (subtask "
        "episodes) are held fixed"
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
        flat = (np.arange(rows, dtype=np.int64)[:, None] * m + idx).ravel()
        yield start, stop, np.bincount(flat, minlength=rows * m).reshape(rows, m)


def cluster_counts(m: int, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(n_resamples, m) float counts of ``m`` clusters drawn with replacement (m per resample)."""
    out = np.empty((n_resamples, m))
    for start, stop, counts in _count_chunks(m, n_resamples, rng):
        out[start:stop] = counts
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
            counts = cluster_counts(seeds.size, self.n_resamples, self._rng_for(stratum, digest))
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
            totals += counts @ table[members]
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
