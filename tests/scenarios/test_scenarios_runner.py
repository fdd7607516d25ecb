"""The runner with a fake executor: recording, resume, errors, sequences, concurrency."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest
from conftest import FakeExecutor, scenario_data

from scenarios import OutputFolderError, expand, read_episodes, read_manifest, run_plan
from scenarios._load import scenario_from_dict
from scenarios._runner import RUN_GC_THRESHOLDS


def plan_of(**changes: object):
    return expand(scenario_from_dict(scenario_data(**changes)))


def test_every_episode_is_recorded_once_with_its_cell(tmp_path: Path) -> None:
    plan = plan_of(variants=["neutral", "motivating"])
    executor = FakeExecutor()
    stats = run_plan(plan, tmp_path, executor, progress=False)
    records = read_episodes(tmp_path).records
    assert stats.status == "completed" and stats.finished == len(plan.episodes) == 12
    assert sorted(r["episode_id"] for r in records) == sorted(e.episode_id for e in plan.episodes)
    by_id = {e.episode_id: e for e in plan.episodes}
    for r in records:
        assert r["variant"] == by_id[r["episode_id"]].variant
        assert r["extra"]["scenario"] == "tiny"
    manifest = read_manifest(tmp_path)
    assert manifest is not None
    assert manifest["status"] == "completed" and manifest["scenario_hash"] == plan.scenario_hash
    assert manifest["runs"][-1]["episodes_played"] == 12 and executor.closed


def test_resume_plays_only_the_missing_episodes(tmp_path: Path) -> None:
    plan = plan_of()
    run_plan(plan, tmp_path, FakeExecutor(), progress=False)
    lines = (tmp_path / "episodes.jsonl").read_text().splitlines()
    (tmp_path / "episodes.jsonl").write_text("\n".join(lines[:2]) + "\n")
    again = FakeExecutor()
    stats = run_plan(plan, tmp_path, again, resume=True, progress=False)
    assert stats.skipped == 2 and stats.finished == len(plan.episodes) - 2
    assert len(again.calls) == len(plan.episodes) - 2
    assert len(read_episodes(tmp_path).records) == len(plan.episodes)
    assert len(read_manifest(tmp_path)["runs"]) == 2


def test_same_scenario_without_resume_is_refused_before_writing(tmp_path: Path) -> None:
    plan = plan_of()
    run_plan(plan, tmp_path, FakeExecutor(), progress=False)
    before = (tmp_path / "manifest.json").read_bytes()
    executor = FakeExecutor()
    with pytest.raises(OutputFolderError, match="--resume"):
        run_plan(plan, tmp_path, executor, progress=False)
    with pytest.raises(OutputFolderError, match="another scenario"):
        run_plan(plan_of(seeds=[1]), tmp_path, executor, resume=True, progress=False)
    assert (tmp_path / "manifest.json").read_bytes() == before and not executor.calls


def test_a_failing_episode_is_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    plan = plan_of()
    stats = run_plan(plan, tmp_path, FakeExecutor(fail_seeds=[11]), progress=False)
    records = read_episodes(tmp_path).records
    failed = [r for r in records if r["stop_reason"] == "error"]
    assert len(records) == 6 and stats.errors == len(failed) == 2
    assert all(r["seed"] == 11 for r in failed)
    assert "provider exploded on seed 11" in failed[0]["errors"][0]["message"]
    assert {r["task"] for r in failed} == {"measure_height", "evaluate_configuration"}
    # --retry-errors plays the failed ones again; the new record replaces the old
    stats = run_plan(plan, tmp_path, FakeExecutor(), resume=True, retry_errors=True, progress=False)
    assert stats.finished == 2
    assert all(r["stop_reason"] != "error" for r in read_episodes(tmp_path).records)


def test_concurrency_limit_is_respected(tmp_path: Path) -> None:
    plan = plan_of(seeds={"start": 0, "count": 10})
    executor = FakeExecutor(delay_s=0.01)
    run_plan(plan, tmp_path, executor, concurrency=3, progress=False)
    assert executor.max_in_flight == 3


SEQUENCE = {
    "envs": [],
    "sequences": [
        {
            "name": "s",
            "tasks": [
                "telic/MeasureHeight-v1",
                "telic/GenerateConfigurations-v1",
                "telic/PickConfiguration-v1",
            ],
        }
    ],
}


def test_sequence_episodes_continue_the_whole_conversation(tmp_path: Path) -> None:
    plan = plan_of(**SEQUENCE, seeds=[1, 2])
    executor = FakeExecutor()
    run_plan(plan, tmp_path, executor, progress=False)
    priors = {spec.episode_id: prior for spec, prior in executor.calls}
    records = {r["episode_id"]: r for r in read_episodes(tmp_path).records}
    for chain in plan.chains:
        a, b, c = chain.episodes
        assert priors[a.episode_id] == []
        assert [m.content for m in priors[b.episode_id]] == [
            m["content"] for m in records[a.episode_id]["transcript"]
        ]
        assert [m.content for m in priors[c.episode_id]] == [
            m["content"] for e in (a, b) for m in records[e.episode_id]["transcript"]
        ]
        assert records[c.episode_id]["group"] == a.group
        assert records[c.episode_id]["extra"]["position"] == 2


def test_resume_in_the_middle_of_a_sequence_rebuilds_the_conversation(tmp_path: Path) -> None:
    plan = plan_of(**SEQUENCE, seeds=[1])
    run_plan(plan, tmp_path, FakeExecutor(), progress=False)
    path = tmp_path / "episodes.jsonl"
    kept = [json.loads(line) for line in path.read_text().splitlines()][:2]
    path.write_text("".join(json.dumps(r) + "\n" for r in kept))
    executor = FakeExecutor()
    run_plan(plan, tmp_path, executor, resume=True, progress=False)
    [(spec, prior)] = executor.calls
    assert spec.position == 2
    assert [m.content for m in prior] == [m["content"] for r in kept for m in r["transcript"]]


def test_a_failed_task_ends_its_sequence_with_error_records(tmp_path: Path) -> None:
    plan = plan_of(**SEQUENCE, seeds=[1, 2])
    executor = FakeExecutor(fail_seeds=[2])
    stats = run_plan(plan, tmp_path, executor, progress=False)
    records = read_episodes(tmp_path).records
    assert len(records) == 6 and stats.errors == 3
    failed = sorted((r for r in records if r["seed"] == 2), key=lambda r: r["extra"]["position"])
    assert "provider exploded" in failed[0]["errors"][0]["message"]
    assert all("not played" in r["errors"][0]["message"] for r in failed[1:])
    assert sum(1 for spec, _ in executor.calls if spec.seed == 2) == 1


def test_progress_bar_reports_episodes_errors_and_tokens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_plan(plan_of(), tmp_path, FakeExecutor(fail_seeds=[12]), progress=True)
    err = capsys.readouterr().err
    assert "episodes" in err and "6/6" in err and "errors 2" in err and "ETA" in err
    run_plan(plan_of(), tmp_path / "quiet", FakeExecutor(), progress=None)
    assert capsys.readouterr().err == ""  # not a terminal: no bar


class _CollectorSpy(FakeExecutor):
    """Notes the garbage collector's settings while episodes play."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.seen: list[tuple[tuple[int, ...], int]] = []

    async def play(self, spec, prior):  # type: ignore[no-untyped-def]
        self.seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return await super().play(spec, prior)


def test_the_collector_is_tuned_during_the_run_and_restored_after(tmp_path: Path) -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    spy = _CollectorSpy()
    stats = run_plan(plan_of(), tmp_path / "a", spy, progress=False)
    assert stats.status == "completed"
    # while episodes played: what was alive before the run was frozen, young collections rarer
    assert {threshold for threshold, _ in spy.seen} == {RUN_GC_THRESHOLDS}
    assert all(frozen > 1000 for _, frozen in spy.seen)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    # an interrupted run restores it too
    stopped = run_plan(
        plan_of(), tmp_path / "b", _CollectorSpy(), progress=False,
        stop_when=lambda _record, _stats: "enough",
    )  # fmt: skip
    assert stopped.status == "stopped"
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_objects_frozen_by_the_caller_are_left_as_they_are(tmp_path: Path) -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        spy = _CollectorSpy()
        run_plan(plan_of(), tmp_path, spy, progress=False)
        assert {threshold for threshold, _ in spy.seen} == {gc.get_threshold()}
        # still frozen (the count only drops by frozen objects that were freed)
        assert frozen // 2 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
