"""metrics.analyze's two ways of taking records in give the same analysis.

Dicts of the usual shape are read field by field without an Episode per record
(``metrics._intake``); Episode objects, and dicts whose fields need converting, go through
``normalize_record``. Feeding the same records as Episode objects (all the plain way) must give
the same ``Analysis``, to the bit.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import numpy as np
import pytest

import metrics
from metrics import Capability, Simulation, register_task_gd
from metrics._intake import RecordIntake, _fields
from metrics._synthetic import SyntheticAgent, synthetic_records


def _mixed() -> list[dict[str, Any]]:
    """Two models, n_blocks 3 and 4 (and 5 for one), two variants, with incomplete,
    height-less and oddly typed records among the usual ones."""
    agents = {
        "synthetic:a": SyntheticAgent(height_sd=0.3, composite_fraction=0.9, slip=0.05),
        "synthetic:b": SyntheticAgent(height_sd=0.6, generate_fraction=0.8, pick_error=0.1),
    }
    recs = synthetic_records(agents, n_blocks=(3, 4), seeds=range(10, 22), rng=3)
    recs += synthetic_records(
        {"synthetic:a": agents["synthetic:a"]}, n_blocks=(5,), seeds=range(10, 16), rng=4
    )
    recs = copy.deepcopy(recs)
    for i, r in enumerate(recs):
        if i % 5 == 1:
            r["variant"] = "motivating"
        if i % 11 == 2:  # incomplete (subtasks and composites)
            r["completed"] = False
            r["return"] = None
            r["stop_reason"] = "truncated"
        if i % 13 == 4:
            r["stop_reason"] = "terminated"
        if i % 17 == 5 and "true_heights" in r["info"]:
            del r["info"]["true_heights"]
        if i % 19 == 6:
            r["cost_usd"] = 0.25
    # the plain way: fields in other places or of other types
    odd = [
        ("seed", "12"),
        ("return", 3),
        ("wall_time_s", None),
        ("cost_usd", 1),
        ("steps", 4.0),
        ("episode_id", 7),
        ("stop_reason", 0),
    ]
    for j, (field, value) in enumerate(odd):
        recs[40 + 37 * j][field] = value
    recs[300]["n_blocks"] = None  # taken from info["n_blocks"]
    del recs[301]["task"]  # taken from info["task"]
    del recs[302]["usage"]
    recs[303]["usage"]["input_tokens"] = None
    recs[304]["info"]["invalid_actions"] = 2
    return recs


def test_fields_are_those_of_normalize_record_or_none() -> None:
    recs = _mixed()
    taken = 0
    for r in recs:
        got = _fields(r)
        if got is None:
            continue
        taken += 1
        ep = metrics.normalize_record(r)
        expected = (
            ep.model,
            ep.task,
            ep.n_blocks,
            ep.seed,
            ep.completed,
            ep.return_,
            ep.info,
            ep.variant,
            ep.steps,
            ep.invalid_actions,
            ep.input_tokens,
            ep.output_tokens,
            ep.total_tokens,
            ep.cost_usd,
            ep.wall_time_s,
        )
        assert got == expected
        assert [type(x) for x in got] == [type(x) for x in expected]
    assert taken > 0.9 * len(recs)
    for i in (40, 77, 114, 151, 188, 300, 301):
        assert _fields(recs[i]) is None, i


def test_records_and_episodes_give_the_same_analysis() -> None:
    recs = _mixed()
    fast = metrics.analyze(recs, mc_iterations=300, n_resamples=200)
    plain = metrics.analyze(
        [metrics.normalize_record(r, i) for i, r in enumerate(recs)],
        mc_iterations=300,
        n_resamples=200,
    )
    assert json.dumps(fast.to_dict(), sort_keys=True) == json.dumps(plain.to_dict(), sort_keys=True)
    codes = {m.code for m in fast.messages}
    assert {"episodes_left_out", "subtask_episodes_left_out", "capability_unavailable"} <= codes
    assert {r.variant for r in fast.gd} == {"neutral", "motivating"}
    assert {r.n_blocks for r in fast.gd} == {3, 4, 5, "all"}


def test_the_usual_records_take_the_field_by_field_way() -> None:
    recs = synthetic_records(
        {"synthetic:a": SyntheticAgent()}, n_blocks=(3,), seeds=range(5), rng=0
    )
    intake = RecordIntake(metrics._tasks.declared_tasks(), lambda decl: _Store())
    plain: list[Any] = []
    intake.add_episode = plain.append  # type: ignore[method-assign]
    for i, r in enumerate(recs):
        intake.add(r, i)
    # only the incomplete subtask episodes, kept whole for their message
    subtasks = {cap.subtask for cap in metrics.declared_capabilities().values()}
    assert intake.cells and len(plain) < len(recs) // 10
    assert [ep.episode_id for ep in plain] == [
        r["episode_id"] for r in recs if r["task"] in subtasks and not r["completed"]
    ]


class _Store:
    def add_fields(self, *fields: Any) -> None:
        pass


def test_tasks_that_need_whole_episodes_take_the_plain_way() -> None:
    """A scorer that reads more than ``info``, and a composite task without ``info_keys``."""
    register_task_gd(
        "intake_probe",
        capabilities=[
            Capability("intake_probe_skill", "intake_probe_sub", lambda ep: float(ep.seed))
        ],
        ceiling=lambda inp: Simulation(ceiling=np.full(len(inp.episodes), 5.0)),
        baseline=lambda eps, n: np.zeros(len(eps)),
        optimum=lambda eps, n: np.full(len(eps), 10.0),
    )
    base = {"model": "m", "n_blocks": 3, "completed": True, "info": {}, "wall_time_s": 0.0}
    recs = [{**base, "task": "intake_probe_sub", "seed": s, "return": 1.0} for s in range(5)]
    recs += [{**base, "task": "intake_probe", "seed": s, "return": 2.0} for s in range(5)]
    assert all(_fields(r) is not None for r in recs)
    intake = RecordIntake(metrics._tasks.declared_tasks(), lambda decl: _Store())
    plain: list[Any] = []
    intake.add_episode = plain.append  # type: ignore[method-assign]
    for i, r in enumerate(recs):
        intake.add(r, i)
    assert [ep.seed for ep in plain] == [0, 1, 2, 3, 4] * 2
    analysis = metrics.analyze(recs, mc_iterations=20, n_resamples=50)
    assert analysis.gd_row("m", "intake_probe", 3).ceiling == pytest.approx(5.0)
    skill = next(c for c in analysis.capabilities if c.capability == "intake_probe_skill")
    assert skill.mean == 2.0  # the mean seed: the scorer read the episode's seed
