"""The ``telic`` commands of the Inspect bridge: ``telic export inspect`` and ``telic report``
on Inspect logs. Nothing here imports inspect_ai until a command runs, so ``telic --help`` stays
free of it; without the extra a command says how to install it (exit 2)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

INSTALL_HINT = "pip install 'telic[inspect]'"


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def inspect_missing() -> str | None:
    """The message for a missing ``inspect`` extra, or None when inspect_ai is installed."""
    if importlib.util.find_spec("inspect_ai") is None:
        return f"this command needs Inspect AI, which is not installed: {INSTALL_HINT}"
    return None


def export_inspect_command(run_dir: Path, out: Path | None) -> int:
    """``telic export inspect RUN [--out DIR]``: one Inspect log per model, env and protocol."""
    from scenarios._store import read_episodes, read_manifest

    missing = inspect_missing()
    if missing:
        return _fail(missing)
    if not (run_dir / "episodes.jsonl").exists():
        return _fail(f"{str(run_dir)!r} has no episodes.jsonl; give the output folder of a run")
    records = read_episodes(run_dir).records
    if not records:
        return _fail(f"{str(run_dir)!r} has no recorded episodes")
    out_dir = out or run_dir / "inspect"
    if out_dir.exists() and not out_dir.is_dir():
        return _fail(f"--out {str(out_dir)!r} exists and is not a folder")
    from scenarios.inspect_bridge._export import export_records

    written = export_records(records, read_manifest(run_dir) or {}, out_dir)
    for log in written:
        print(f"{log.path}  ({log.model}, {log.env_id}, {log.protocol}: {log.samples} episodes)")
    print(f"{len(written)} Inspect logs in {out_dir}; browse: inspect view --log-dir {out_dir}")
    return 0


def report_logs_command(paths: Sequence[Path], out: Path | None) -> int:
    """``telic report LOG... --out DIR``: the telic report of the episodes in Inspect logs."""
    from scenarios._store import OutputFolderError

    missing = inspect_missing()
    if missing:
        return _fail(missing)
    for path in paths:
        if not path.exists():
            return _fail(f"{str(path)!r} does not exist")
    from scenarios._commands import report_command
    from scenarios.inspect_bridge._read import import_logs

    out_dir = out or Path("runs") / "inspect-report"
    try:
        found = import_logs(paths, out_dir)
    except (OutputFolderError, FileNotFoundError, ValueError) as exc:
        return _fail(str(exc))
    for skipped in found.skipped:
        print(f"note: {skipped} holds no telic episodes (skipped)", file=sys.stderr)
    print(f"telic: {len(found.records)} episodes from {len(found.logs)} Inspect logs -> {out_dir}")
    return report_command(out_dir)
