"""``telic export inspect``: a telic run as Inspect eval logs, written by inspect_ai's log API.

One log per model, environment and protocol (what ``inspect view`` lists as one eval of one
task with one model); each episode of that cell is one sample (see :mod:`._samples`). The logs
are named the way Inspect names its own (``<timestamp>_<task>_<id>.eval``) and their ids are
hashes of the run's scenario and the cell, so exporting a run twice gives the same files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inspect_ai.log import (
    EvalConfig,
    EvalDataset,
    EvalLog,
    EvalMetric,
    EvalPlan,
    EvalPlanStep,
    EvalResults,
    EvalScore,
    EvalSpec,
    EvalStats,
    write_eval_log,
)
from inspect_ai.model import ModelUsage

from scenarios.inspect_bridge._samples import (
    SCORE_KEYS,
    SCORER_NAME,
    inspect_model_name,
    record_to_sample,
    score_means,
)


@dataclass(frozen=True)
class ExportedLog:
    """One log file :func:`export_records` wrote."""

    path: Path
    model: str
    env_id: str
    protocol: str
    samples: int


def task_name(env_id: str) -> str:
    """The Inspect task name of an env: ``telic/Combined-v0`` -> ``Combined``."""
    name = env_id.rsplit("/", 1)[-1]
    base, _, version = name.rpartition("-v")
    return base if base and version.isdigit() else name


def _version(env_id: str) -> int:
    _, _, version = env_id.rpartition("-v")
    return int(version) if version.isdigit() else 0


def _hash(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:22]


def _created(manifest: Mapping[str, Any]) -> str:
    started = manifest.get("started_at")
    if isinstance(started, str) and started:
        return datetime.fromisoformat(started).astimezone(UTC).isoformat()
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_logs(records: Sequence[Mapping[str, Any]], manifest: Mapping[str, Any]) -> list[EvalLog]:
    """The Inspect logs of a run's records: one per (model, env ID, protocol), in that order."""
    cells: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
    for record in records:
        key = (str(record["model"]), str(record["env_id"]), str(record.get("protocol", "tags")))
        cells.setdefault(key, []).append(record)
    scenario = manifest.get("scenario") or {}
    run_hash = str(manifest.get("scenario_hash") or "")
    created = _created(manifest)
    logs = []
    for (model, env_id, protocol), group in sorted(cells.items()):
        logs.append(_cell_log(model, env_id, protocol, group, scenario, run_hash, created))
    return logs


def _cell_log(
    model: str,
    env_id: str,
    protocol: str,
    records: list[Mapping[str, Any]],
    scenario: Mapping[str, Any],
    run_hash: str,
    created: str,
) -> EvalLog:
    samples = [record_to_sample(r) for r in records]
    name = task_name(env_id)
    inspect_model = inspect_model_name(model)
    seeds = sorted({int(r["seed"]) for r in records})
    n_blocks = sorted({int(r["n_blocks"]) for r in records if r.get("n_blocks") is not None})
    variants = sorted({str(r.get("variant") or "neutral") for r in records})
    conditions = sorted({str(r["condition"]) for r in records if r.get("condition")})
    task_args: dict[str, Any] = {"protocol": protocol, "seeds": seeds}
    if n_blocks:
        task_args["n_blocks"] = n_blocks
    task_args["variant"] = variants if len(variants) > 1 else variants[0]
    if conditions:
        task_args["condition"] = conditions
    usage = ModelUsage()
    for sample in samples:
        for used in sample.model_usage.values():
            usage = usage + used
    means = score_means(samples)
    scores = [
        EvalScore(
            name=key,
            scorer=SCORER_NAME,
            scored_samples=scored,
            unscored_samples=unscored,
            metrics={"mean": EvalMetric(name="mean", value=mean)},
        )
        for key, (mean, scored, unscored) in means.items()
        if key in SCORE_KEYS
    ]
    errors = sum(1 for s in samples if s.error is not None)
    spec = EvalSpec(
        eval_id=_hash("eval", run_hash, model, env_id, protocol),
        run_id=_hash("run", run_hash),
        created=created,
        task=f"telic/{name}",
        task_id=_hash("task", run_hash, env_id, protocol),
        task_version=_version(env_id),
        task_display_name=name,
        task_registry_name=f"telic/{name}",
        task_description=f"{env_id} ({protocol} protocol), exported from a telic run",
        task_args=task_args,
        dataset=EvalDataset(
            name=env_id,
            samples=len(samples),
            sample_ids=[str(s.id) for s in samples],
        ),
        model=inspect_model,
        config=EvalConfig(epochs=1),
        metadata={
            "telic_export": True,
            "telic_model": model,
            "scenario": scenario.get("name"),
            "scenario_hash": run_hash,
            "telic_analysis": scenario.get("analysis") or {},
        },
    )
    return EvalLog(
        status="success",
        eval=spec,
        plan=EvalPlan(steps=[EvalPlanStep(solver="telic/play_env", params={"exported": True})]),
        results=EvalResults(
            total_samples=len(samples),
            completed_samples=len(samples) - errors,
            scores=scores,
        ),
        stats=EvalStats(
            started_at=created, completed_at=created, model_usage={inspect_model: usage}
        ),
        samples=samples,
    )


def log_file_name(log: EvalLog) -> str:
    """``<timestamp>_<task>_<id>.eval``, the pattern Inspect names its logs with."""
    stamp = datetime.fromisoformat(log.eval.created).strftime("%Y-%m-%dT%H-%M-%S+00-00")
    task = log.eval.task.rsplit("/", 1)[-1].replace("_", "-")
    return f"{stamp}_{task}_{log.eval.eval_id}.eval"


def export_records(
    records: Sequence[Mapping[str, Any]], manifest: Mapping[str, Any], out_dir: str | Path
) -> list[ExportedLog]:
    """Write the logs of :func:`build_logs` into ``out_dir`` with ``write_eval_log``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for log in build_logs(records, manifest):
        path = out / log_file_name(log)
        write_eval_log(log, str(path))
        meta = log.eval.metadata or {}
        written.append(
            ExportedLog(
                path=path,
                model=str(meta.get("telic_model")),
                env_id=str(log.eval.dataset.name),
                protocol=str(log.eval.task_args.get("protocol")),
                samples=len(log.samples or []),
            )
        )
    return written
