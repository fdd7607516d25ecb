"""Configurations: K(n), canonical form, scores and the partition distance (spec 2, 2.10)."""

from __future__ import annotations

import itertools

import pytest

from envs.blocksworld import (
    all_configurations,
    best_configuration,
    canonical_configuration,
    configuration_score,
    n_configurations,
    partition_distance,
)


def _brute_force(n: int) -> set[frozenset[frozenset[str]]]:
    blocks = "abcdefgh"[:n]
    splits = set()
    for labels in itertools.product((0, 1), repeat=n):
        first = frozenset(b for b, side in zip(blocks, labels, strict=True) if side == 0)
        second = frozenset(blocks) - first
        if first and second:
            splits.add(frozenset({first, second}))
    return splits


@pytest.mark.parametrize("n", range(2, 9))
def test_k_of_n_is_exact_and_matches_brute_force(n: int) -> None:
    configs = all_configurations(n)
    assert len(configs) == 2 ** (n - 1) - 1 == n_configurations(n)
    as_sets = {frozenset({frozenset(a), frozenset(b)}) for a, b in configs}
    assert len(as_sets) == len(configs)  # no duplicates (spec 3.5.3)
    assert as_sets == _brute_force(n)


@pytest.mark.parametrize("n", [2, 3, 5])
def test_configurations_are_canonical(n: int) -> None:
    for first, second in all_configurations(n):
        assert list(first) == sorted(first) and list(second) == sorted(second)
        assert first[0] == "a" and first[0] < second[0]
        assert canonical_configuration([second, first]) == (first, second)


def test_all_configurations_accepts_names_and_rejects_too_many() -> None:
    assert all_configurations(["c", "a", "b"]) == all_configurations(3)
    with pytest.raises(ValueError, match="between 2 and 16"):
        all_configurations(17)
    with pytest.raises(ValueError, match="between 2 and 16"):
        all_configurations(["a"])


def test_canonical_configuration_rejects_empty_tower() -> None:
    with pytest.raises(ValueError, match="two non-empty towers"):
        canonical_configuration([["a", "b"], []])


def test_configuration_score_is_the_lower_tower() -> None:
    heights = {"a": 5.5, "b": 6.25, "c": 9.0, "d": 7.0}
    assert configuration_score((("a", "b"), ("c", "d")), heights) == pytest.approx(11.75)
    assert configuration_score((("a", "c"), ("b", "d")), heights) == pytest.approx(13.25)
    assert best_configuration(heights) in {(("a", "c"), ("b", "d")), (("a", "d"), ("b", "c"))}
    assert configuration_score(best_configuration(heights), heights) == pytest.approx(13.25)


@pytest.mark.parametrize(
    ("intended", "realised", "expected"),
    [
        ([["a", "b"], ["c"]], [["a", "b"], ["c"]], 0),
        ([["a", "b"], ["c"]], [["c"], ["a", "b"]], 0),  # swapped towers: same split
        ([["a", "b"], ["c"]], [["a"], ["b", "c"]], 1),
        ([["a", "b"], ["c", "d"]], [["a", "c"], ["b", "d"]], 2),
        ([["a", "b", "c"], ["d"]], [["a"], ["b", "c", "d"]], 2),  # {b, c} or {a, d}
        ([["a", "b", "c"], ["d"]], [["a", "b", "d"], ["c"]], 2),
        ([["a", "b", "c", "d"], ["e"]], [["e", "a"], ["b", "c", "d"]], 1),
        ([["a"], ["b", "c", "d", "e"]], [["a", "b"], ["c", "d", "e"]], 1),
        ([["a"], ["b", "c", "d", "e"]], [["c", "d", "e"], ["a", "b"]], 1),
        ([["a", "b"], ["c", "d", "e", "f"]], [["a", "c", "d"], ["b", "e", "f"]], 3),
    ],
)
def test_partition_distance_hand_cases(intended, realised, expected) -> None:  # type: ignore[no-untyped-def]
    assert partition_distance(intended, realised) == expected


def test_partition_distance_formula_on_every_pair() -> None:
    configs = all_configurations(4)
    for a in configs:
        for b in configs:
            a1, a2, b1 = set(a[0]), set(a[1]), set(b[0])
            assert partition_distance(a, b) == min(len(a1 ^ b1), len(a2 ^ b1))
        assert partition_distance(a, a) == 0


def test_partition_distance_is_min_of_x_and_n_minus_x() -> None:
    # for two towers using every block, |A2 ^ B1| = n - |A1 ^ B1|, so the order of the
    # realised towers does not matter (the spec's "slight asymmetry" cannot show up here)
    for a in all_configurations(5):
        for b in all_configurations(5):
            x = len(set(a[0]) ^ set(b[0]))
            assert partition_distance(a, b) == min(x, 5 - x)
            assert partition_distance(a, b) == partition_distance(a, (b[1], b[0]))


def test_renamed_blocks_keep_sorted_order() -> None:
    renamed = all_configurations(["b", "x", "m", "q"])
    assert renamed == sorted(renamed)
    assert all(first[0] == "b" for first, _ in renamed) and len(renamed) == 7


def test_docstring_examples_run() -> None:
    import doctest

    from envs.blocksworld import _configs

    result = doctest.testmod(_configs)
    assert result.attempted >= 3 and result.failed == 0
