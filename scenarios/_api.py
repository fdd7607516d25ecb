"""One call from a scenario to its records, for use from Python (the CLI does the same)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scenarios._execute import LocalExecutor
from scenarios._load import load_scenario
from scenarios._preflight import preflight
from scenarios._runner import RunStats, run_plan
from scenarios._schema import Scenario


def run_scenario(
    scenario: Scenario | str | Path,
    out_dir: str | Path | None = None,
    *,
    models: Sequence[str] | None = None,
    resume: bool = False,
    concurrency: int | None = None,
    progress: bool | None = False,
) -> RunStats:
    """Check and run a scenario locally, writing ``episodes.jsonl`` and ``manifest.json``.

    Args:
        scenario: a :class:`Scenario` or the path of a scenario file.
        out_dir: output folder (default ``runs/<scenario name>``).
        models: model specs replacing the scenario's.
        resume: continue a run of the same scenario in ``out_dir``.
        concurrency: episodes in flight (default: the scenario's).
        progress: show a progress bar (None: when stderr is a terminal).

    Call :func:`scenarios.build_report` on the folder afterwards for the reports.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    prepared = preflight(scenario, models=models, concurrency=concurrency)
    out = Path(out_dir) if out_dir is not None else Path("runs") / prepared.plan.scenario.name
    return run_plan(
        prepared.plan,
        out,
        LocalExecutor(prepared.models),
        resume=resume,
        concurrency=concurrency,
        progress=progress,
    )
