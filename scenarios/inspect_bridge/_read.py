"""Reading Inspect logs back into telic records, and ``telic report`` on Inspect logs.

A log written by ``telic export inspect`` or by an ``inspect eval`` of a telic task carries
each episode's record in its samples (:mod:`._samples`). :func:`records_from_logs` collects
them; a sample of a telic task that failed before its episode ended (an Inspect error or
limit) becomes an error record, as a failed episode of ``telic run`` does. :func:`report_from_logs`
writes the records into a telic output folder and builds the report there with the same code as
``telic report``: the same GD tables, plots and report files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios._store import (
    EPISODES_FILE,
    MANIFEST_FILE,
    OutputFolderError,
    environment_facts,
    now_iso,
    read_manifest,
    write_manifest,
)

#: File extensions of Inspect logs.
LOG_SUFFIXES = (".eval", ".json")
#: ``manifest["source"]`` of an output folder made from Inspect logs.
SOURCE = "inspect_logs"


@dataclass
class LogRecords:
    """What :func:`records_from_logs` found."""

    records: list[dict[str, Any]] = field(default_factory=list)
    """One record per episode id (the last one when an id repeats), in log order."""
    logs: list[str] = field(default_factory=list)
    """The log files read."""
    analysis: dict[str, Any] = field(default_factory=dict)
    """Analysis settings the first telic log carried (a telic task's or an exported run's)."""
    skipped: list[str] = field(default_factory=list)
    """Logs that hold no telic episodes (not of a telic task nor of telic export)."""


def is_inspect_log(path: Path) -> bool:
    """Whether ``path`` is an Inspect log file, or a folder holding some and no telic run."""
    if path.is_file():
        return path.suffix in LOG_SUFFIXES and path.name not in (MANIFEST_FILE, "summary.json")
    if path.is_dir() and not (path / EPISODES_FILE).exists():
        return bool(log_files([path]))
    return False


def log_files(paths: Sequence[Path]) -> list[Path]:
    """The log files named by ``paths`` (files as given, folders searched recursively)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.eval")))
            found.extend(sorted(p for p in path.rglob("*.json") if _looks_like_log(p)))
        else:
            found.append(path)
    return found


def _looks_like_log(path: Path) -> bool:
    if path.name in (MANIFEST_FILE, "summary.json", "logs.json"):
        return False
    try:
        with path.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return b'"eval"' in head and b'"version"' in head


def records_from_logs(paths: Sequence[str | Path]) -> LogRecords:
    """The telic records in the Inspect logs at ``paths`` (files or folders).

    Raises:
        FileNotFoundError: a path that does not exist.
        ValueError: a file Inspect cannot read as a log.
    """
    from inspect_ai.log import read_eval_log

    from scenarios.inspect_bridge._samples import failed_sample_record, sample_record

    found = LogRecords()
    by_id: dict[str, dict[str, Any]] = {}
    for path in log_files([Path(p) for p in paths]):
        if not path.exists():
            raise FileNotFoundError(f"{str(path)!r} does not exist")
        try:
            log = read_eval_log(str(path))
        except Exception as exc:  # Inspect raises several kinds for a file that is not a log
            reason = " ".join(str(exc).split())[:200]
            raise ValueError(f"{str(path)!r} is not a readable Inspect log ({reason})") from None
        found.logs.append(str(path))
        meta = log.eval.metadata or {}
        if not found.analysis:
            scenario = meta.get("telic_scenario") or {}
            found.analysis = dict(meta.get("telic_analysis") or scenario.get("analysis") or {})
        before = len(by_id)
        for sample in log.samples or []:
            record = sample_record(sample)
            if record is None and (log.eval.task_registry_name or "").startswith("telic/"):
                record = failed_sample_record(sample, log.eval.model)
            if record is not None:
                by_id.pop(record["episode_id"], None)
                by_id[record["episode_id"]] = record
        if len(by_id) == before:
            found.skipped.append(str(path))
    found.records = list(by_id.values())
    return found


def import_logs(paths: Sequence[str | Path], out_dir: str | Path) -> LogRecords:
    """Write the telic records in the Inspect logs at ``paths`` into ``out_dir`` as a telic
    output folder (``episodes.jsonl`` and a manifest naming the logs), ready for
    :func:`scenarios.build_report`; returns what was read.

    Raises:
        OutputFolderError: ``out_dir`` holds something else than episodes read from Inspect
            logs, or the logs hold no telic episode.
        FileNotFoundError, ValueError: see :func:`records_from_logs`.
    """
    out = Path(out_dir)
    _check_folder(out)
    found = records_from_logs(paths)
    if not found.records:
        raise OutputFolderError(
            "no telic episodes in "
            + ", ".join(repr(p) for p in found.logs or [str(p) for p in paths])
            + ": give logs of telic tasks (inspect eval telic/...) or of telic export inspect"
        )
    out.mkdir(parents=True, exist_ok=True)
    ids = sorted(r["episode_id"] for r in found.records)
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
    manifest = {
        "manifest_version": 1,
        "source": SOURCE,
        "logs": found.logs,
        "started_at": now_iso(),
        "scenario": {
            "name": "inspect-logs",
            "description": f"Episodes read from {len(found.logs)} Inspect log(s).",
            "analysis": found.analysis,
        },
        "scenario_hash": digest,
        "status": "completed",
        **environment_facts(),
    }
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in found.records)
    tmp = out / (EPISODES_FILE + ".tmp")
    tmp.write_text(lines, encoding="utf-8")
    tmp.replace(out / EPISODES_FILE)
    write_manifest(out, manifest)
    return found


def report_from_logs(paths: Sequence[str | Path], out_dir: str | Path) -> Any:
    """:func:`import_logs`, then the telic report of ``out_dir`` (the same code as
    ``telic report``); returns its :class:`scenarios.ReportPaths`."""
    from scenarios._report import build_report

    import_logs(paths, out_dir)
    return build_report(out_dir)


def _check_folder(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"output path {str(out)!r} exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        return
    manifest = read_manifest(out)
    if manifest is None or manifest.get("source") != SOURCE:
        raise OutputFolderError(
            f"output folder {str(out)!r} is not empty and holds no report of Inspect logs; "
            "choose a new or empty folder with --out"
        )
