"""A small version of benchmarks/bench_gd_calibration.py, and the checks that make its batched
path trustworthy.

* The batched study (``metrics._calibration.draw_blocks``, ``block_cells`` and
  ``metrics._bootstrap.batch_interval``) gives, block by block, the GD and the intervals of
  every construction that ``metrics.analyze`` reports on the same records with the same seed.
* ``draw_blocks`` draws from the same generative process as ``episode`` (one at a time).
* Coverage over independent seed blocks: the default interval covers the true GD for agents
  whose capability estimates are noisy (``noisy``) or whose GD is well inside (0, 1)
  (``lazy(0.5)``), on IG and Combined, where the ceiling rests on sampled height errors.

Everything is seeded: the same numbers on every run.
"""

from __future__ import annotations

import numpy as np
import pytest

import metrics
from metrics import _analysis
from metrics import _bootstrap as bs
from metrics._calibration import (
    CALIBRATION_AGENTS,
    as_record,
    block_cells,
    draw_blocks,
    episode,
    population_gd,
)
from metrics._records import normalize_record
from metrics._synthetic import COMPOSITES, SUBTASKS


def _intervals(cell, method: str) -> tuple[float, float]:
    low, high = bs.batch_interval(
        cell.raw[None],
        np.array([cell.estimate]),
        0.95,
        method,
        jack=cell.jack[None],
        jack_strata=cell.jack_strata,
        n_clusters=cell.n_clusters,
        n_strata=cell.n_strata,
        clip_high=1.0,
    )
    return float(low[0]), float(high[0])


@pytest.mark.parametrize("block", range(3))
def test_batched_blocks_give_what_analyze_gives_on_their_records(block: int) -> None:
    episodes = draw_blocks(5_000 + 40 * block, 40, 1, stream=(99, block))[0]
    cells = block_cells(episodes, mc_iterations=600, n_resamples=400, seed=block)
    _analysis._interval_log = []
    try:
        analysis = metrics.analyze(
            [as_record(e) for e in episodes], mc_iterations=600, n_resamples=400, seed=block
        )
        log = dict(_analysis._interval_log)
    finally:
        _analysis._interval_log = None
    rows = [r for r in analysis.gd if r.n_blocks == 3]
    assert len(rows) == len(cells) == len(CALIBRATION_AGENTS) * len(COMPOSITES)
    defined = 0
    for row in rows:
        cell = cells[(row.model, row.task, 3)]
        assert cell.gd == row.gd, (row.model, row.task)
        if row.gd is None:
            continue
        defined += 1
        assert cell.estimate == row.gd_uncapped
        for method in bs.METHODS:
            expected = log[(row.model, row.variant, row.task, 3)][method]
            assert _intervals(cell, method) == pytest.approx(expected, abs=1e-12), method
        assert _intervals(cell, bs.DEFAULT_METHOD) == pytest.approx(
            (row.ci_low, row.ci_high), abs=1e-12
        )
        paired = np.quantile(cell.paired[np.isfinite(cell.paired)], [0.025, 0.975])
        assert (paired[0], min(paired[1], 1.0)) == pytest.approx(
            (row.paired_ci_low, row.paired_ci_high), abs=1e-12
        )
    assert defined >= 15


def test_drawn_episodes_are_what_normalize_record_makes_of_their_records() -> None:
    episodes = draw_blocks(10, 5, 2, stream=(1,))
    assert [len(block) for block in episodes] == [5 * 5 * 9] * 2
    for ep in episodes[1][::17]:
        assert normalize_record(as_record(ep)).__dict__ == ep.__dict__
    # blocks hold their own seeds
    assert {e.seed for e in episodes[0]} == set(range(10, 15))
    assert {e.seed for e in episodes[1]} == set(range(15, 20))


def test_vectorised_draws_follow_the_one_at_a_time_process() -> None:
    n = 500
    drawn = draw_blocks(0, n, 1, stream=(3,))[0]
    worst = 0.0
    for model, agent in CALIBRATION_AGENTS.items():
        for task in COMPOSITES + SUBTASKS:
            a = np.array([e.return_ for e in drawn if e.model == model and e.task == task])
            b = np.array([episode(model, agent, task, s, 3)["return"] for s in range(n)])
            se = np.sqrt(a.var() / n + b.var() / n)
            if se == 0:
                assert a.mean() == b.mean(), (model, task)
                continue
            worst = max(worst, abs(a.mean() - b.mean()) / se)
    # 45 comparisons of two independent samples: |z| above 4 would be a different process
    assert worst < 4.0


def test_the_oracle_where_actual_equals_the_ceiling_gets_the_interval_one_one() -> None:
    oracle = {"oracle": CALIBRATION_AGENTS["oracle"]}
    episodes = draw_blocks(700, 40, 1, stream=(5,), agents=oracle)[0]
    analysis = metrics.analyze([as_record(e) for e in episodes], mc_iterations=600)
    for row in analysis.gd:
        if row.task in ("cognitive_effort", "plan_and_execute"):
            assert (row.gd, row.ci_low, row.ci_high) == (1.0, 1.0, 1.0), row.task


TASKS = ("information_gathering", "combined")
AGENTS = ("noisy", "lazy(0.5)")
REPLICATES, SIZE = 120, 40


@pytest.fixture(scope="module")
def coverage() -> dict[tuple[str, str], tuple[int, int]]:
    truths = {
        (model, task): value["gd"]
        for model in AGENTS
        for task, value in population_gd(
            model, TASKS, n_seeds=3000, mc_iterations=30_000, vectorised=True
        ).items()
    }
    agents = {name: CALIBRATION_AGENTS[name] for name in AGENTS}
    tasks = (*TASKS, *SUBTASKS)
    blocks = draw_blocks(50_000, SIZE, REPLICATES, stream=(17,), agents=agents, tasks=tasks)
    out: dict[tuple[str, str], list[int]] = {}
    for r, episodes in enumerate(blocks):
        for (model, task, _), cell in block_cells(
            episodes, mc_iterations=500, n_resamples=500, seed=r
        ).items():
            tally = out.setdefault((model, task), [0, 0])
            if cell.gd is None:
                continue
            low, high = _intervals(cell, bs.DEFAULT_METHOD)
            tally[0] += low <= truths[(model, task)] <= high
            tally[1] += 1
    return {key: (hits, n) for key, (hits, n) in out.items()}


@pytest.mark.parametrize("model", AGENTS)
@pytest.mark.parametrize("task", TASKS)
def test_default_interval_covers_the_truth(
    coverage: dict[tuple[str, str], tuple[int, int]], model: str, task: str
) -> None:
    hits, n = coverage[(model, task)]
    assert n >= REPLICATES * 0.9  # GD is defined in most blocks of 40 seeds
    # 120 replicates: a calibrated 95% interval covers at least 88% of them with
    # probability above 0.999
    assert hits >= 0.88 * n, (hits, n)
