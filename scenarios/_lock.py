"""One run per output folder: the folder lock, and the space it keeps for a clean stop.

A run holds ``.telic.lock`` in its output folder for as long as it writes there: an exclusive
``flock`` on the file, which the operating system releases when the process ends however it
ends (a SIGKILL included), so a stale lock never blocks a later run. The file says which
process holds it, so a second ``telic run`` (or ``telic report``) on the same folder stops at
once with exit code 2 and names the first run's process.

The lock file is padded to :data:`RESERVE_BYTES`. When the disk fills up during the run,
:meth:`FolderLock.release_reserve` cuts the padding off, which gives back just enough room to
mark the manifest "failed" and say what is missing; without it a full disk would leave the
manifest saying "running".
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from pathlib import Path
from typing import Any

from telic.errors import TelicError

LOCK_FILE = ".telic.lock"
#: Bytes the lock file keeps in reserve for the last manifest write after a disk-full error.
RESERVE_BYTES = 256 * 1024


#: Lock files this process holds (flock conflicts between two descriptors of one process).
_HELD: set[str] = set()


class FolderLockedError(TelicError, RuntimeError):
    """Another process is running on this output folder (bad input: exit code 2)."""


def _holder(path: Path) -> dict[str, Any]:
    try:
        head = path.read_bytes()[:4096].split(b"\n", 1)[0]
        data = json.loads(head)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def check_unlocked(out_dir: str | Path) -> None:
    """Raise :class:`FolderLockedError` when a live process holds ``out_dir``'s lock (takes and
    drops the lock at once; writes nothing when there is no lock file)."""
    path = Path(out_dir) / LOCK_FILE
    if path.exists() and str(path.resolve()) not in _HELD:
        FolderLock(out_dir).acquire(record=False).release(remove=False)


class FolderLock:
    """The exclusive lock of an output folder (see the module docstring).

    Use it as a context manager, or call :meth:`acquire` and :meth:`release`.
    """

    def __init__(self, out_dir: str | Path, *, purpose: str = "run", reserve_bytes: int = 0):
        self.path = Path(out_dir) / LOCK_FILE
        self.purpose = purpose
        self.reserve_bytes = reserve_bytes
        self._fd: int | None = None

    def acquire(self, *, record: bool = True) -> FolderLock:
        """Take the lock (the folder must exist); ``record`` writes this process into the file.

        Raises:
            FolderLockedError: another live process holds it.
        """
        import fcntl

        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise self._locked() from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the holder removed the file between our open and flock: retry
        self._fd = fd
        self._line = 0
        if record:
            _HELD.add(str(self.path.resolve()))
        else:
            return self
        from scenarios._store import now_iso

        line = json.dumps(
            {"pid": os.getpid(), "host": socket.gethostname(), "purpose": self.purpose,
             "started_at": now_iso()}
        ).encode() + b"\n"  # fmt: skip
        os.ftruncate(fd, 0)
        os.pwrite(fd, line, 0)
        if self.reserve_bytes > len(line):
            # real bytes, not a hole: a sparse file would give nothing back when cut
            with contextlib.suppress(OSError):
                os.pwrite(fd, b" " * (self.reserve_bytes - len(line)), len(line))
                os.fsync(fd)
        self._line = len(line)
        return self

    def _locked(self) -> FolderLockedError:
        holder = _holder(self.path)
        who = f"process {holder.get('pid', '?')}"
        if holder.get("host") and holder.get("host") != socket.gethostname():
            who += f" on {holder['host']}"
        doing = holder.get("purpose", "run")
        return FolderLockedError(
            f"output folder {str(self.path.parent)!r} is in use by {who} (telic {doing} "
            f"started {holder.get('started_at', '?')}); wait for it to finish, stop it, or "
            "choose another folder with --out"
        )

    def release_reserve(self) -> None:
        """Give the reserved bytes back to the file system (after a disk-full error)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._line)

    def release(self, *, remove: bool = True) -> None:
        """Drop the lock and (unless ``remove`` is false) remove the file (idempotent)."""
        if self._fd is None:
            return
        _HELD.discard(str(self.path.resolve()))
        if remove:
            with contextlib.suppress(OSError):
                self.path.unlink()
        os.close(self._fd)  # closing releases the flock
        self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
