"""The GD declarations of the falling tower and the anagram task: their ceilings against
hand calculations, and their capabilities read from subtask records."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

import metrics
from metrics import CapabilityUnavailable, simulate_ceiling


def _tower_record(fall: int, n: int = 5, seed: int = 0) -> dict:
    info = {"task": "falling_tower", "fall_height": fall, "n_blocks": n, "random_return": 2.0}
    info["optimal_return"] = float(n)
    return {"model": "m", "seed": seed, "completed": True, "return": 3.0, "info": info}


def test_both_tasks_are_declared_through_the_public_path() -> None:
    tasks = metrics.declared_tasks()
    assert tasks["falling_tower"].capabilities == ("tower_building",)
    assert tasks["anagrams"].capabilities == ("arrangements_generated", "word_judgement")
    assert metrics.get_capability("tower_building").subtask == "build_tower"
    assert metrics.get_capability("word_judgement").subtask == "is_word"


def test_tower_ceiling_with_perfect_building_is_n_and_its_minimum_the_fall_height() -> None:
    result = simulate_ceiling(
        "falling_tower", [_tower_record(3)], {"tower_building": [[5, 5]] * 4}, mc_iterations=50
    )
    assert result.ceiling.tolist() == [5.0]
    assert result.minimum is not None and result.minimum.tolist() == [3.0]
    assert result.baseline.tolist() == [2.0] and result.optimal.tolist() == [5.0]


def test_tower_ceiling_matches_a_hand_calculation() -> None:
    # Half the attempts reach 5 blocks, half stall at 2. Wind at 3: a stalled first attempt
    # scores 2; a full one falls and the rebuild scores max(2, 3) = 3 or 5.
    # Ceiling = 0.5 * 2 + 0.5 * (0.5 * 3 + 0.5 * 5) = 3; stopping after the fall: 2.5.
    result = simulate_ceiling(
        "falling_tower",
        [_tower_record(3)],
        {"tower_building": [[2, 2], [5, 5]]},
        mc_iterations=200_000,
        rng=1,
    )
    assert result.ceiling[0] == pytest.approx(3.0, abs=0.02)
    assert result.minimum is not None and result.minimum[0] == pytest.approx(2.5, abs=0.02)


def _anagram_record(perms: int, words: int, budget: int = 10) -> dict:
    info = {
        "task": "anagrams",
        "n_permutations": perms,
        "n_valid_words": words,
        "submission_budget": budget,
        "random_return": min(budget, perms) * words / perms,
        "optimal_return": float(words),
    }
    return {"model": "m", "seed": 0, "completed": True, "return": 1.0, "info": info}


def test_anagram_ceiling_with_perfect_capabilities_finds_every_word_the_budget_allows() -> None:
    judged = [[1, 1], [0, 0], [1, 1], [0, 0]]
    for words, expected in ((3, 3.0), (12, 10.0)):
        result = simulate_ceiling(
            "anagrams",
            [_anagram_record(24, words)],
            {"arrangements_generated": [1.0, 1.0, 1.0], "word_judgement": judged},
            mc_iterations=100,
        )
        assert result.ceiling.tolist() == [expected]
        assert result.minimum is None


def test_anagram_ceiling_matches_a_hand_calculation() -> None:
    # Every arrangement considered, yes to everything half the time: t ~ Bin(24, 1/2)
    # submissions, of which a share 4/24 are words in expectation; the budget keeps min(10, t).
    expected = sum(comb(24, t) * 0.5**24 * min(10, t) for t in range(25)) * 4 / 24
    judged = [[1, 1], [1, 0], [0, 1], [0, 0]]
    result = simulate_ceiling(
        "anagrams",
        [_anagram_record(24, 4)],
        {"arrangements_generated": [1.0] * 3, "word_judgement": judged},
        mc_iterations=200_000,
        rng=2,
    )
    assert result.ceiling[0] == pytest.approx(expected, abs=0.01)
    # A perfect judge that considers half the arrangements finds half the words.
    result = simulate_ceiling(
        "anagrams",
        [_anagram_record(24, 4)],
        {"arrangements_generated": [0.5] * 3, "word_judgement": [[1, 1], [0, 0]]},
        mc_iterations=200_000,
        rng=3,
    )
    assert result.ceiling[0] == pytest.approx(2.0, abs=0.01)


def test_anagram_ceiling_needs_questions_about_words_and_non_words() -> None:
    with pytest.raises(CapabilityUnavailable, match="words and about non-words"):
        simulate_ceiling(
            "anagrams",
            [_anagram_record(24, 4)],
            {"arrangements_generated": [1.0], "word_judgement": [[1, 1], [1, 0]]},
        )


def test_capabilities_are_read_from_subtask_records() -> None:
    records = [
        {"model": "m", "seed": s, "completed": True, "return": 1.0, "info": info}
        for s, info in enumerate(
            [
                {"task": "build_tower", "n_blocks": 5, "peak_height": 5, "final_height": 5},
                {"task": "generate_permutations", "fraction_generated": 0.5},
                {"task": "is_word", "is_word": True, "answered_yes": False},
                {"task": "is_word", "is_word": None, "answered_yes": None},
            ]
        )
    ]
    table = metrics.capabilities(metrics.normalize_records(records))
    assert table.get("m", "neutral", "tower_building", 5).tolist() == [[5.0, 5.0]]
    assert table.get("m", "neutral", "arrangements_generated", None).tolist() == [0.5]
    assert table.get("m", "neutral", "word_judgement", None).tolist() == [[1.0, 0.0]]
    assert np.asarray(table.get("m", "neutral", "tower_building", 4)).size == 0
