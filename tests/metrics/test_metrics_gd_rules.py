"""The rules around a GD number: when it is defined, the uncapped estimate, left-out episodes,
the two-level interval and what it resamples, capability intervals, streaming records."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from metrics_testkit import composite, record

import metrics
from metrics._calibration import CALIBRATION_AGENTS, calibration_records
from metrics._ceiling import CeilingInput

FAST = {"mc_iterations": 400, "n_resamples": 300}


def _codes(analysis: metrics.Analysis) -> list[str]:
    return [m.code for m in analysis.messages]


def _agents(*names: str) -> dict[str, metrics._calibration.CalibrationAgent]:
    return {name: CALIBRATION_AGENTS[name] for name in names}


@pytest.fixture(scope="module")
def block() -> metrics.Analysis:
    """40 seeds of the oracle, noisy and random-decision agents (generative process)."""
    recs = calibration_records(range(500, 540), agents=_agents("oracle", "noisy", "lazy(0.8)"))
    return metrics.analyze(recs, **FAST)


def _guessing_subtasks(model: str, seeds: range) -> list[dict]:
    """Subtask episodes of an agent that guesses: no better than the chance level reported."""
    rng = np.random.default_rng(7)
    out = []
    for s in seeds:
        h = float(5 + 5 * rng.random())
        guess = float(5 + 5 * rng.random())
        chance = -((h - 5) ** 2 + (10 - h) ** 2) / 10
        out.append(
            record(
                model, "measure_height", 3, s, ret=-abs(guess - h), target_true_height=h,
                measuring_error=guess - h, random_return=chance,
            )
        )  # fmt: skip
    return out


def test_gd_is_undefined_when_no_capability_beats_chance() -> None:
    seeds = range(60)
    recs = _guessing_subtasks("guesser", seeds)
    rng = np.random.default_rng(3)
    for s in seeds:
        h = list(5 + 5 * rng.random(3))
        recs.append(composite("guesser", "information_gathering", s, h, sum(sorted(h)[-2:])))
    res = metrics.analyze(recs, **FAST)
    row = res.gd_row("guesser", "information_gathering", 3)
    assert row.gd is None and row.gd_undefined_reason == "capabilities_at_chance"
    assert row.capabilities_at_chance == ["height_error"]
    assert "capabilities_at_chance" in _codes(res)
    cap = next(r for r in res.capabilities if r.model == "guesser")
    assert cap.beats_chance is False and cap.margin_ci_low is not None and cap.margin_ci_low <= 0


def test_measuring_beats_chance_even_with_few_readings(block: metrics.Analysis) -> None:
    # noisy takes 2 readings: its absolute error is about a guess's, but its estimates track
    # the true heights, which is what the ceiling uses
    cap = next(
        r for r in block.capabilities if r.model == "noisy" and r.capability == "height_error"
    )
    assert cap.beats_chance is True and cap.margin_over_chance is not None
    assert 0.2 < cap.margin_over_chance < 0.8  # the correlation of estimates with heights


def test_random_decisions_are_defined_with_real_capabilities() -> None:
    recs = calibration_records(range(40), agents=_agents("random+oracle"))
    res = metrics.analyze(recs, **FAST)
    for task in ("information_gathering", "cognitive_effort"):
        row = res.gd_row("random+oracle", task, 3)
        assert row.gd is not None and row.ci_low is not None
        assert row.ci_low <= 0.0 <= row.ci_high, row


def test_quickstart_random_agent_is_undefined_everywhere(tmp_path: Path) -> None:
    """scripted:random's own subtasks put its capabilities at chance (README's claim)."""
    import agents

    model = agents.make_model("scripted:random", seed=0)
    envs = {
        "information_gathering": "InformationGathering",
        "cognitive_effort": "CognitiveEffort",
        "measure_height": "MeasureHeight",
        "generate_configurations": "GenerateConfigurations",
        "evaluate_configuration": "EvaluateConfiguration",
        "pick_configuration": "PickConfiguration",
    }
    recs = [
        agents.run_episode(
            env_id=f"telic/{env}-v1",
            env_kwargs={"n_blocks": 3},
            seed=seed,
            model=model,
            model_spec="scripted:random",
        ).to_json_dict()
        for env in envs.values()
        for seed in range(10, 40)
    ]
    res = metrics.analyze(recs, **FAST)
    for task in ("information_gathering", "cognitive_effort"):
        for n in (3, "all"):
            row = res.gd_row("scripted:random", task, n)
            assert row.gd is None and row.gd_undefined_reason is not None, row


def test_uncapped_gd_and_the_above_ceiling_flag() -> None:
    """An agent that beats its own ceiling on every seed: capped GD 1, uncapped above 1, and
    the cell is flagged."""
    recs = []
    rng = np.random.default_rng(5)
    for s in range(60):
        h = list(5 + 5 * rng.random(3))
        err = float(rng.normal(0, 1.5))
        recs.append(
            record("m", "measure_height", 3, s, ret=-1.0, target_true_height=h[0],
                   measuring_error=err, random_return=-2.0)
        )  # fmt: skip
        recs.append(composite("m", "information_gathering", s, h, sum(sorted(h)[-2:])))
    res = metrics.analyze(recs, **FAST)
    row = res.gd_row("m", "information_gathering", 3)
    assert row.gd == 1.0 and row.gd_uncapped is not None and row.gd_uncapped > 1.05
    assert row.above_ceiling is True and "actual_above_ceiling" in _codes(res)
    assert row.gd_uncapped_ci_low is not None and row.gd_uncapped_ci_high is not None
    assert row.gd_uncapped_ci_high > 1.0  # the uncapped interval is not clipped
    assert row.ci_high is not None and row.ci_high <= 1.0


def test_left_out_episodes_are_counted_by_reason(block: metrics.Analysis) -> None:
    recs = calibration_records(range(600, 640), agents=_agents("oracle"))
    stops = {0: "truncated", 1: "budget_cost", 2: "error", 3: "truncated"}
    for r in recs:
        if r["task"] == "cognitive_effort" and r["seed"] - 600 in stops:
            r.update(completed=False, stop_reason=stops[r["seed"] - 600])
    res = metrics.analyze(recs, **FAST)
    row = res.gd_row("oracle", "cognitive_effort", 3)
    assert row.n_completed == 36 and row.completion_rate == pytest.approx(0.9)
    assert row.left_out == {"budget": 1, "error": 1, "step cap": 2}
    assert row.gd is not None and row.gd_incomplete_at_baseline == pytest.approx(0.9 * row.gd)
    low, high = row.gd_incomplete_at_baseline_ci_low, row.gd_incomplete_at_baseline_ci_high
    assert low is not None and high is not None
    # the bound counts the missing 10%: the oracle's own interval is the point 1 (every
    # completed episode reaches the ceiling), this one reaches well below 0.9
    assert row.ci_low == row.ci_high == 1.0
    assert low < 0.85 and low <= row.gd_incomplete_at_baseline <= high <= 1.0
    text = next(m.text for m in res.messages if m.code == "episodes_left_out")
    assert "4 of 40" in text and "2 step cap" in text and "1 budget" in text
    pooled = res.gd_row("oracle", "cognitive_effort", "all")
    assert pooled.left_out == row.left_out


def test_incomplete_subtask_episodes_are_reported() -> None:
    recs = calibration_records(range(40), agents=_agents("oracle"))
    for r in recs:
        if r["task"] == "pick_configuration" and r["seed"] < 5:
            r.update(completed=False, stop_reason="truncated")
    res = metrics.analyze(recs, **FAST)
    text = next(m.text for m in res.messages if m.code == "subtask_episodes_left_out")
    assert "5 pick_configuration" in text and "step cap" in text


def test_two_level_interval_includes_the_capability_uncertainty(block: metrics.Analysis) -> None:
    """noisy's ceiling rests on noisy capability samples: resampling them widens the interval
    beyond the one that holds them fixed; the oracle's capabilities have no spread."""
    row = block.gd_row("noisy", "combined", 3)
    assert row.ci_low is not None and row.paired_ci_low is not None
    assert row.ci_resamples == "ci"
    denom_width = row.ceiling_minus_baseline_ci_high - row.ceiling_minus_baseline_ci_low
    assert denom_width > 0
    assert row.ceiling_minus_baseline_ci_low <= row.ceiling_minus_baseline
    oracle = block.gd_row("oracle", "cognitive_effort", 3)
    assert (oracle.ci_low, oracle.ci_high) == (pytest.approx(1.0), pytest.approx(1.0))
    assert block.settings["intervals"]["ci"].startswith("two-level")


def test_capability_rows_have_intervals(block: metrics.Analysis) -> None:
    for cap in block.capabilities:
        assert cap.mean_ci_low is not None and cap.mean_ci_low <= cap.mean <= cap.mean_ci_high


def test_sensitivities_move_the_ceiling_like_a_resimulation() -> None:
    """The first-order capability shift the bootstrap uses has the spread of re-simulating the
    ceiling with resampled capability samples (the approximation the intervals rest on)."""
    recs = calibration_records(range(200, 240), agents=_agents("noisy"))
    eps = metrics.normalize_records(recs)
    table = metrics.capabilities(eps)
    rng = np.random.default_rng(0)
    for task in ("information_gathering", "plan_and_execute"):
        comp = tuple(e for e in eps if e.task == task)
        names = metrics.get_task_gd(task).capabilities
        caps = {c: table.get("noisy", "neutral", c, 3) for c in names}
        sim = metrics.get_task_gd(task).ceiling(
            CeilingInput(comp, 3, caps, 60, np.random.default_rng(1))
        )
        sens = {c: metrics._bootstrap.combine_sensitivity(sim.sensitivity[c]) for c in names}
        linear, direct = [], []
        for b in range(60):
            shift, resampled = 0.0, {}
            for c in names:
                k = caps[c].shape[0]
                idx = rng.integers(0, k, k)
                shift += float(((np.bincount(idx, minlength=k) - 1) * sens[c]).sum())
                resampled[c] = caps[c][idx]
            linear.append(shift)
            res = metrics.simulate_ceiling(task, comp, resampled, mc_iterations=6000, rng=b)
            direct.append(res.ceiling.mean())
        assert np.std(linear) == pytest.approx(np.std(direct), rel=0.35), task


def test_records_stream_from_a_file(tmp_path: Path) -> None:
    recs = calibration_records(range(20), agents=_agents("oracle"))
    path = tmp_path / "episodes.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs) + "\n")
    streamed = metrics.analyze(metrics.read_records(tmp_path), **FAST)
    whole = metrics.analyze(recs, **FAST)
    assert streamed.to_dict() == whole.to_dict()
    path.write_text("{not json\n")
    with pytest.raises(metrics.RecordError, match=r"episodes\.jsonl:1"):
        list(metrics.read_records(path))
