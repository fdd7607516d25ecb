"""How the default GD interval is built from the two-level resamples: the leave-one-cluster-out
jackknife, the expanded quantile and BCa, each against a slow reference written from the
textbook formulas."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

import metrics
from metrics import _bootstrap as bs
from metrics._calibration import calibration_records

N = NormalDist()


@pytest.mark.parametrize(
    "df,expected", [(5, 2.570582), (10, 2.228139), (39, 2.022691), (99, 1.984217)]
)
def test_t_quantile_matches_the_tables(df: int, expected: float) -> None:
    assert bs.t_quantile(0.975, df) == pytest.approx(expected, abs=3e-4 if df < 30 else 1e-6)


def test_expanded_z_is_the_small_sample_t_quantile_rescaled() -> None:
    assert bs.expanded_z(0.95, 40) == pytest.approx(np.sqrt(40 / 39) * 2.022691, abs=2e-4)
    # two strata of 20 clusters: 38 degrees of freedom
    assert bs.expanded_z(0.95, 40, 2) == pytest.approx(np.sqrt(40 / 38) * 2.024394, abs=2e-4)
    assert bs.expanded_z(0.95, 1) == pytest.approx(1.959964, abs=1e-6)


def _data(rng: np.random.Generator) -> bs.ClusterData:
    # 2 strata (n_blocks 3 and 4); 7 + 5 seeds with composite episodes (one incomplete), and
    # capability samples on those seeds and on 3 seeds of their own.
    seeds = [(s, 3) for s in range(7)] + [(s, 4) for s in range(5)]
    episodes = np.array([*seeds, (2, 3)], dtype=np.int64)
    completed = np.ones(len(episodes), dtype=bool)
    completed[4] = False
    done = int(completed.sum())
    samples = np.array([*seeds[:9], (100, 3), (101, 3), (102, 4), *seeds[2:6]], dtype=np.int64)
    return bs.ClusterData(
        episode_clusters=episodes,
        completed=completed,
        actual=rng.normal(8, 1, done),
        baseline=rng.normal(6, 0.5, done),
        ceiling=rng.normal(9, 0.5, done),
        sample_clusters=samples,
        sensitivity=rng.normal(0, 0.05, len(samples)),
    )


def _weighted(data: bs.ClusterData, weight: dict[tuple[int, int], float]) -> tuple:
    """Means of one GD row with cluster weights, episode by episode (the slow way)."""
    w_ep = np.array([weight[tuple(c)] for c in data.episode_clusters.tolist()])
    w_done = w_ep[data.completed]
    actual = float(np.sum(w_done * data.actual) / w_done.sum())
    baseline = float(np.sum(w_done * data.baseline) / w_done.sum())
    fixed = float(np.sum(w_done * data.ceiling) / w_done.sum())
    w_s = np.array([weight[tuple(c)] for c in data.sample_clusters.tolist()])
    ceiling = fixed + float(np.sum((w_s - 1.0) * data.sensitivity))
    return actual, baseline, ceiling, fixed, float(w_done.sum() / w_ep.sum())


def test_jackknife_equals_leaving_each_cluster_out() -> None:
    data = _data(np.random.default_rng(3))
    jk, strata = bs.jackknife(data)
    clusters = np.concatenate([data.episode_clusters, data.sample_clusters]).tolist()
    keys = sorted({tuple(c) for c in clusters}, key=lambda k: (k[1], k[0]))  # by stratum
    assert strata.tolist() == [k[1] for k in keys]
    for row, left_out in enumerate(keys):
        members = [k for k in keys if k[1] == left_out[1]]
        m = len(members)
        weight = {k: (m / (m - 1) if k[1] == left_out[1] else 1.0) for k in keys}
        weight[left_out] = 0.0
        expected = _weighted(data, weight)
        got = (
            jk.actual[row],
            jk.baseline[row],
            jk.ceiling[row],
            jk.ceiling_fixed[row],
            jk.completed_share[row],
        )
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), left_out


def _reference_bca(values, estimate, jack, z) -> tuple[float, float]:
    values = np.asarray(values)
    p = (np.sum(values < estimate) + 0.5 * np.sum(values == estimate)) / values.size
    z0 = N.inv_cdf(p)
    d = np.mean(jack) - np.asarray(jack)
    a = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5)
    lo = N.cdf(z0 + (z0 - z) / (1 - a * (z0 - z)))
    hi = N.cdf(z0 + (z0 + z) / (1 - a * (z0 + z)))
    return tuple(np.quantile(values, [lo, hi]))


def test_bca_equals_the_textbook_formula_on_a_skewed_statistic() -> None:
    rng = np.random.default_rng(5)
    x = rng.exponential(1.0, 25)
    boot = x[rng.integers(0, x.size, (2000, x.size))].mean(axis=1)
    jack = (x.sum() - x) / (x.size - 1)
    got = bs.interval(boot, x.mean(), 0.95, "bca", jack=jack, n_clusters=x.size)
    assert got == pytest.approx(_reference_bca(boot, x.mean(), jack, 1.959964), abs=1e-9)
    z = bs.expanded_z(0.95, x.size)
    got = bs.interval(boot, x.mean(), 0.95, "expanded_bca", jack=jack, n_clusters=x.size)
    assert got == pytest.approx(_reference_bca(boot, x.mean(), jack, z), abs=1e-9)
    # BCa moves the interval of a right-skewed mean to the right of the percentile interval
    pct = bs.interval(boot, x.mean(), 0.95, "percentile")
    assert got[1] > pct[1] and got[0] > pct[0] - 0.01


def test_percentile_methods() -> None:
    rng = np.random.default_rng(6)
    values = rng.normal(0.5, 0.1, 4000)
    values[:50] = np.nan  # undefined resamples are left out
    pct = bs.interval(values, 0.5, 0.95, "percentile")
    assert pct == pytest.approx(bs.percentile(values, 0.95)[:2])
    wide = bs.interval(values, 0.5, 0.95, "expanded_percentile", n_clusters=10)
    ratio = (wide[1] - wide[0]) / (pct[1] - pct[0])
    assert ratio == pytest.approx(bs.expanded_z(0.95, 10) / 1.959964, rel=0.03)
    assert bs.interval(values, 0.5, 0.95, "percentile", clip_high=0.6)[1] == 0.6
    assert bs.interval(np.full(3, np.nan), 0.5, 0.95) == (None, None)
    with pytest.raises(ValueError, match="unknown interval method"):
        bs.interval(values, 0.5, 0.95, "studentised")


def test_analysis_rows_carry_the_default_and_the_percentile_interval() -> None:
    agents = {"lazy(0.5)": metrics._calibration.CALIBRATION_AGENTS["lazy(0.5)"]}
    analysis = metrics.analyze(
        calibration_records(range(300, 340), agents=agents), mc_iterations=400, n_resamples=400
    )
    assert analysis.settings["interval_method"] == bs.DEFAULT_METHOD
    assert set(analysis.settings["intervals"]) >= {"ci", "percentile_ci", "paired_ci"}
    rows = [r for r in analysis.gd if r.gd is not None]
    assert len(rows) == 8
    for row in rows:
        assert row.ci_low <= row.gd <= row.ci_high <= 1.0
        assert row.percentile_ci_low <= row.gd <= row.percentile_ci_high
        # the capped GD's interval is the uncapped one's, capped at 1
        assert row.ci_high == min(row.gd_uncapped_ci_high, 1.0)
        assert row.ci_low == min(row.gd_uncapped_ci_low, 1.0)
    # the expanded interval is the wider one on average (small-sample correction)
    width = np.mean([r.ci_high - r.ci_low for r in rows])
    old = np.mean([r.percentile_ci_high - r.percentile_ci_low for r in rows])
    assert width > old


def _tower_mean(samples: np.ndarray, falls: np.ndarray, weight: np.ndarray) -> float:
    """Exact mean ceiling of the falling tower under sample weights (first and rebuild drawn
    from the weighted samples)."""
    p = weight / weight.sum()
    out = []
    for f in falls:
        fell = samples[:, 0] >= f
        rebuild = float(np.sum(p * np.maximum(samples[:, 1], f)))
        out.append(float(np.sum(p * np.where(fell, rebuild, samples[:, 1]))))
    return float(np.mean(out))


def test_tower_sensitivities_match_the_exact_derivative() -> None:
    samples = np.array([[5, 5], [5, 2], [3, 3], [2, 2], [4, 1], [5, 4]], dtype=float)
    falls = [3, 4]
    recs = [_tower(f, seed) for seed, f in enumerate(falls)]
    eps = metrics.normalize_records(recs)
    sim = metrics.get_task_gd("falling_tower").ceiling(
        metrics.CeilingInput(
            tuple(eps), 5, {"tower_building": samples}, 60_000, np.random.default_rng(2)
        )
    )
    got = bs.combine_sensitivity(sim.sensitivity["tower_building"])
    eps_w = 1e-6
    exact = []
    for j in range(len(samples)):
        up, down = np.ones(len(samples)), np.ones(len(samples))
        up[j] += eps_w
        down[j] -= eps_w
        exact.append((_tower_mean(samples, falls, up) - _tower_mean(samples, falls, down)) / 2e-6)
    assert got == pytest.approx(exact, abs=0.01)
    assert np.abs(exact).max() > 0.1  # the check has something to detect


def _tower(fall: int, seed: int) -> dict:
    info = {"task": "falling_tower", "fall_height": fall, "n_blocks": 5, "random_return": 2.0}
    return {"model": "m", "seed": seed, "completed": True, "return": 3.0, "info": info}


@pytest.mark.parametrize("method", bs.METHODS)
def test_resamples_that_all_equal_the_estimate_give_a_zero_width_interval(method: str) -> None:
    # the oracle where actual equals the ceiling on every seed: GD is 1, but the resampled
    # ratios are computed from totals and differ from it in the last bits
    rng = np.random.default_rng(8)
    ulps = rng.integers(-3, 4, 1000) * np.finfo(float).eps
    jack = 1.0 + rng.integers(-3, 4, 40) * np.finfo(float).eps
    kwargs = {"jack": jack, "n_clusters": 40, "clip_high": 1.0}
    assert bs.interval(1.0 + ulps, 1.0 - 2e-16, 0.95, method, **kwargs) == (1.0, 1.0)
    # away from the cap: the interval is the estimate itself (not NaN, not one-sided)
    kwargs["jack"] = 0.5 + rng.integers(-3, 4, 40) * np.finfo(float).eps
    assert bs.interval(0.5 + ulps, 0.5, 0.95, method, **kwargs) == (0.5, 0.5)
    # rounding-level jackknife deviations are no skewness
    assert bs.acceleration(kwargs["jack"], np.zeros(40, dtype=np.int64)) == 0.0


def test_bca_of_ties_at_rounding_level_is_no_bias() -> None:
    # most resamples a rounding error below the estimate, the rest spread: the rounding
    # errors count as ties, not as a shift of the whole distribution
    rng = np.random.default_rng(9)
    values = np.concatenate([0.7 - rng.integers(1, 3, 600) * 1e-16, rng.normal(0.7, 0.05, 400)])
    got = bs.interval(values, 0.7, 0.95, "bc")
    tied = np.concatenate([np.full(600, 0.7), values[600:]])
    assert got == pytest.approx(bs.interval(tied, 0.7, 0.95, "bc"), abs=1e-12)


def test_jackknife_t_is_the_estimate_plus_minus_t_times_the_jackknife_se() -> None:
    rng = np.random.default_rng(10)
    x = rng.normal(2.0, 1.0, 30)
    jack = (x.sum() - x) / (x.size - 1)
    # the jackknife standard error of a mean is the usual s / sqrt(n)
    se = x.std(ddof=1) / np.sqrt(x.size)
    assert bs.jackknife_se(jack, np.zeros(x.size, dtype=np.int64)) == pytest.approx(se)
    boot = x[rng.integers(0, x.size, (500, x.size))].mean(axis=1)
    low, high = bs.interval(boot, x.mean(), 0.95, "jackknife_t", jack=jack, n_clusters=x.size)
    t = bs.t_quantile(0.975, x.size - 1)
    assert (low, high) == pytest.approx((x.mean() - t * se, x.mean() + t * se))
    assert bs.interval(boot, x.mean(), 0.95, "jackknife_t") == (None, None)


@pytest.mark.parametrize("method", bs.METHODS)
def test_batch_interval_equals_interval_row_by_row(method: str) -> None:
    rng = np.random.default_rng(11)
    rows, b, j = 6, 800, 25
    values = rng.gamma(3.0, 0.2, (rows, b))
    values[1, :40] = np.nan  # undefined resamples are left out
    values[2] = 0.8 + rng.integers(-2, 3, b) * 1e-16  # all tied with the estimate
    values[3] = np.nan  # no interval
    estimates = np.median(np.nan_to_num(values, nan=0.6), axis=1) + rng.normal(0, 0.02, rows)
    estimates[2] = 0.8
    estimates[3] = 0.5
    jack = rng.gamma(3.0, 0.2, (rows, j))
    jack[4, :3] = np.nan
    strata = np.repeat([3, 4], [15, 10])
    low, high = bs.batch_interval(
        values,
        estimates,
        0.95,
        method,
        jack=jack,
        jack_strata=strata,
        n_clusters=j,
        n_strata=2,
        clip_high=1.0,
    )
    for r in range(rows):
        one = bs.interval(
            values[r],
            float(estimates[r]),
            0.95,
            method,
            jack=jack[r],
            jack_strata=strata,
            n_clusters=j,
            n_strata=2,
            clip_high=1.0,
        )
        if one == (None, None):
            assert np.isnan(low[r]) and np.isnan(high[r])
        else:
            assert (low[r], high[r]) == pytest.approx(one, abs=1e-12), r


def test_the_interval_construction_is_chosen_by_name() -> None:
    agents = {"lazy(0.5)": metrics._calibration.CALIBRATION_AGENTS["lazy(0.5)"]}
    records = calibration_records(range(300, 340), agents=agents)
    rows = {}
    for method in ("percentile", "expanded_percentile", "expanded_bca"):
        analysis = metrics.analyze(
            records, mc_iterations=300, n_resamples=300, interval_method=method
        )
        assert analysis.settings["interval_method"] == method
        assert bs.METHOD_TEXT[method] in analysis.settings["intervals"]["ci"]
        rows[method] = next(r for r in analysis.gd if r.task == "combined" and r.n_blocks == 3)
    # the same resamples, built into different intervals; the point estimate is the same
    assert len({r.gd for r in rows.values()}) == 1
    assert (rows["percentile"].ci_low, rows["percentile"].ci_high) == (
        rows["percentile"].percentile_ci_low,
        rows["percentile"].percentile_ci_high,
    )
    assert rows["expanded_percentile"].ci_low < rows["percentile"].ci_low
    with pytest.raises(ValueError, match="unknown interval_method 'studentised'; choose from"):
        metrics.analyze(records, interval_method="studentised")


def _kurtosis_reference(values: np.ndarray) -> float:
    d = values - values.mean()
    return values.size * float(np.sum(d**4)) / float(np.sum(d**2)) ** 2


def test_kurtosis_df_is_n_minus_one_for_normal_values_and_shrinks_with_heavy_tails() -> None:
    rng = np.random.default_rng(21)
    strata = np.zeros(400, dtype=np.int64)
    # normal values: kurtosis near 3, so about n - 1 degrees of freedom (clipped at n - 1)
    normal = rng.normal(0.0, 1.0, 400)
    assert bs.kurtosis_df(normal, strata, 400) >= 0.85 * 399
    # a mostly-succeeding agent: 10% of clusters far below the rest (kurtosis ~ 11)
    rare = np.where(rng.random(400) < 0.1, -5.0, 0.0) + rng.normal(0.0, 0.1, 400)
    kurt = _kurtosis_reference(rare)
    assert 7 < kurt < 16
    assert bs.kurtosis_df(rare, strata, 400) == pytest.approx(2 * 399 / (kurt - 1), rel=1e-9)
    # one extreme cluster among 40: the floor
    spike = np.zeros(40)
    spike[0] = 1.0
    assert bs.kurtosis_df(spike, np.zeros(40, dtype=np.int64), 40) == bs.MIN_KURTOSIS_DF
    # NaN values are left out; no spread at all, or too few values: n - H
    with_nan = np.concatenate([rare, [np.nan, np.nan]])
    assert bs.kurtosis_df(with_nan, np.zeros(402, dtype=np.int64), 400) == pytest.approx(
        bs.kurtosis_df(rare, strata, 400)
    )
    assert bs.kurtosis_df(np.ones(40), np.zeros(40, dtype=np.int64), 40) == 39
    assert bs.kurtosis_df(np.array([1.0]), np.zeros(1, dtype=np.int64), 40) == 39
    # strata: deviations are taken from each stratum's own mean
    two = np.concatenate([normal[:200], normal[200:] + 100.0])
    split = np.repeat([0, 1], 200)
    assert bs.kurtosis_df(two, split, 400, 2) >= 0.85 * 398


def test_kurtosis_methods_widen_where_few_clusters_carry_the_variation() -> None:
    rng = np.random.default_rng(22)
    # a few failures among 40 clusters
    x = np.where(rng.random(40) < 0.1, -3.0, 1.0) + rng.normal(0.0, 0.2, 40)
    boot = np.array([x[rng.integers(0, 40, 40)].mean() for _ in range(4000)])
    jack = np.array([np.delete(x, i).mean() for i in range(40)])
    est = float(x.mean())
    kw = {"jack": jack, "n_clusters": 40}
    df = bs.kurtosis_df(jack, np.zeros(40, dtype=np.int64), 40)
    assert df < 20  # the failures dominate the spread
    z = bs.kurtosis_z(0.95, 40, 1, df)
    assert z == pytest.approx(np.sqrt(40 / 39) * bs.t_quantile(0.975, df))
    kp = bs.interval(boot, est, 0.95, "kurtosis_percentile", **kw)
    assert kp == pytest.approx(tuple(np.quantile(boot, [N.cdf(-z), N.cdf(z)])), abs=1e-12)
    ep = bs.interval(boot, est, 0.95, "expanded_percentile", **kw)
    assert kp[0] < ep[0] and kp[1] > ep[1]
    kb = bs.interval(boot, est, 0.95, "kurtosis_bca", **kw)
    assert kb == pytest.approx(_reference_bca(boot, est, jack, z), abs=1e-9)
    hybrid = bs.interval(boot, est, 0.95, "kurtosis_hybrid", **kw)
    assert hybrid == (min(kp[0], kb[0]), max(kp[1], kb[1]))
    assert bs.DEFAULT_METHOD == "kurtosis_hybrid"
    # fewer degrees of freedom never narrow the interval; n - 1 gives the expanded quantile
    zs = [bs.kurtosis_z(0.95, 40, 1, d) for d in (5.0, 10.0, 20.0, 39.0)]
    assert zs == sorted(zs, reverse=True)
    assert zs[-1] == pytest.approx(bs.expanded_z(0.95, 40))
