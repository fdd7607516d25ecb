"""Win rates, bootstrap CIs and judge agreement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from personalization import bootstrap_mean_ci, judge_agreement, win_rate


def test_win_rate_counts_ties_as_half() -> None:
    rate = win_rate(["win", "win", "tie", "loss"], n_resamples=200)
    assert (rate.n, rate.wins, rate.losses, rate.ties) == (4, 2, 1, 1)
    assert rate.win_rate == pytest.approx(2.5 / 4)
    assert rate.tie_rate == 0.25
    assert rate.ci_low <= rate.win_rate <= rate.ci_high


def test_empty_list_is_handled() -> None:
    rate = win_rate([])
    assert rate.n == 0 and rate.win_rate is None and rate.ci_low is None
    assert bootstrap_mean_ci([]) == (None, None)


def test_ci_is_deterministic_per_seed_and_shrinks_with_n() -> None:
    scores = [1.0, 0.0, 0.5, 1.0, 1.0, 0.0, 1.0, 0.5] * 2
    assert bootstrap_mean_ci(scores, seed=3) == bootstrap_mean_ci(scores, seed=3)
    small = bootstrap_mean_ci(scores, seed=1)
    large = bootstrap_mean_ci(scores * 16, seed=1)
    assert (large[1] - large[0]) < (small[1] - small[0])
    rng_ci = bootstrap_mean_ci(scores, seed=np.random.default_rng(3))
    assert rng_ci == bootstrap_mean_ci(scores, seed=3)


def test_constant_scores_have_a_degenerate_ci() -> None:
    assert bootstrap_mean_ci([1.0] * 10) == (1.0, 1.0)


@given(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=1, max_size=40))
def test_ci_brackets_the_mean(scores: list[float]) -> None:
    low, high = bootstrap_mean_ci(scores, n_resamples=300, seed=0)
    mean = sum(scores) / len(scores)
    assert 0.0 <= low <= high <= 1.0
    assert low - 1e-9 <= mean <= high + 1e-9 or len(set(scores)) > 1


@pytest.mark.parametrize("bad", [1.5, -0.1, "draw"])
def test_bad_scores_are_rejected(bad: object) -> None:
    with pytest.raises(ValueError):
        win_rate([bad])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_mean_ci([1.0], confidence=1.5)


def test_agreement_and_kappa() -> None:
    same = judge_agreement({"a": ["win", "loss", "tie"], "b": ["win", "loss", "tie"]})
    assert same["percent"] == 1.0 and same["kappa"] == 1.0
    half = judge_agreement(
        {"a": ["win", "win", "loss", "loss"], "b": ["win", "loss", "win", "loss"]}
    )
    assert half["percent"] == 0.5 and half["kappa"] == pytest.approx(0.0)
    three = judge_agreement({"a": ["win"], "b": ["win"], "c": ["loss"]})
    assert set(three["pairs"]) == {"a|b", "a|c", "b|c"}
    assert three["percent"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="same prompts"):
        judge_agreement({"a": ["win"], "b": []})
