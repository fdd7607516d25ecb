"""Shared helpers of the scenarios tests: scenario files, a fake executor, offline settings."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

from envs import EpisodeRecord, Message
from scenarios import EpisodeSpec

BASE_SCENARIO: dict[str, Any] = {
    "name": "tiny",
    "models": ["scripted:oracle"],
    "envs": ["telic/MeasureHeight-v1", "telic/EvaluateConfiguration-v1"],
    "n_blocks": [3],
    "seeds": {"start": 10, "count": 3},
}


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No tracing, no real keys, no stray base URL from the machine's environment."""
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "false")
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def scenario_data(**changes: Any) -> dict[str, Any]:
    """:data:`BASE_SCENARIO` with ``changes`` (a value of None removes the field)."""
    data = {**BASE_SCENARIO, **changes}
    return {k: v for k, v in data.items() if v is not None}


def write_scenario(folder: Path, name: str = "scenario.yaml", **changes: Any) -> Path:
    """Write a scenario file built by :func:`scenario_data`; returns its path."""
    path = folder / name
    path.write_text(yaml.safe_dump(scenario_data(**changes), sort_keys=False))
    return path


def folder_snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to check that nothing was written)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


class FakeExecutor:
    """Plays episodes without agents: a fixed two-message transcript per episode.

    Args:
        fail_seeds: seeds whose episodes raise.
        delay_s: seconds each episode awaits (to overlap episodes).
    """

    def __init__(self, fail_seeds: Sequence[int] = (), delay_s: float = 0.0) -> None:
        self.fail_seeds = set(fail_seeds)
        self.delay_s = delay_s
        self.calls: list[tuple[EpisodeSpec, list[Message]]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.closed = False

    async def play(self, spec: EpisodeSpec, prior: Sequence[Message] | None) -> EpisodeRecord:
        self.calls.append((spec, list(prior or [])))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay_s)
        finally:
            self.in_flight -= 1
        if spec.seed in self.fail_seeds:
            raise RuntimeError(f"provider exploded on seed {spec.seed}")
        return EpisodeRecord(
            episode_id="set-by-the-runner",
            model=spec.model.name,
            env_id=spec.env_id,
            env_kwargs=spec.env_kwargs,
            seed=spec.seed,
            task="measure_height",
            n_blocks=spec.env_kwargs.get("n_blocks"),
            transcript=[
                Message(role="user", content=f"observation of {spec.episode_id}"),
                Message(role="assistant", content=f"reply in {spec.episode_id}", step=1),
            ],
            steps=1,
            completed=True,
            **{"return": 1.0},
        )

    def close(self) -> None:
        self.closed = True
