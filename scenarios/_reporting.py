"""The report phase of a run, made safe to interrupt.

:func:`write_report` builds the report files (:func:`scenarios.build_report`) under the
folder's lock and tells the manifest how far it got: ``report`` is ``writing`` while it runs,
``written`` with the files once they are all in place, and ``interrupted`` or ``failed`` with the
files still ``missing`` when Ctrl-C, SIGTERM or a write error stops it. Every file is replaced
atomically (and ``plots/`` as a whole), so an interruption, even a SIGKILL, leaves the previous
files or none, never a half-written one; ``telic report DIR`` writes them again.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scenarios._lock import FolderLock
from scenarios._store import now_iso, read_manifest, write_manifest

REPORT_FILES = ("summary.json", "report.md", "report.html", "plots/")


class ReportInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM arrived while the report was being written."""

    def __init__(self, out_dir: Path, signal_name: str) -> None:
        self.out_dir = out_dir
        self.signal_name = signal_name
        super().__init__(
            f"report of {str(out_dir)!r} interrupted ({signal_name}); every episode is recorded "
            f"and the report files are listed as missing in manifest.json; write them with: "
            f"telic report {out_dir}"
        )


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt here (as Ctrl-C does), so cleanup code runs."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _mark(out: Path, **fields: Any) -> None:
    manifest = read_manifest(out)
    if manifest is None:
        return
    manifest["report"] = {**fields, "at": now_iso()}
    write_manifest(out, manifest)


def write_report(
    out_dir: str | Path, *, baseline_file: str | Path | None = None, workers: int | None = None
) -> Any:
    """Build the report of ``out_dir`` (see the module docstring); returns its ``ReportPaths``.
    ``baseline_file`` and ``workers`` are passed to :func:`scenarios.build_report`.

    Raises:
        ReportInterrupted: Ctrl-C or SIGTERM stopped it (the manifest says what is missing).
        FolderLockedError: a run or another report is writing in the folder.
        OutputFolderError, OutputWriteError: as :func:`scenarios.build_report`.
    """
    from scenarios._report import build_report

    out = Path(out_dir)
    with FolderLock(out, purpose="report"), _sigterm_interrupts():
        try:
            _mark(out, status="writing", missing=list(REPORT_FILES))
            paths = build_report(out, baseline_file=baseline_file, workers=workers)
        except KeyboardInterrupt as exc:
            name = "SIGTERM" if str(exc) == "SIGTERM" else "Ctrl-C"
            with contextlib.suppress(Exception, KeyboardInterrupt):
                _mark(out, status="interrupted", missing=_missing(out))
            raise ReportInterrupted(out, name) from None
        except Exception:
            with contextlib.suppress(Exception):
                _mark(out, status="failed", missing=_missing(out))
            raise
        written = [p.name for p in (paths.summary_json, paths.markdown, paths.html)]
        _mark(out, status="written", files=[*written, *(f"plots/{p.name}" for p in paths.plots)])
    return paths


def _missing(out: Path) -> list[str]:
    """Report files not in place (a file from an earlier report counts as present)."""
    return [name for name in REPORT_FILES if not (out / name.rstrip("/")).exists()]
