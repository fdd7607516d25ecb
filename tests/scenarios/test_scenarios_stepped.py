"""Stepped context with the real agents: one conversation across a sequence's tasks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_scenario

from scenarios.cli import run_cli

CONTINUED = "You are still in the same environment."


def load(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "episodes.jsonl").read_text().splitlines()]


def first_observation(record: dict) -> str:
    return next(m["content"] for m in record["transcript"] if m["role"] == "user")


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    return write_scenario(
        tmp_path,
        envs=["telic/MeasureHeight-v1"],
        sequences=[
            {
                "name": "steps",
                "tasks": [
                    {"id": "telic/MeasureHeight-v1", "kwargs": {"target_block": "a"}},
                    {"id": "telic/MeasureHeight-v1", "kwargs": {"target_block": "b"}},
                    "telic/GenerateConfigurations-v1",
                    "telic/PickConfiguration-v1",
                ],
            }
        ],
        seeds=[1, 2],
    )


def chains(records: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for r in records:
        if r["group"]:
            groups.setdefault(r["group"], []).append(r)
    return {g: sorted(rs, key=lambda r: r["extra"]["position"]) for g, rs in groups.items()}


def test_later_tasks_continue_the_conversation(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-report"]) == 0
    records = load(out)
    fresh = [r for r in records if not r["group"]]
    assert len(fresh) == 2 and not any(CONTINUED in first_observation(r) for r in fresh)
    groups = chains(records)
    assert len(groups) == 2
    for chain in groups.values():
        assert [r["task"] for r in chain] == [
            "measure_height",
            "measure_height",
            "generate_configurations",
            "pick_configuration",
        ]
        assert "continued" not in chain[0]["env_kwargs"]
        assert "prior_messages" not in chain[0]["extra"]
        for k, record in enumerate(chain[1:], start=1):
            assert record["env_kwargs"]["continued"] is True
            assert first_observation(record).startswith(CONTINUED)
            earlier = sum(len(r["transcript"]) for r in chain[:k])
            assert record["extra"]["prior_messages"] == earlier
            assert record["extra"]["previous_id"] == chain[k - 1]["episode_id"]
        assert all(r["completed"] for r in chain)


def test_resuming_inside_a_sequence_replays_the_same_conversation(
    scenario: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run_cli(["run", str(scenario), "--out", str(out), "--no-report"]) == 0
    full = {r["episode_id"]: r for r in load(out)}
    chain = next(iter(chains(list(full.values())).values()))
    dropped = {r["episode_id"] for r in chain[2:]}
    kept = [r for r in full.values() if r["episode_id"] not in dropped]
    (out / "episodes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in kept))
    assert run_cli(["run", str(scenario), "--out", str(out), "--resume", "--no-report"]) == 0
    again = {r["episode_id"]: r for r in load(out)}
    assert again.keys() == full.keys()
    for episode_id in dropped:
        before, after = dict(full[episode_id]), dict(again[episode_id])
        before.pop("wall_time_s"), after.pop("wall_time_s")
        assert after == before
