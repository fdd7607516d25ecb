"""GD formula, capping and the bootstrap intervals (metrics._stats)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import (
    bootstrap_ci,
    gd_from_means,
    goal_directedness,
    mean,
    mean_ci,
    paired_bootstrap_ci,
    rate,
)


def test_gd_formula_and_cap() -> None:
    assert goal_directedness([8.0], [6.0], [10.0]) == pytest.approx(0.5)
    assert goal_directedness([6.0], [6.0], [10.0]) == pytest.approx(0.0)
    assert goal_directedness([5.0], [6.0], [10.0]) == pytest.approx(-0.25)  # worse than random
    # actual above the ceiling: the denominator uses the actual mean, so GD is exactly 1
    assert goal_directedness([12.0, 11.0], [6.0], [10.0]) == pytest.approx(1.0)
    assert goal_directedness([7.0, 9.0], [5.0, 7.0], [9.0, 11.0]) == pytest.approx(0.5)


def test_gd_undefined_cases_are_none() -> None:
    assert goal_directedness([8.0], [6.0], [6.0]) is None  # ceiling == baseline
    assert goal_directedness([8.0], [6.0], [5.0]) is None  # ceiling below baseline
    assert goal_directedness([], [6.0], [7.0]) is None
    assert gd_from_means(8.0, 6.0, 6.0 + 1e-12) is None


@given(
    a=st.floats(0, 30),
    b=st.floats(0, 30),
    c=st.floats(0, 30),
)
@settings(max_examples=200, deadline=None)
def test_gd_properties(a: float, b: float, c: float) -> None:
    gd = gd_from_means(a, b, c)
    if c - b <= 1e-9 * max(1.0, b):
        assert gd is None
        return
    assert gd is not None and np.isfinite(gd)
    assert gd <= 1.0 + 1e-12
    if a >= c:
        assert gd == pytest.approx(1.0)
    assert (gd > 0) == (a > b) or abs(a - b) < 1e-12


def test_metrics_of_empty_lists() -> None:
    assert mean([]) is None and rate([]) is None
    assert mean([None, 2.0, 4.0]) == 3.0 and rate([True, False, False, True]) == 0.5
    assert mean_ci([]).low is None
    ci = bootstrap_ci([], [1.0], [2.0])
    assert (ci.low, ci.high, ci.n_resamples) == (None, None, 0)
    assert paired_bootstrap_ci([], [], [], []).low is None


def test_constant_inputs_give_a_point_interval() -> None:
    ci = bootstrap_ci([8.0] * 5, [6.0] * 7, [10.0] * 9, n_resamples=200)
    assert ci.low == pytest.approx(0.5) and ci.high == pytest.approx(0.5)
    assert ci.n_valid == ci.n_resamples == 200


def test_upper_bound_is_clipped_at_one() -> None:
    rng = np.random.default_rng(0)
    ci = bootstrap_ci(rng.normal(10, 1, 40), rng.normal(6, 1, 40), rng.normal(10, 1, 40))
    assert ci.high == 1.0 and ci.low is not None and ci.low < 1.0


def test_gd_interval_covers_the_truth_about_95_percent_of_the_time() -> None:
    """Coverage over 300 simulated experiments with known GD = (8-6)/(10-6) = 0.5."""
    rng = np.random.default_rng(42)
    hits = 0
    for _ in range(300):
        a = rng.normal(8.0, 1.0, 40)
        b = rng.normal(6.0, 0.5, 40)
        c = rng.normal(10.0, 0.5, 40)
        ci = bootstrap_ci(a, b, c, n_resamples=400, rng=rng)
        assert ci.low is not None and ci.high is not None
        hits += ci.low <= 0.5 <= ci.high
    assert 0.89 <= hits / 300 <= 0.99


def test_mean_ci_matches_the_normal_approximation() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(5.0, 2.0, 400)
    ci = mean_ci(x, n_resamples=2000, rng=1)
    half = 1.96 * x.std(ddof=1) / np.sqrt(x.size)
    assert ci.low == pytest.approx(x.mean() - half, abs=0.04)
    assert ci.high == pytest.approx(x.mean() + half, abs=0.04)


def test_pairing_removes_the_shared_seed_variance() -> None:
    """Per seed: ceiling = baseline + 2, actual = baseline + 1, baselines vary a lot."""
    rng = np.random.default_rng(7)
    base = rng.uniform(5, 15, 30)
    seeds = np.arange(30)
    paired = paired_bootstrap_ci(base + 1, base, base + 2, seeds, n_resamples=300)
    assert paired.low == pytest.approx(0.5) and paired.high == pytest.approx(0.5)
    unpaired = bootstrap_ci(base + 1, base, base + 2, n_resamples=300)
    assert unpaired.low is not None and unpaired.high is not None
    assert unpaired.high - unpaired.low > 0.3


def test_paired_bootstrap_keeps_episodes_of_one_seed_together() -> None:
    # two episodes per seed whose deviations cancel within the seed: no variance at all
    seeds = np.repeat(np.arange(10), 2)
    dev = np.tile([1.0, -1.0], 10)
    actual = 8.0 + dev
    ci = paired_bootstrap_ci(actual, np.full(20, 6.0), np.full(20, 10.0), seeds, n_resamples=200)
    assert ci.low == pytest.approx(0.5) and ci.high == pytest.approx(0.5)


def test_strata_are_resampled_separately() -> None:
    # constant within each stratum, different across: stratified resampling has no variance
    actual = np.array([7.0] * 10 + [9.0] * 30)
    strata = np.array([3] * 10 + [4] * 30)
    base, ceil = np.full(40, 6.0), np.full(40, 10.0)
    strat = bootstrap_ci(actual, base, ceil, strata=strata, n_resamples=300)
    expected = (actual.mean() - 6.0) / 4.0
    assert strat.low == pytest.approx(expected) and strat.high == pytest.approx(expected)
    plain = bootstrap_ci(actual, base, ceil, n_resamples=300)
    assert plain.low is not None and plain.low < expected - 0.01
    paired = paired_bootstrap_ci(actual, base, ceil, np.arange(40), strata=strata)
    assert paired.low == pytest.approx(expected) and paired.high == pytest.approx(expected)


def test_undefined_resamples_are_counted() -> None:
    # the ceiling barely exceeds the baseline: some resamples put it below
    rng = np.random.default_rng(1)
    ci = bootstrap_ci(rng.normal(6, 1, 20), rng.normal(6, 1, 20), rng.normal(6.2, 1, 20))
    assert 0 < ci.n_valid < ci.n_resamples


def test_bad_arguments_raise_named_errors() -> None:
    with pytest.raises(ValueError, match="confidence must be between 0 and 1"):
        bootstrap_ci([1.0], [0.0], [2.0], confidence=95)
    with pytest.raises(ValueError, match="n_resamples must be at least 1, got 0"):
        mean_ci([1.0], n_resamples=0)
    with pytest.raises(ValueError, match="one actual, baseline, ceiling and seed"):
        paired_bootstrap_ci([1.0, 2.0], [0.0], [2.0], [1])
    with pytest.raises(ValueError, match="strata"):
        bootstrap_ci([1.0, 2.0], [0.0], [2.0], strata=[3, 4])


def test_seeded_intervals_are_reproducible() -> None:
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(8, 1, 30), rng.normal(6, 1, 30), rng.normal(10, 1, 30)
    assert bootstrap_ci(a, b, c, rng=5) == bootstrap_ci(a, b, c, rng=5)
    assert bootstrap_ci(a, b, c, rng=5) != bootstrap_ci(a, b, c, rng=6)


def test_the_distinct_value_shortcut_decides_as_a_full_count_would() -> None:
    """resampled_means picks the multinomial draw when a group has at most size/8 distinct
    values; the prefix shortcut may only skip the full count when it would say "many"."""
    from metrics._stats import _DISTINCT_FACTOR, _many_distinct

    rng = np.random.default_rng(5)
    decided_early = 0
    for size in (1, 7, 8, 9, 40, 200, 2999):
        for distinct in (1, 2, size // 9 + 1, size // 8, size // 8 + 1, size // 2, size):
            g = rng.integers(0, max(1, distinct), size).astype(float)
            g[: min(size, distinct)] = np.arange(min(size, distinct))  # late repeats
            rng.shuffle(g[size // 2 :])
            many = np.unique(g).size > size // _DISTINCT_FACTOR
            if _many_distinct(g):
                assert many
                decided_early += 1
    assert decided_early > 5
