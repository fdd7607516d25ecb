"""Whether the runner's own CPU, not the provider, sets the pace of a run.

A run asks for ``--concurrency`` episodes in flight. Each model call costs the runner a few
milliseconds of CPU (building the request, reading the reply, stepping the env), so one
process can keep only so many calls in flight: roughly its calls per CPU-second times the
call latency. Ask for more and the extra episodes wait for the CPU, not for the provider; the
run is no faster than with fewer.

:class:`CpuWatch` measures this while a run plays instead of guessing it beforehand. Every
``window_s`` seconds it reads how busy the event loops that play the episodes were: the
share of the time each did not spend waiting in its selector for a reply (:class:`LoopIdle`),
in this process or, with ``--workers``, in each worker (which reports it with every record). A
loop that never waits has more ready work than it can do, whether its own CPU or a machine
shared with other jobs is what it lacks.

When they were busy at least :data:`BUSY_FRACTION` of the window on average while the
concurrency limit was nearly full, it says so once, with what to do. It warns and changes
nothing: the records are the same.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Seconds between two readings (the first reading is taken when the run starts).
WINDOW_S = 10.0
#: Mean busy share of the playing processes' time from which the CPU counts as the limit.
BUSY_FRACTION = 0.85
#: Share of the concurrency limit that must be in flight at the end of the window: below it
#: the run is short of episodes to start (its tail), not of CPU.
FULL_FRACTION = 0.9

CpuReader = Callable[[], "list[float] | None"]
"""Busy seconds so far of each process that plays episodes (CPU seconds, or wall seconds not
spent waiting), or None when unknown."""


@dataclass(frozen=True)
class Reading:
    """One reading: wall clock, busy seconds of each playing process (:data:`CpuReader`),
    episodes finished."""

    wall: float
    busy: tuple[float, ...]
    finished: int


def busy_shares(before: Reading, after: Reading) -> list[float]:
    """Each playing process's busy seconds over the wall seconds between two readings."""
    wall = after.wall - before.wall
    if wall <= 0 or len(before.busy) != len(after.busy):
        return []
    return [max(0.0, b - a) / wall for a, b in zip(before.busy, after.busy, strict=True)]


def saturation_note(
    before: Reading,
    after: Reading,
    *,
    in_flight: int,
    limit: int,
    workers: int,
    cores: int | None = None,
) -> str | None:
    """What to tell the user when the playing processes were busy enough to set the pace
    between ``before`` and ``after`` with the concurrency limit nearly full, else None."""
    shares = busy_shares(before, after)
    if not shares or limit < 2 or in_flight < FULL_FRACTION * limit:
        return None
    busy = sum(shares) / len(shares)
    if busy < BUSY_FRACTION:
        return None
    wall = after.wall - before.wall
    rate = (after.finished - before.finished) / wall
    who = (
        "telic's event loop was"
        if workers <= 1
        else f"telic's {workers} worker processes were (on average)"
    )
    text = (
        f"{who} busy {busy:.0%} of the last {wall:.0f} s with {in_flight} episodes in flight "
        f"({rate:.1f} finished per second): the runner's own CPU (requests, replies, env "
        "steps), not the provider, sets the pace, so more in flight will not go faster."
    )
    cores = cores if cores is not None else (os.cpu_count() or 1)
    if workers < cores:
        text += (
            f" This machine has {cores} cores: --workers {cores} plays the episodes in "
            f"{cores} processes."
        )
    else:
        text += (
            " Every core is in use: lower --concurrency to what the machine feeds, or spread "
            "the run over machines (--backend ray)."
        )
    return text


def loop_thread_cpu() -> list[float] | None:
    """CPU seconds of the calling thread (the event loop's, when read from a coroutine)."""
    return [time.thread_time()]


class LoopIdle:
    """Counts the seconds the running event loop spends waiting in its selector.

    It wraps the loop's selector (the ``_selector`` of asyncio's selector event loops, the
    default on Linux and macOS) for as long as it is installed; each wait costs one more
    function call.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waited = 0.0
        self._inner: Any = None
        self._started = 0.0

    def install(self) -> bool:
        """Start counting; False (nothing changed) for a loop without a selector."""
        inner = getattr(self.loop, "_selector", None)
        if inner is None or not callable(getattr(inner, "select", None)):
            return False
        self._inner = inner
        self._started = time.perf_counter()
        self.loop._selector = _TimedSelector(inner, self)  # type: ignore[attr-defined]
        return True

    def remove(self) -> None:
        """Give the loop its own selector back."""
        if self._inner is not None and isinstance(
            getattr(self.loop, "_selector", None), _TimedSelector
        ):
            self.loop._selector = self._inner  # type: ignore[attr-defined]
        self._inner = None

    def busy_seconds(self) -> list[float] | None:
        """Wall seconds since :meth:`install` not spent waiting, or None when not installed."""
        if self._inner is None:
            return None
        return [max(0.0, time.perf_counter() - self._started - self.waited)]


class _TimedSelector:
    """A selector that adds the time each ``select`` takes to its :class:`LoopIdle`."""

    def __init__(self, inner: Any, idle: LoopIdle) -> None:
        self._inner = inner
        self._idle = idle

    def select(self, timeout: float | None = None) -> Any:
        started = time.perf_counter()
        try:
            return self._inner.select(timeout)
        finally:
            self._idle.waited += time.perf_counter() - started

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def reader_for(executor: Any, idle: LoopIdle | None = None) -> CpuReader:
    """The reader for an executor: its worker processes' busy time when it reports it
    (``worker_busy``), else this event loop's (``idle``, installed here), else, for a loop
    without a selector, the loop thread's CPU."""
    workers = getattr(executor, "worker_busy", None)
    if callable(workers):
        return workers  # type: ignore[no-any-return]
    if idle is not None and idle.install():
        return idle.busy_seconds
    return loop_thread_cpu


class CpuWatch:
    """Reads the playing processes every ``window_s`` seconds and reports, once, a window in
    which their CPU set the pace (:func:`saturation_note`)."""

    def __init__(
        self,
        reader: CpuReader,
        *,
        workers: int = 1,
        window_s: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
        cores: int | None = None,
    ) -> None:
        self.reader = reader
        self.workers = workers
        self.window_s = WINDOW_S if window_s is None else window_s
        self.clock = clock
        self.cores = cores
        self.note: str | None = None

    def _read(self, finished: int) -> Reading | None:
        busy = self.reader()
        return None if busy is None else Reading(self.clock(), tuple(busy), finished)

    async def watch(
        self,
        in_flight: Callable[[], int],
        finished: Callable[[], int],
        limit: int,
        on_note: Callable[[str], None],
    ) -> None:
        """Run until cancelled or until it has reported (``on_note`` is called at most once)."""
        before = self._read(finished())
        while True:
            await asyncio.sleep(self.window_s)
            after = self._read(finished())
            if before is not None and after is not None:
                note = saturation_note(
                    before,
                    after,
                    in_flight=in_flight(),
                    limit=limit,
                    workers=self.workers,
                    cores=self.cores,
                )
                if note is not None:
                    self.note = note
                    on_note(note)
                    return
            before = after


__all__ = ["CpuWatch", "LoopIdle", "Reading", "busy_shares", "reader_for", "saturation_note"]
