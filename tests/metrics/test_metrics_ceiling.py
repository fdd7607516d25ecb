"""The Monte Carlo capability ceiling on hand-computed cases (metrics.simulate_ceiling)."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from metrics import CapabilityUnavailable, UnknownTaskError, get_task_gd, simulate_ceiling
from metrics._reference import reference_ceiling

# Heights a=5, b=6, c=7. Configurations (canonical order) and scores:
# a|bc -> 5, ab|c -> 7, ac|b -> 6. Optimum 7, random baseline 6.
H3 = np.array([[5.0, 6.0, 7.0]])
PERFECT = {
    "configurations_generated": [3],
    "evaluation_error": [0.0],
    "pick_distance": [0],
    "execute_distance": [0],
}
ZERO_HEIGHT_ERRORS = [[7.5, 0.0]] * 3


def _sim(task, heights=H3, iterations=4000, seed=0, **caps):
    needs = {
        "information_gathering": ["height_error"],
        "cognitive_effort": ["configurations_generated", "evaluation_error", "pick_distance"],
        "plan_and_execute": [
            "configurations_generated",
            "evaluation_error",
            "pick_distance",
            "execute_distance",
        ],
    }.get(task, [*PERFECT, "height_error"])
    base = {**PERFECT, "height_error": ZERO_HEIGHT_ERRORS}
    given = {k: caps.get(k, base[k]) for k in needs}
    return simulate_ceiling(task, heights, given, mc_iterations=iterations, rng=seed)


@pytest.mark.parametrize("task", ["cognitive_effort", "plan_and_execute", "combined"])
def test_perfect_capabilities_reach_the_optimum(task: str) -> None:
    res = _sim(task, iterations=50)
    assert res.ceiling[0] == pytest.approx(7.0)
    assert res.optimal[0] == pytest.approx(7.0)
    assert res.baseline[0] == pytest.approx(6.0)  # mean of the 3 configurations' scores
    assert res.minimum is not None and res.minimum[0] == pytest.approx(5.0)


def test_pick_distance_always_one_n3() -> None:
    # From the intended ab|c (7) the configurations at distance 1 are a|bc (5) and ac|b (6).
    res = _sim("cognitive_effort", pick_distance=[1], iterations=10)
    assert res.ceiling[0] == pytest.approx(5.5)


def test_pick_then_execute_errors_compose() -> None:
    # pick: ab|c -> a|bc or ac|b; execute from a|bc -> {7, 6}, from ac|b -> {5, 7}
    res = _sim("plan_and_execute", pick_distance=[1], execute_distance=[1], iterations=10)
    assert res.ceiling[0] == pytest.approx(((7 + 6) / 2 + (5 + 7) / 2) / 2)
    # CE ignores the execute step; PE with a perfect pick and sloppy execution
    res = _sim("plan_and_execute", execute_distance=[1], iterations=10)
    assert res.ceiling[0] == pytest.approx(5.5)


def test_pick_distance_mixture_is_redrawn_when_impossible() -> None:
    # distance 2 does not exist among 3 blocks: [0, 1, 2] acts like [0, 1]
    res = _sim("cognitive_effort", pick_distance=[0, 1, 2], iterations=10)
    assert res.ceiling[0] == pytest.approx(0.5 * 7 + 0.5 * 5.5)
    with pytest.raises(CapabilityUnavailable, match="pick step"):
        _sim("cognitive_effort", pick_distance=[2], iterations=10)


def test_number_of_generated_configurations() -> None:
    one = _sim("cognitive_effort", configurations_generated=[1], iterations=30000)
    assert one.ceiling[0] == pytest.approx(6.0, abs=0.03)  # one random configuration
    # two of three: {5,7}->7, {5,6}->6, {6,7}->7
    two = _sim("cognitive_effort", configurations_generated=[2], iterations=30000)
    assert two.ceiling[0] == pytest.approx(20 / 3, abs=0.03)
    # m = 0 is skipped (the paper): [0, 3] behaves like [3]
    skip = _sim("cognitive_effort", configurations_generated=[0, 3], iterations=100)
    assert skip.ceiling[0] == pytest.approx(7.0)
    with pytest.raises(CapabilityUnavailable, match="no valid configuration"):
        _sim("cognitive_effort", configurations_generated=[0, 0], iterations=10)


def test_evaluation_errors_by_enumeration() -> None:
    # Each of the 3 configurations gets +1.5 or -1.5 at random; enumerate the 8 sign patterns.
    errors = [-1.5, 1.5]
    scores = [5.0, 7.0, 6.0]
    expected, worst = 0.0, 0.0
    for signs in itertools.product(errors, repeat=3):
        believed = [s + e for s, e in zip(scores, signs, strict=True)]
        expected += scores[int(np.argmax(believed))] / 8
        worst += scores[int(np.argmin(believed))] / 8
    res = _sim("cognitive_effort", evaluation_error=errors, iterations=40000)
    assert res.ceiling[0] == pytest.approx(expected, abs=0.03)
    assert res.minimum is not None and res.minimum[0] == pytest.approx(worst, abs=0.03)
    assert expected < 7.0  # the errors cost something in this case


def test_ig_zero_height_errors_is_the_top_two_sum() -> None:
    heights = np.array([[5.0, 6.0, 7.0], [9.0, 5.5, 8.0], [6.0, 9.5, 9.0]])
    res = _sim("information_gathering", heights=heights, iterations=30)
    np.testing.assert_allclose(res.ceiling, [13.0, 17.0, 18.5])
    np.testing.assert_allclose(res.optimal, [13.0, 17.0, 18.5])
    np.testing.assert_allclose(res.baseline, 2 * heights.sum(axis=1) / 3)
    np.testing.assert_allclose(res.minimum, [11.0, 13.5, 15.0])


def test_ig_height_window_selects_errors_near_the_true_height() -> None:
    # a=5.0 and b=6.0 see the +5 error (true 5.1 lies within ±2 cm), c=9.0 only the 0 error
    heights = np.array([[5.0, 6.0, 9.0]])
    res = _sim("information_gathering", heights=heights, height_error=[[5.1, 5.0], [9.0, 0.0]])
    # estimates 10, 11, 9: the agent stacks a and b although c is the tallest
    assert res.ceiling[0] == pytest.approx(11.0)
    assert res.messages == ()


def test_ig_empty_window_falls_back_to_all_errors_with_a_message() -> None:
    heights = np.array([[5.0, 6.0, 9.9]])
    res = _sim("information_gathering", heights=heights, height_error=[[5.0, 0.0], [6.0, 0.0]])
    assert res.ceiling[0] == pytest.approx(15.9)
    assert len(res.messages) == 1 and "1 of 3 block heights" in res.messages[0]


def test_flat_height_errors_apply_to_every_block() -> None:
    res = _sim("information_gathering", heights=np.array([[5.0, 6.0, 7.0]]), height_error=[0.0])
    assert res.ceiling[0] == pytest.approx(13.0)


def test_heights_are_noisy_only_in_ig_and_combined() -> None:
    big = [[7.0, -3.0], [7.0, 3.0]]  # large errors would hurt if applied
    caps = {**PERFECT, "height_error": big}
    combined = simulate_ceiling("combined", H3, caps, mc_iterations=4000, rng=1)
    assert combined.ceiling[0] < 6.9
    ce = {k: caps[k] for k in ("configurations_generated", "evaluation_error", "pick_distance")}
    assert simulate_ceiling("cognitive_effort", H3, ce, mc_iterations=50).ceiling[0] == 7.0


def test_seeded_and_reproducible() -> None:
    kw = {"evaluation_error": [-1.0, 0.0, 2.0], "configurations_generated": [1, 2, 3]}
    a = _sim("cognitive_effort", iterations=500, seed=3, **kw).ceiling
    b = _sim("cognitive_effort", iterations=500, seed=3, **kw).ceiling
    c = _sim("cognitive_effort", iterations=500, seed=4, **kw).ceiling
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_bad_input_is_named() -> None:
    with pytest.raises(UnknownTaskError, match="Did you mean 'cognitive_effort'"):
        simulate_ceiling("cognitive_efort", H3, PERFECT)
    with pytest.raises(CapabilityUnavailable, match="pick_distance"):
        simulate_ceiling(
            "cognitive_effort",
            H3,
            {"configurations_generated": [3], "evaluation_error": [0.0]},
        )
    with pytest.raises(CapabilityUnavailable, match="n_blocks=13"):
        simulate_ceiling("cognitive_effort", np.full((1, 13), 6.0), PERFECT | {})
    with pytest.raises(ValueError, match="mc_iterations"):
        simulate_ceiling("cognitive_effort", H3, PERFECT, mc_iterations=0)


@pytest.mark.parametrize(
    "task", ["information_gathering", "cognitive_effort", "plan_and_execute", "combined"]
)
def test_vectorised_simulation_agrees_with_the_reference_loop(task: str) -> None:
    rng = np.random.default_rng(5)
    n = 4
    heights = 5 + 5 * rng.random((3, n))
    caps = {
        "height_error": np.column_stack([5 + 5 * rng.random(40), rng.normal(0, 1.0, 40)]),
        "configurations_generated": [2, 4, 7, 5, 0],
        "evaluation_error": rng.normal(0, 0.8, 20).round(2),
        "pick_distance": [0, 0, 1, 2],
        "execute_distance": [0, 1, 1, 2],
    }
    needed = {k: caps[k] for k in get_task_gd(task).capabilities}
    iterations = 3000
    res = simulate_ceiling(task, heights, needed, mc_iterations=20000 * 3, rng=2)
    fast = res.ceiling
    slow = reference_ceiling(task, heights.tolist(), needed, iterations, random.Random(9))
    # the loop's Monte Carlo standard error is about 0.05 cm here (per-draw SD up to ~2.5 cm);
    # the vectorised estimate, with 20x the draws and the error steps integrated, is tighter
    np.testing.assert_allclose(fast, slow, atol=0.2)
    assert np.all(fast <= res.optimal + 1e-9)
    assert np.all(fast > res.baseline)
