"""metrics.analyze with worker processes gives the single-process analysis, to the bit.

The records of an ``episodes.jsonl`` are read in parts of the file by forked workers and merged
in file order; the rows of the (model, variant) blocks, the capability and the measurement rows
are spread over the workers. Every test compares ``Analysis.to_dict()`` (as JSON text, so that
float bits and key order count) with ``workers=1``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_metrics_intake import _mixed
from test_metrics_scale import REFERENCE, _agent

import metrics
from metrics import AnalysisWorkerError, RecordError
from metrics._analysis import _Composites
from metrics._capabilities import CapabilityCollector
from metrics._synthetic import synthetic_records

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="worker processes fork (Linux only)"
)
FAST = {"mc_iterations": 300, "n_resamples": 200}


def _text(analysis: metrics.Analysis) -> str:
    return json.dumps(analysis.to_dict(), sort_keys=True)


def _write(path: Path, records: list[Any], blank_every: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for i, r in enumerate(records):
            fh.write(json.dumps(r) + "\n")
            if blank_every and i % blank_every == 0:
                fh.write("\n")
    return path


def _grid() -> list[dict[str, Any]]:
    """The intake tests' mixed grid (two models, two variants, incomplete and oddly typed
    records), plus records without a task and wall times whose sum depends on its order."""
    recs = _mixed()
    for i, r in enumerate(recs):
        r["wall_time_s"] = 0.1 + 1e-3 * ((i * 7919) % 1000) if i % 23 else r["wall_time_s"]
    for i in (3, 150, 290, len(recs) - 5):
        recs[i] = {**recs[i], "task": None, "info": {}, "episode_id": ""}
    return recs


@pytest.fixture(scope="module")
def grid_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("grid") / "episodes.jsonl", _grid(), blank_every=9)


@pytest.fixture(scope="module")
def sequential(grid_file: Path) -> str:
    return _text(metrics.analyze(metrics.read_records(grid_file), workers=1, **FAST))


@pytest.mark.parametrize("workers", [2, 3, 5])
def test_workers_give_the_single_process_analysis(
    grid_file: Path, sequential: str, workers: int
) -> None:
    parallel = metrics.analyze(metrics.read_records(grid_file), workers=workers, **FAST)
    assert _text(parallel) == sequential
    codes = {m.code for m in parallel.messages}
    assert {"record_without_task", "episodes_left_out", "subtask_episodes_left_out"} <= codes
    assert {r.variant for r in parallel.gd} == {"neutral", "motivating"}
    # the records without a task are named by their index in the file (blank lines skipped)
    skipped = [m.text for m in parallel.messages if m.code == "record_without_task"]
    assert len(skipped) == 4 and skipped[-1].startswith(f"record #{len(_grid()) - 5} ")


def test_a_list_and_a_started_file_are_analysed_alike(grid_file: Path, sequential: str) -> None:
    """Records not from a fresh file are taken in here; the rows are still spread."""
    records = list(metrics.read_records(grid_file))
    assert _text(metrics.analyze(records, workers=3, **FAST)) == sequential
    started = metrics.read_records(grid_file)
    first = next(started)
    assert started.started
    rest = metrics.analyze([first, *started], workers=2, **FAST)
    assert _text(rest) == sequential


def test_the_pinned_reference_grid(tmp_path: Path) -> None:
    agents = {f"synthetic:m{i}": _agent(i) for i in (0, 3, 6)}
    records = synthetic_records(agents, n_blocks=(3, 4), seeds=range(10, 50), rng=0)
    path = _write(tmp_path / "episodes.jsonl", records)
    one = metrics.analyze(records, mc_iterations=2000, n_resamples=1000, seed=0, workers=1)
    two = metrics.analyze(
        metrics.read_records(path), mc_iterations=2000, n_resamples=1000, seed=0, workers=2
    )
    assert _text(two) == _text(one)
    new = json.loads(json.dumps(two.to_dict()))
    assert new["messages"] == REFERENCE["1000"]["messages"]
    assert new["usage"] == REFERENCE["1000"]["usage"]


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "2"])
def test_workers_must_be_a_positive_whole_number(workers: Any) -> None:
    with pytest.raises(ValueError, match="workers must be a whole number"):
        metrics.analyze([], workers=workers)


def test_a_worker_that_dies_is_an_error(grid_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from metrics import _intake

    parent = os.getpid()

    def die(*args: Any) -> Any:
        if os.getpid() != parent:
            os._exit(3)
        raise AssertionError("the first part is read by the parent")

    monkeypatch.setattr(_intake, "_take_part", die)
    with pytest.raises(AnalysisWorkerError, match=r"exited with status 3.*workers=1"):
        metrics.analyze(metrics.read_records(grid_file), workers=2, **FAST)


def test_a_worker_killed_while_computing_rows_is_an_error(
    grid_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics import _analysis

    parent, block_rows = os.getpid(), _analysis._block_rows

    def killed(*args: Any) -> Any:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)
        return block_rows(*args)

    monkeypatch.setattr(_analysis, "_block_rows", killed)
    with pytest.raises(AnalysisWorkerError, match="killed by signal SIGKILL"):
        metrics.analyze(metrics.read_records(grid_file), workers=2, **FAST)


def test_an_error_in_a_workers_part_is_the_single_process_error(tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in _grid()]
    lines[-3] = "{not json"
    path = tmp_path / "episodes.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RecordError) as one:
        metrics.analyze(metrics.read_records(path), workers=1, **FAST)
    with pytest.raises(RecordError) as two:
        metrics.analyze(metrics.read_records(path), workers=2, **FAST)
    assert str(two.value) == str(one.value)
    assert f"episodes.jsonl:{len(lines) - 2} is not valid JSON" in str(one.value)


def test_merged_composite_stores_are_the_sequential_store() -> None:
    """A part whose first episode fixed a different column shape, and episodes without the
    columns, merge into what one store taking every episode holds."""
    shapes = [
        {"true_heights": {"a": 1.0, "b": 2.0}},
        {"true_heights": {"b": 2.5, "a": 1.5}},
        {"true_heights": {"a": 3.0, "b": 4.0}},
        {"true_heights": {}},
        {"other": 1},
        {"true_heights": {"a": 5.0, "b": 6}},
    ]
    episodes = [(seed, seed % 3 != 0, 0.5 * seed, "terminated", f"e{seed}", info)
                for seed, info in enumerate(shapes * 3)]  # fmt: skip
    for cut in range(len(episodes) + 1):
        whole, first, second = (_Composites(("true_heights",)) for _ in range(3))
        for ep in episodes:
            whole.add_fields(*ep)
        for ep in episodes[:cut]:
            first.add_fields(*ep)
        for ep in episodes[cut:]:
            second.add_fields(*ep)
        first.merge(second)
        key = ("m", "neutral", "t", 2)
        assert first.episodes(key) == whole.episodes(key), cut
        # the same episodes in the columns (marshalled bytes may differ in reference flags)
        columnar = [blob is None for blob in whole.infos]
        assert [blob is None for blob in first.infos] == columnar, cut
        assert (first.shape, first.numbers) == (whole.shape, whole.numbers), cut


def test_merged_capability_collectors_are_the_sequential_collector() -> None:
    """Samples whose shape changes between the parts (scalars, then tuples, then mixed)."""
    from metrics import Capability

    samples: list[Any] = [1.0, 2.0, (1.0, 2.0), 3, (4.0, 5.0), (6.0, 7.0, 8.0), 9.0]
    cap = Capability("shape_probe", "probe_task", lambda ep: ep.info["x"], per_n=False)

    class Ep:
        def __init__(self, x: Any) -> None:
            self.info = {"x": x, "random_return": 0.5}

    for order in (samples, samples[2:] + samples[:2], samples[::-1]):
        for cut in range(len(order) + 1):
            whole, first, second = (CapabilityCollector([cap]) for _ in range(3))
            for target, part in ((whole, order), (first, order[:cut]), (second, order[cut:])):
                for seed, x in enumerate(part):
                    target.add_completed([cap], Ep(x), "m", "neutral", 3, seed, 1.0)
            first.merge(second.parts())
            key = ("m", "neutral", "shape_probe", None)
            assert first._ragged == whole._ragged, (order, cut)
            assert first._width == whole._width, (order, cut)
            if key not in whole._ragged:
                got, expected = first.table().details[key], whole.table().details[key]
                assert np.array_equal(got.values, expected.values), (order, cut)
                assert np.array_equal(got.clusters, expected.clusters), (order, cut)


def test_read_records_names_its_file_and_closes(tmp_path: Path) -> None:
    path = _write(tmp_path / "episodes.jsonl", _grid()[:3])
    stream = metrics.read_records(tmp_path)
    assert isinstance(stream, metrics.RecordFile) and stream.path == path
    assert not stream.started and next(stream)["model"]
    stream.close()
    with pytest.raises(StopIteration):
        next(stream)


def test_small_inputs_stay_in_one_process(
    grid_file: Path, sequential: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics import _workers

    def no_fork(*args: Any) -> Any:
        raise AssertionError("forked for a small input")

    monkeypatch.setattr(_workers.Workers, "start", no_fork)
    assert _text(metrics.analyze(metrics.read_records(grid_file), **FAST)) == sequential


def test_an_error_in_a_workers_rows_is_the_single_process_error(
    grid_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics import _analysis

    block_rows = _analysis._block_rows

    def failing(ctx: Any, tasks: Any, cells: Any, keys: list[Any]) -> Any:
        if keys[0][0] == "synthetic:b":
            raise RuntimeError(f"block {keys[0][:2]} failed")
        return block_rows(ctx, tasks, cells, keys)

    monkeypatch.setattr(_analysis, "_block_rows", failing)
    errors = []
    for workers in (1, 2, 3):
        with pytest.raises(RuntimeError, match="failed") as caught:
            metrics.analyze(metrics.read_records(grid_file), workers=workers, **FAST)
        errors.append(str(caught.value))
    assert errors == ["block ('synthetic:b', 'motivating') failed"] * 3


def test_a_refused_fork_leaves_the_work_to_this_process(
    grid_file: Path, sequential: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    assert _text(metrics.analyze(metrics.read_records(grid_file), workers=2, **FAST)) == sequential
