"""The single writer of a run: finished records go to ``episodes.jsonl`` in group commits.

Episodes hand their records to :class:`RecordSink` and go on. One task writes whatever has
accumulated as one batch (one write, one fsync) in a worker thread, so the event loop keeps
playing episodes while the disk syncs, and many episodes finishing together cost one fsync.
A record counts as done (``on_written``) only once it is durable; a write that fails calls
``on_failure`` at once, from the writing thread, so the runner can stop the episodes before
the event loop runs another step. :meth:`RecordSink.flush`
writes whatever is still pending, synchronously: the runner calls it on every way out,
Ctrl-C included, so no finished episode is lost.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from envs import EpisodeRecord
from scenarios._store import EpisodeWriter


class RecordSink:
    """Queues records and writes them in batches (see the module docstring)."""

    def __init__(
        self,
        writer: EpisodeWriter,
        on_written: Callable[[EpisodeRecord], None],
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        self._writer = writer
        self._on_written = on_written
        self._on_failure = on_failure
        self.failed: BaseException | None = None
        """The error of a write that failed (nothing more is written after it)."""
        self._pending: list[EpisodeRecord] = []
        self._durable = 0  # how many of _pending are written (a batch in flight may finish)
        self._lock = threading.Lock()
        self._wake = asyncio.Event()
        self._closing = False

    def put(self, record: EpisodeRecord) -> None:
        """Queue a finished episode's record."""
        self._pending.append(record)
        self._wake.set()

    def close(self) -> None:
        """No more records: :meth:`run` returns once everything is written."""
        self._closing = True
        self._wake.set()

    async def run(self) -> None:
        """Write batches until closed and drained (run it as a task)."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while len(self._pending) > self._durable:
                await asyncio.to_thread(self._write_pending)
                self._account()
            if self._closing:
                return

    def flush(self) -> None:
        """Write every pending record now, waiting for a batch in flight (any thread)."""
        self._write_pending()
        self._account()

    def _write_pending(self) -> None:
        with self._lock:
            batch = self._pending[self._durable :]
            if batch:
                try:
                    self._writer.append_many([r.to_json_dict() for r in batch])
                except Exception as exc:
                    self.failed = exc
                    if self._on_failure is not None:
                        self._on_failure()  # from the writing thread, before the loop hears
                    raise
                self._durable += len(batch)

    def _account(self) -> None:
        with self._lock:
            done, self._pending = self._pending[: self._durable], self._pending[self._durable :]
            self._durable = 0
        for record in done:
            self._on_written(record)
