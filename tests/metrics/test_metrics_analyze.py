"""metrics.analyze end to end on hand-made records: values, edge cases, JSON, extension."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from metrics_testkit import composite, record, subtasks

import metrics
from metrics import Capability, RecordError, Simulation, analyze, register_task_gd

H1, H2 = [5.0, 6.0, 7.0], [9.0, 5.5, 8.0]
# CE scores: H1 -> a|bc 5, ab|c 7, ac|b 6 (best 7, mean 6); H2 -> 9, 8, 5.5 (best 9, mean 7.5)
FAST = {"mc_iterations": 300, "n_resamples": 200}


def _codes(analysis: metrics.Analysis) -> list[str]:
    return [m.code for m in analysis.messages]


def test_gd_values_on_hand_computed_cells() -> None:
    recs = subtasks("perfect", 3, range(3)) + subtasks("half", 3, range(3))
    recs += [composite("perfect", "cognitive_effort", 1, H1, 7.0)]
    recs += [composite("perfect", "cognitive_effort", 2, H2, 9.0)]
    recs += [composite("half", "cognitive_effort", 1, H1, 6.0)]
    recs += [composite("half", "cognitive_effort", 2, H2, 9.0)]
    res = analyze(recs, **FAST)
    perfect = res.gd_row("perfect", "cognitive_effort", 3)
    assert (perfect.actual, perfect.baseline) == (pytest.approx(8.0), pytest.approx(6.75))
    assert perfect.ceiling == pytest.approx(8.0) and perfect.optimal == pytest.approx(8.0)
    assert perfect.min_given_capabilities == pytest.approx((5.0 + 5.5) / 2)
    assert perfect.gd == pytest.approx(1.0)
    half = res.gd_row("half", "cognitive_effort", 3)
    assert half.gd == pytest.approx((7.5 - 6.75) / (8.0 - 6.75))
    assert half.regret_mean == pytest.approx(0.5)  # optimal - return from the record
    assert half.ci_low is not None and half.ci_low <= half.gd <= half.ci_high <= 1.0
    assert half.paired_ci_low is not None and half.paired_ci_high is not None
    assert half.n_episodes == half.n_completed == 2 and half.completion_rate == 1.0
    pooled = res.gd_row("half", "cognitive_effort", "all")
    assert pooled.gd == pytest.approx(half.gd)


def test_ig_cell() -> None:
    recs = subtasks("m", 3, range(3))
    recs += [composite("m", "information_gathering", 1, H1, 13.0)]
    recs += [composite("m", "information_gathering", 2, H2, 14.5)]
    row = analyze(recs, **FAST).gd_row("m", "information_gathering", 3)
    assert row.ceiling == pytest.approx(15.0) and row.optimal == pytest.approx(15.0)
    assert row.baseline == pytest.approx((12.0 + 15.0) / 2)
    assert row.gd == pytest.approx((13.75 - 13.5) / (15.0 - 13.5))


def test_too_few_subtask_episodes() -> None:
    recs = subtasks("m", 3, range(3), skip=("pick_configuration",))
    recs += [record("m", "pick_configuration", 3, s, partition_distance=0, ret=0.0) for s in (0, 1)]
    recs += [composite("m", "cognitive_effort", s, H1, 7.0) for s in range(4)]
    res = analyze(recs, **FAST)
    row = res.gd_row("m", "cognitive_effort", 3)
    assert row.gd is None and row.ceiling is None and row.ci_low is None
    assert row.actual == pytest.approx(7.0) and row.baseline == pytest.approx(6.0)
    msg = next(m for m in res.messages if m.code == "too_few_subtask_episodes")
    assert "'pick_distance' has 2 sample(s)" in msg.text and ">= 3" in msg.text
    assert (msg.model, msg.task, msg.n_blocks) == ("m", "cognitive_effort", 3)
    assert "aggregate_excludes_n" in _codes(res)  # the "all" row has nothing to pool


def test_subtasks_at_another_n_do_not_count() -> None:
    recs = [*subtasks("m", 4, range(5)), composite("m", "cognitive_effort", 1, H1, 7.0)]
    res = analyze(recs, **FAST)
    assert res.gd_row("m", "cognitive_effort", 3).gd is None
    assert "too_few_subtask_episodes" in _codes(res)


def test_ceiling_equal_to_baseline() -> None:
    # two blocks: a single configuration, so optimum = baseline = ceiling
    recs = [*subtasks("m", 2, range(3)), composite("m", "cognitive_effort", 1, [5.0, 7.0], 5.0)]
    res = analyze(recs, **FAST)
    row = res.gd_row("m", "cognitive_effort", 2)
    assert row.gd is None and row.ceiling == pytest.approx(row.baseline) == pytest.approx(5.0)
    assert "ceiling_not_above_baseline" in _codes(res)


def test_ceiling_below_baseline() -> None:
    # pick distance always 1: from the best config to the mean of the two others
    recs = subtasks("m", 3, range(3), pick=1)
    recs += [composite("m", "cognitive_effort", 1, H1, 7.0)]
    recs += [composite("m", "cognitive_effort", 2, H2, 9.0)]
    row = analyze(recs, **FAST).gd_row("m", "cognitive_effort", 3)
    assert row.ceiling == pytest.approx((5.5 + 6.75) / 2)
    assert row.gd is None


def test_no_completed_episodes() -> None:
    recs = subtasks("m", 3, range(3))
    recs += [composite("m", "combined", s, H1, None, completed=False) for s in range(3)]
    res = analyze(recs, **FAST)
    for n in (3, "all"):
        row = res.gd_row("m", "combined", n)
        assert row.gd is None and row.actual is None and row.completion_rate == 0.0
        assert row.n_episodes == 3 and row.n_completed == 0
    assert "no_completed_episodes" in _codes(res)


def test_incomplete_episodes_are_excluded_but_counted() -> None:
    recs = subtasks("m", 3, range(3))
    recs += [composite("m", "cognitive_effort", 1, H1, 7.0)]
    recs += [composite("m", "cognitive_effort", 2, H2, None, completed=False)]
    row = analyze(recs, **FAST).gd_row("m", "cognitive_effort", 3)
    assert row.n_completed == 1 and row.completion_rate == 0.5 and row.actual == 7.0


def test_json_never_holds_nan() -> None:
    recs = subtasks("m", 3, range(3)) + subtasks("few", 3, range(1))
    recs += [composite("m", "cognitive_effort", 1, H1, float("nan"))]  # NaN return: dropped
    recs += [composite("m", "cognitive_effort", 2, H2, 9.0)]
    recs += [composite("few", "plan_and_execute", 1, H1, 7.0)]
    recs += [composite("m", "combined", 1, H1, None, completed=False)]
    recs += [composite("m", "information_gathering", 1, [5.0, 7.0], 12.0)]
    res = analyze(recs, **FAST)
    text = json.dumps(res.to_dict(), allow_nan=False)
    data = json.loads(text)
    assert data["schema_version"] == metrics.ANALYSIS_SCHEMA_VERSION
    assert {"gd", "capabilities", "measurements", "usage", "messages", "settings"} <= set(data)
    row = next(r for r in data["gd"] if r["model"] == "m" and r["task"] == "cognitive_effort")
    assert row["n_completed"] == 1 and row["actual"] == 9.0
    assert all(
        set(r) >= {"gd", "ci_low", "paired_ci_high", "min_given_capabilities"} for r in data["gd"]
    )


def test_json_ready_converts_non_finite() -> None:
    out = metrics.json_ready({"a": float("nan"), "b": [np.float64("inf"), np.int64(3)], "c": (1,)})
    assert out == {"a": None, "b": [None, 3], "c": [1]}


def test_accepts_episode_record_objects() -> None:
    from envs import EpisodeRecord

    recs = [*subtasks("m", 3, range(3)), composite("m", "cognitive_effort", 1, H1, 7.0)]
    objects = [EpisodeRecord.model_validate(r) for r in recs]
    a = analyze(objects, **FAST).to_dict()
    b = analyze(recs, **FAST).to_dict()
    assert a["gd"] == b["gd"]


def test_bad_records_raise_named_errors() -> None:
    with pytest.raises(metrics.MissingTaskError, match="x1 has no task"):
        metrics.normalize_record({"model": "m", "episode_id": "x1", "info": {}})
    with pytest.raises(RecordError, match="has no model"):
        analyze([{"task": "combined", "info": {}}])
    with pytest.raises(RecordError, match="single dict"):
        analyze({"model": "m"})  # type: ignore[arg-type]
    with pytest.raises(RecordError, match="record 1 is a int"):
        analyze([record("m", "combined", 3, 0), 5])
    with pytest.raises(ValueError, match="mc_iterations must be at least 1, got 0"):
        analyze([], mc_iterations=0)
    with pytest.raises(ValueError, match="confidence"):
        analyze([], confidence=1.5)


def test_empty_input_gives_empty_tables_and_a_message() -> None:
    res = analyze([], **FAST)
    assert res.gd == () and res.usage == ()
    assert _codes(res) == ["no_composite_episodes"]


def test_seeded_reproducible_and_cells_independent() -> None:
    recs = subtasks("m", 3, range(4), evaluation_error=0.7, generated=2)
    recs += [composite("m", "cognitive_effort", s, H1 if s % 2 else H2, 7.0) for s in range(6)]
    other = [*subtasks("o", 3, range(4)), composite("o", "cognitive_effort", 1, H1, 6.0)]
    a = analyze(recs, seed=1, **FAST)
    b = analyze(recs + other, seed=1, **FAST)
    c = analyze(recs, seed=2, **FAST)
    row = a.gd_row("m", "cognitive_effort", 3)
    assert row == b.gd_row("m", "cognitive_effort", 3)
    assert row.ceiling != c.gd_row("m", "cognitive_effort", 3).ceiling


def test_aggregate_over_n_pools_episodes() -> None:
    recs = subtasks("m", 3, range(3)) + subtasks("m", 4, range(3))
    recs += [composite("m", "cognitive_effort", s, H1, 6.5) for s in range(3)]
    h4 = [5.0, 6.0, 7.0, 8.0]  # best split ad|bc = 13, mean over 7 splits computed below
    recs += [composite("m", "cognitive_effort", 9, h4, 13.0)]
    res = analyze(recs, **FAST)
    r3, r4 = res.gd_row("m", "cognitive_effort", 3), res.gd_row("m", "cognitive_effort", 4)
    pooled = res.gd_row("m", "cognitive_effort", "all")
    assert pooled.n_completed == 4
    assert pooled.actual == pytest.approx((3 * 6.5 + 13.0) / 4)
    assert pooled.baseline == pytest.approx((3 * r3.baseline + r4.baseline) / 4)
    assert pooled.ceiling == pytest.approx((3 * 7.0 + 13.0) / 4)
    expected = (pooled.actual - pooled.baseline) / (pooled.ceiling - pooled.baseline)
    assert pooled.gd == pytest.approx(expected)
    # first-tower heights of a|bcd, ab|cd, abc|d, abd|c, ac|bd, acd|b, ad|bc (total 26)
    splits = [5, 11, 18, 19, 12, 20, 13]
    assert r4.baseline == pytest.approx(sum(min(s, 26 - s) for s in splits) / 7)


def test_variant_falls_back_to_neutral_capabilities() -> None:
    recs = subtasks("m", 3, range(3))
    recs += [composite("m", "cognitive_effort", 1, H1, 7.0, variant="motivating")]
    res = analyze(recs, **FAST)
    row = res.gd_row("m", "cognitive_effort", 3, variant="motivating")
    assert row.gd == pytest.approx(1.0)
    assert "variant_capability_fallback" in _codes(res)


def test_usage_rows() -> None:
    recs = [
        record("m", "pick_configuration", 3, 0, ret=1.0, steps=4, invalid=1, cost=0.25),
        record("m", "pick_configuration", 3, 1, ret=3.0, steps=6, invalid=0, cost=None),
        record("m", "pick_configuration", 3, 2, completed=False, steps=10, invalid=4, cost=0.75),
    ]
    (row,) = analyze(recs, **FAST).usage
    assert row.n_episodes == 3 and row.n_completed == 2
    assert row.completion_rate == pytest.approx(2 / 3)
    assert row.mean_return == pytest.approx(2.0)
    assert row.invalid_action_rate == pytest.approx(5 / 20)
    assert row.mean_steps == pytest.approx(20 / 3)
    assert row.mean_input_tokens == 100 and row.mean_total_tokens == 120
    assert row.mean_cost_usd == pytest.approx(0.5) and row.total_cost_usd == pytest.approx(1.0)
    assert row.n_cost_unknown == 1


def test_measurements_standalone_vs_composite() -> None:
    recs = subtasks("m", 3, range(3))  # MeasureHeight: 7 readings of the target
    recs += [composite("m", "information_gathering", s, H1, 13.0, measurements=2) for s in range(2)]
    recs += [composite("m", "combined", 5, H1, 7.0, measurements=4)]
    rows = {(r.task, r.n_blocks): r for r in analyze(recs, **FAST).measurements}
    assert rows[("measure_height", "all")].mean_per_block == 7.0
    assert rows[("measure_height", "all")].setting == "standalone"
    assert rows[("information_gathering", 3)].mean_per_block == 2.0
    assert rows[("combined", "all")].mean_per_block == 4.0
    assert rows[("combined", "all")].setting == "composite"


def test_register_task_gd_for_a_new_environment() -> None:
    """A toy task: return = accuracy * 10; the ceiling uses the subtask accuracy."""

    def ceiling(inp: metrics.CeilingInput) -> Simulation:
        acc = float(np.mean(inp.capabilities["toy_accuracy"]))
        return Simulation(ceiling=np.full(len(inp.episodes), 10.0 * acc))

    register_task_gd(
        "toy_task",
        capabilities=[
            Capability("toy_accuracy", "toy_subtask", lambda ep: float(ep.info["correct"]))
        ],
        ceiling=ceiling,
        doc="toy",
    )
    try:
        recs = [
            record("t", "toy_subtask", 3, s, ret=0.0, correct=s % 4 != 0) for s in range(8)
        ]  # accuracy 0.75
        recs += [
            record("t", "toy_task", 3, s, ret=r, random_return=5.0, optimal_return=10.0)
            for s, r in enumerate([6.0, 7.0, 6.5])
        ]
        res = analyze(recs, **FAST)
        row = res.gd_row("t", "toy_task", 3)
        assert row.ceiling == pytest.approx(7.5) and row.baseline == 5.0
        assert row.gd == pytest.approx((6.5 - 5.0) / (7.5 - 5.0))
        cap = next(c for c in res.capabilities if c.capability == "toy_accuracy")
        assert cap.n_samples == 8 and cap.mean == pytest.approx(0.75)
    finally:
        metrics._tasks._TASKS.pop("toy_task")
        metrics._capabilities._CAPABILITIES.pop("toy_accuracy")


def test_register_task_gd_rejects_unknown_capabilities() -> None:
    with pytest.raises(metrics.UnknownCapabilityError, match="Did you mean 'pick_distance'"):
        register_task_gd("x", capabilities=["pick_distanse"], ceiling=lambda inp: None)
    assert "x" not in metrics.declared_tasks()
    with pytest.raises(metrics.UnknownTaskError, match="Did you mean 'combined'"):
        metrics.get_task_gd("combind")


def test_capability_rows() -> None:
    recs = subtasks("m", 3, range(4), height_error=0.5, pick=1)
    rows = {r.capability: r for r in analyze(recs, **FAST).capabilities}
    assert rows["height_error"].n_blocks == "all" and rows["height_error"].mean == 0.5
    assert rows["pick_distance"].n_blocks == 3 and rows["pick_distance"].histogram == {"1": 4}
    assert rows["evaluation_error"].sufficient and rows["execute_distance"].n_samples == 4


def test_select_and_normalize() -> None:
    eps = metrics.normalize_records(
        [*subtasks("m", 3, range(2)), composite("m", "combined", 1, H1, 7.0)]
    )
    assert len(metrics.select(eps, task="combined")) == 1
    assert len(metrics.select(eps, model="m", n_blocks=3, completed=True)) == 11
    ep = metrics.select(eps, task="combined")[0]
    assert ep.return_ == 7.0 and ep.n_blocks == 3 and math.isclose(ep.info["true_heights"]["c"], 7)


def test_pick_distances_fall_back_to_other_n() -> None:
    # pick episodes only at n=4 (distance 1); the n=3 cell borrows them, with a message
    recs = subtasks("m", 3, range(3), skip=("pick_configuration",))
    recs += [
        r for r in subtasks("m", 4, range(3), pick=1) if r["info"]["task"] == "pick_configuration"
    ]
    recs += [composite("m", "cognitive_effort", 1, H1, 7.0)]
    res = analyze(recs, **FAST)
    assert res.gd_row("m", "cognitive_effort", 3).ceiling == pytest.approx(5.5)
    assert "capability_pooled_over_n" in _codes(res)
    # generation has no such fallback: same n only
    recs = subtasks("m", 3, range(3), skip=("generate_configurations",)) + subtasks(
        "m", 4, range(3)
    )
    recs += [composite("m", "cognitive_effort", 1, H1, 7.0)]
    assert analyze(recs, **FAST).gd_row("m", "cognitive_effort", 3).ceiling is None


def test_synthetic_records_analyse_cleanly() -> None:
    agents = {
        "full": metrics.SyntheticAgent(composite_height_sd=0.3, composite_fraction=1.0),
        "lazy": metrics.SyntheticAgent(composite_height_sd=1.5, composite_fraction=0.3),
    }
    recs = metrics.synthetic_records(agents, n_blocks=(4,), seeds=range(60), rng=3)
    res = analyze(recs, **FAST)
    for task in ("information_gathering", "cognitive_effort", "combined"):
        full, lazy = res.gd_row("full", task), res.gd_row("lazy", task)
        assert full.gd is not None and lazy.gd is not None
        assert full.gd > lazy.gd, (task, full, lazy)
    json.dumps(res.to_dict(), allow_nan=False)


def test_records_without_a_task_are_left_out_with_a_message() -> None:
    # an episode whose env failed before its first step has no task: a message, not a crash
    recs = [*subtasks("m", 3, range(3)), composite("m", "cognitive_effort", 1, H1, 7.0)]
    recs.append({"model": "m", "episode_id": "broken", "info": {}, "stop_reason": "error"})
    res = analyze(recs, **FAST)
    assert res.gd_row("m", "cognitive_effort", 3).gd == pytest.approx(1.0)
    msg = next(m for m in res.messages if m.code == "record_without_task")
    assert "broken" in msg.text
