"""Configurations, the partition distance and the distance kernel (metrics._configs, built on
envs.blocksworld's configuration helpers)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from metrics import (
    ConfigurationError,
    all_configurations,
    block_names,
    config_space,
    n_configurations,
    partition_distance,
)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_configurations_are_distinct_canonical_and_complete(n: int) -> None:
    configs = all_configurations(n)
    assert len(configs) == n_configurations(n) == 2 ** (n - 1) - 1
    assert len(set(configs)) == len(configs)
    names = block_names(n)
    for first, second in configs:
        assert first and second
        assert sorted(first + second) == list(names)
        assert list(first) == sorted(first) and list(second) == sorted(second)
        assert first[0] < second[0]
    # brute force: every 2-block partition of the set, unordered
    brute = set()
    for mask in range(1, 2**n - 1):
        t1 = tuple(b for i, b in enumerate(names) if mask >> i & 1)
        t2 = tuple(b for i, b in enumerate(names) if not mask >> i & 1)
        brute.add(tuple(sorted((t1, t2))))
    assert set(configs) == brute


def test_block_names_stop_at_z_like_the_envs() -> None:
    # one implementation: metrics uses the Blocksworld's own helpers (they had drifted: the
    # copy in metrics named a 27th block "aa" where the envs refuse more than 26 blocks)
    import envs.blocksworld as bw
    import metrics._configs

    assert block_names is bw.block_names and all_configurations is bw.all_configurations
    assert partition_distance is bw.partition_distance
    assert ConfigurationError is bw.ConfigurationError
    assert issubclass(ConfigurationError, ValueError)
    assert not hasattr(metrics._configs, "lower_tower_score")  # the copy with swapped arguments
    assert block_names(26)[-1] == "z"
    with pytest.raises(ConfigurationError, match="between 1 and 26, got 27"):
        block_names(27)
    with pytest.raises(ConfigurationError, match="got 0"):
        block_names(0)


def test_scores_agree_with_the_envs_scorer() -> None:
    from envs.blocksworld import configuration_score

    heights = {"a": 5.0, "b": 6.5, "c": 7.25, "d": 9.0}
    space = config_space(4)
    scores = space.scores(np.array([heights[b] for b in "abcd"]))
    for config, score in zip(space.configurations, scores, strict=True):
        assert score == pytest.approx(configuration_score(config, heights))


def test_partition_distance_follows_the_spec_formula() -> None:
    # intended (A1, A2), realised (B1, B2): min(|A1 Δ B1|, |A2 Δ B1|)
    assert partition_distance([["a", "b"], ["c", "d"]], [["a", "b"], ["c", "d"]]) == 0
    assert partition_distance([["a", "b"], ["c", "d"]], [["c", "d"], ["a", "b"]]) == 0
    assert partition_distance([["a", "b"], ["c", "d"]], [["a", "c"], ["b", "d"]]) == 2
    assert partition_distance([["a"], ["b", "c", "d"]], [["a", "b"], ["c", "d"]]) == 1
    # A1={a}, A2={b,c}, B1={b}: |A1 Δ B1| = 2, |A2 Δ B1| = 1
    assert partition_distance([["a"], ["b", "c"]], [["b"], ["a", "c"]]) == 1
    # only the realised first tower counts: a realised pair that is not a partition
    assert partition_distance([["a"], ["b", "c"]], [["a"], ["a"]]) == 0
    assert partition_distance([["a"], ["b", "c"]], [["b", "c", "d"], []]) == 1


@pytest.mark.parametrize("n", [3, 4, 5])
def test_space_matrices_agree_with_the_functions(n: int) -> None:
    space = config_space(n)
    assert space.configurations == tuple(all_configurations(n))
    for i, j in itertools.product(range(space.k), repeat=2):
        assert space.distance[i, j] == partition_distance(
            space.configurations[i], space.configurations[j]
        )
    rng = np.random.default_rng(1)
    h = 5 + 5 * rng.random((4, n))
    names = block_names(n)
    for row, scores in zip(h, space.scores(h), strict=True):
        heights = dict(zip(names, row, strict=True))
        expected = [
            min(sum(heights[b] for b in c[0]), sum(heights[b] for b in c[1]))
            for c in space.configurations
        ]
        np.testing.assert_allclose(scores, expected)


def test_distance_kernel_hand_cases_n3() -> None:
    space = config_space(3)
    # every pair of distinct configurations of 3 blocks is at distance 1
    assert np.all(space.distance[~np.eye(3, dtype=bool)] == 1)
    np.testing.assert_allclose(space.distance_kernel(np.array([0])), np.eye(3))
    np.testing.assert_allclose(space.distance_kernel(np.array([1])), (1 - np.eye(3)) / 2)
    half = space.distance_kernel(np.array([0, 1]))
    np.testing.assert_allclose(half, 0.5 * np.eye(3) + 0.25 * (1 - np.eye(3)))
    # an impossible distance is redrawn: [1, 5] behaves like [1]
    np.testing.assert_allclose(space.distance_kernel(np.array([1, 5])), (1 - np.eye(3)) / 2)
    with pytest.raises(ConfigurationError, match="exists"):
        space.distance_kernel(np.array([2]))


@pytest.mark.parametrize("n", [4, 5, 6])
def test_distance_kernel_rows_are_distributions(n: int) -> None:
    space = config_space(n)
    kernel = space.distance_kernel(np.array([0, 1, 1, 2, 3]))
    np.testing.assert_allclose(kernel.sum(axis=1), 1.0)
    assert np.all(kernel >= 0)
    # mass on distance d from i equals the renormalised probability of d
    i = 0
    for d in range(int(space.distance.max()) + 1):
        mass = kernel[i, space.distance[i] == d].sum()
        present = [x for x in (0, 1, 1, 2, 3) if np.any(space.distance[i] == x)]
        assert mass == pytest.approx(present.count(d) / len(present))


def test_config_space_bounds() -> None:
    with pytest.raises(ConfigurationError, match="between 2 and 12"):
        config_space(13)
    with pytest.raises(ConfigurationError, match="between 2 and 16 blocks, got 1"):
        all_configurations(1)


def test_agrees_with_the_envs_definitions() -> None:
    """metrics uses the env's configuration helpers (one implementation)."""
    import envs.blocksworld as env_configs

    for n in (2, 3, 4, 5, 6):
        assert list(all_configurations(n)) == list(env_configs.all_configurations(n))
        configs = all_configurations(n)
        for a, b in itertools.product(configs, repeat=2):
            assert partition_distance(a, b) == env_configs.partition_distance(a, b)
    odd = ([["b"], ["a", "c"]], [["a"], ["b", "c"]])
    assert partition_distance(*odd) == env_configs.partition_distance(*odd)
