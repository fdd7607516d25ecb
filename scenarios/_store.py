"""The output folder of a run: ``episodes.jsonl`` and ``manifest.json``.

``episodes.jsonl`` holds one JSON record per finished episode. Only one writer appends to it
(the process driving the run), and each record is written as one line, flushed and fsynced
before the next episode is counted as done, so a crash loses at most the line being written.
A run killed in the middle of a write leaves a truncated last line: readers ignore it and
:meth:`EpisodeWriter.open` cuts it off before appending. When an id appears more than once (an
episode re-run with ``--retry-errors``) the last record wins.

``manifest.json`` says which scenario the folder belongs to (its content hash) and keeps one
entry per invocation of ``telic run`` with its start and end times and whether it completed or
was interrupted. It is replaced atomically.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from telic import TelicError

EPISODES_FILE = "episodes.jsonl"
MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1

#: Distributions whose versions go into the manifest.
TRACKED_DISTRIBUTIONS = (
    "gymnasium",
    "langgraph",
    "langchain-core",
    "langchain-openai",
    "langchain-anthropic",
    "openai",
    "anthropic",
    "pydantic",
    "numpy",
    "ray",
)


class OutputFolderError(TelicError, ValueError):
    """An output folder that cannot take this run (another scenario's, or not a telic run)."""


class OutputWriteError(TelicError, RuntimeError):
    """Writing to the output folder failed (disk full, I/O error, read-only file system).

    The run stops at once; what was written before stays valid and ``--resume`` continues.
    """

    def __init__(self, folder: str | Path, cause: OSError, *, needed_bytes: int | None = None):
        self.folder = str(folder)
        """The output folder."""
        self.cause = cause
        """The operating system's error."""
        self.needed_bytes = needed_bytes
        """Rough free space the rest of the run needs (None: unknown)."""
        self.free_bytes = _free_bytes(folder)
        """Free space in the folder's file system when the error was raised."""
        super().__init__(self._message())

    def _message(self) -> str:
        reason = self.cause.strerror or type(self.cause).__name__
        errno_name = errno.errorcode.get(self.cause.errno or 0)
        if errno_name:
            reason += f" ({errno_name})"
        text = f"cannot write to output folder {self.folder!r}: {reason}"
        if self.cause.errno in (errno.ENOSPC, errno.EDQUOT):
            need = "" if self.needed_bytes is None else f"about {_size(self.needed_bytes)} "
            free = "" if self.free_bytes is None else f" ({_size(self.free_bytes)} free now)"
            text += f"; the rest of the run needs {need}more free space there{free}"
        elif self.cause.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            text += "; make the folder writable or choose another with --out"
        return text

    def with_needed(self, needed_bytes: int) -> OutputWriteError:
        """The same error with the space estimate of the rest of the run."""
        return OutputWriteError(self.folder, self.cause, needed_bytes=needed_bytes)


def _free_bytes(folder: str | Path) -> int | None:
    import shutil

    path = Path(folder)
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000  # type: ignore[assignment]
    return f"{n} bytes"


@dataclass
class EpisodeFile:
    """What :func:`read_episodes` found in ``episodes.jsonl``."""

    records: list[dict[str, Any]] = field(default_factory=list)
    """One record per episode id (the last one when an id repeats), in file order."""
    truncated_tail: bool = False
    """Whether the file ends in an incomplete line (a write cut short by a kill)."""
    bad_lines: list[int] = field(default_factory=list)
    """1-based numbers of complete lines that are not valid records (skipped)."""
    valid_bytes: int = 0
    """Length of the file up to the end of its last complete line."""

    @property
    def ids(self) -> set[str]:
        """Episode ids with a record."""
        return {r["episode_id"] for r in self.records}


def read_episodes(out_dir: str | Path) -> EpisodeFile:
    """Read ``episodes.jsonl`` of ``out_dir`` (an empty result when there is none)."""
    path = Path(out_dir) / EPISODES_FILE
    found = EpisodeFile()
    if not path.exists():
        return found
    data = path.read_bytes()
    by_id: dict[str, dict[str, Any]] = {}
    offset = 0
    for number, line in enumerate(data.splitlines(keepends=True), start=1):
        complete = line.endswith(b"\n")
        record = _parse(line)
        if not complete:
            # the last line lacks its newline: a write cut short, unless the JSON is whole
            found.truncated_tail = record is None
            if record is None:
                break
        offset += len(line)
        if record is None:
            if line.strip():
                found.bad_lines.append(number)
            continue
        by_id.pop(record["episode_id"], None)
        by_id[record["episode_id"]] = record
    found.valid_bytes = offset
    found.records = list(by_id.values())
    return found


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("episode_id"), str):
        return None
    return record


class EpisodeWriter:
    """Appends records to ``episodes.jsonl``: one line each, flushed and fsynced."""

    def __init__(self, out_dir: str | Path) -> None:
        self.path = Path(out_dir) / EPISODES_FILE
        self.existing = EpisodeFile()
        """What the file held when it was opened."""
        self._file: Any = None
        self.bytes_written = 0
        """Bytes appended by this writer (for the space estimate after a write failure)."""
        self.records_written = 0
        """Records appended by this writer."""

    def open(self) -> EpisodeWriter:
        """Open for appending, first cutting off a truncated last line (the records already
        there are in :attr:`existing`)."""
        existing = self.existing = read_episodes(self.path.parent)
        if self.path.exists():
            size = self.path.stat().st_size
            if existing.valid_bytes < size and existing.truncated_tail:
                with self.path.open("r+b") as f:
                    f.truncate(existing.valid_bytes)
            elif size and not self.path.read_bytes().endswith(b"\n"):
                with self.path.open("ab") as f:  # whole JSON missing only its newline
                    f.write(b"\n")
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 (closed by close())
        return self

    def append(self, record: dict[str, Any]) -> None:
        """Write one record as one line and make it durable."""
        self.append_many([record])

    def append_many(self, records: list[dict[str, Any]]) -> None:
        """Write records, one line each, in one write, and make them durable (one fsync).

        Raises:
            OutputWriteError: the write or the sync failed; the file is cut back to what it
                held before, so no partial line stays behind.
        """
        if self._file is None:
            raise RuntimeError("EpisodeWriter.append_many called before open()")
        data = "".join(
            json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records
        ).encode("utf-8")
        fd = self._file.fileno()
        size = os.fstat(fd).st_size
        try:
            self._write_all(fd, data)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # cutting gives space back, so this usually works
            raise OutputWriteError(self.path.parent, exc) from exc
        self.bytes_written += len(data)
        self.records_written += len(records)

    @staticmethod
    def _write_all(fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> EpisodeWriter:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_manifest(out_dir: str | Path) -> dict[str, Any] | None:
    """The manifest of ``out_dir``, or None when there is none."""
    path = Path(out_dir) / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise OutputFolderError(f"{path} is not a readable manifest ({exc})") from None
    if not isinstance(data, dict):
        raise OutputFolderError(f"{path} is not a telic manifest")
    return data


def write_manifest(out_dir: str | Path, manifest: dict[str, Any]) -> None:
    """Write the manifest atomically (temporary file, fsync, rename)."""
    path = Path(out_dir) / MANIFEST_FILE
    write_atomic(path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically: a temporary file beside it, fsynced, then
    renamed over it. On failure the temporary file is removed and :class:`OutputWriteError`
    raised; ``path`` keeps its old content."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise OutputWriteError(path.parent, exc) from exc


def replace_folder(folder: Path, fill: Any) -> list[Path]:
    """Replace ``folder`` with what ``fill(staging_folder)`` writes, all at once.

    ``fill`` writes into a fresh ``<folder>.tmp`` and returns the paths it wrote; the old folder
    is then renamed aside and the new one into place (two renames), so ``folder`` never holds a
    half-written set. Leftovers of a run killed in between are removed on the next call.
    Returns the written paths as they are inside ``folder``.
    """
    import shutil

    staging = folder.with_name(folder.name + ".tmp")
    aside = folder.with_name(folder.name + ".old")
    try:
        for leftover in (staging, aside):
            shutil.rmtree(leftover, ignore_errors=True)
        staging.mkdir(parents=True)
        written = [Path(p) for p in fill(staging)]
        if folder.exists():
            folder.rename(aside)
        staging.rename(folder)
    except BaseException as exc:  # Ctrl-C included: no half-written folder stays behind
        shutil.rmtree(staging, ignore_errors=True)
        if aside.exists() and not folder.exists():
            aside.rename(folder)  # put the old set back
        if isinstance(exc, OSError):
            raise OutputWriteError(folder.parent, exc) from exc
        raise
    shutil.rmtree(aside, ignore_errors=True)
    return sorted(folder / p.name for p in written)


def check_output_folder(out_dir: str | Path, scenario_hash: str, *, resume: bool) -> int:
    """Check that ``out_dir`` can take a run of the scenario with ``scenario_hash``.

    Returns the number of episodes already recorded there. Writes nothing.

    Raises:
        OutputFolderError: the folder holds another scenario's run, holds this scenario's run
            but ``resume`` is false, or is a non-empty folder that is not a telic run.
        FolderLockedError: another process is running on the folder.
    """
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"output path {str(out)!r} exists and is not a folder")
    from scenarios._lock import LOCK_FILE, check_unlocked

    if not out.exists():
        return 0
    check_unlocked(out)
    if not any(p.name != LOCK_FILE for p in out.iterdir()):
        return 0
    manifest = read_manifest(out)
    if manifest is None:
        raise OutputFolderError(
            f"output folder {str(out)!r} is not empty and holds no telic run (no "
            f"{MANIFEST_FILE}); choose a new or empty folder with --out"
        )
    theirs = manifest.get("scenario_hash")
    done = len(read_episodes(out).records)
    if theirs != scenario_hash:
        name = manifest.get("scenario", {}).get("name", "?")
        raise OutputFolderError(
            f"output folder {str(out)!r} holds the records of another scenario ({name!r}, hash "
            f"{theirs}; this one is {scenario_hash}); choose another folder with --out"
        )
    if not resume:
        raise OutputFolderError(
            f"output folder {str(out)!r} already holds a run of this scenario ({done} episodes "
            "recorded); add --resume to continue it, or choose another folder with --out"
        )
    return done


def now_iso() -> str:
    """The current UTC time in ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def environment_facts() -> dict[str, Any]:
    """telic and dependency versions, Python, platform and the git commit (if any)."""
    import telic

    versions = {}
    for name in TRACKED_DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "telic_version": telic.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "dependencies": versions,
        "git_commit": _git_commit(Path(telic.__file__).resolve().parent.parent),
    }


def _git_commit(where: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=where,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return commit if out.returncode == 0 and len(commit) == 40 else None
