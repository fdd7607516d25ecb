"""Forked worker processes for :func:`metrics.analyze`: each runs a share of the work and sends
its result back through a pipe.

The analysis forks (Linux) instead of spawning: a worker starts with everything the parent
holds (the records taken in so far, the declarations, a registered task's functions) without
pickling any of it, and only its result travels back. The parent works on a share itself while
its workers run. A worker that raises sends the error's text back and the parent redoes that
share itself, so the error a caller sees is the one a single-process analysis raises, with its
traceback; a worker that dies without sending (killed, out of memory) is an
:class:`AnalysisWorkerError`.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

from telic import TelicError


class AnalysisWorkerError(TelicError, RuntimeError):
    """A worker process of a parallel analysis died before sending its results."""


def can_fork() -> bool:
    """Whether the analysis may fork worker processes here (Linux only: elsewhere ``fork``
    is missing or unsafe with the system's libraries)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass
class Failed:
    """What a worker sent instead of its result when its share raised."""

    text: str
    """The worker's traceback."""


@dataclass
class _Child:
    pid: int
    fd: int
    done: bool = False


def _run_child(job: Callable[[], Any], fd: int) -> None:
    """In the child: run ``job``, send its result (or the error's text), and exit at once
    (never return into the parent's stack)."""
    status = 1
    try:
        try:
            payload: Any = ("ok", job())
        except BaseException:
            payload = ("error", traceback.format_exc())
        with os.fdopen(fd, "wb", buffering=1 << 20) as out:
            pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)


class Workers:
    """Worker processes forked to run one job each (see :func:`forked`)."""

    def __init__(self) -> None:
        self._children: list[_Child] = []

    def start(self, job: Callable[[], Any]) -> int | None:
        """Fork a worker that runs ``job``; its number (for :meth:`result`), or None when the
        system refuses another process (the caller then runs ``job`` itself)."""
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            with warnings.catch_warnings():
                # (Python 3.12 warns of fork in a process with threads: the worker runs only
                # the analysis, whose code takes no lock another thread may hold, then exits)
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return None
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            os.close(read)
            for child in self._children:
                os.close(child.fd)
            _run_child(job, write)
        os.close(write)
        self._children.append(_Child(pid, read))
        return len(self._children) - 1

    def result(self, number: int) -> Any:
        """The result of worker ``number`` (waits for it), or :class:`Failed` when its job
        raised.

        Raises:
            AnalysisWorkerError: the worker died before sending its result.
        """
        child = self._children[number]
        payload = None
        with os.fdopen(child.fd, "rb", buffering=1 << 20) as fh:
            try:
                payload = pickle.load(fh)
            except (EOFError, pickle.UnpicklingError, ValueError):
                payload = None
        _, status = os.waitpid(child.pid, 0)
        child.done = True
        if payload is None:
            if os.WIFSIGNALED(status):
                sig = os.WTERMSIG(status)
                try:
                    name = signal.Signals(sig).name
                except ValueError:
                    name = str(sig)
                how = f"was killed by signal {name}"
            else:
                how = f"exited with status {os.WEXITSTATUS(status)}"
            raise AnalysisWorkerError(
                f"analysis worker process {child.pid} {how} before sending its results (out "
                "of memory?); run the analysis again, or with workers=1 to keep it in one "
                "process"
            )
        kind, value = payload
        return Failed(value) if kind == "error" else value

    def stop(self) -> None:
        """Kill and reap every worker whose result was not taken."""
        for child in self._children:
            if child.done:
                continue
            child.done = True
            with suppress(ProcessLookupError):
                os.kill(child.pid, signal.SIGKILL)
            os.close(child.fd)
            os.waitpid(child.pid, 0)


@contextmanager
def forked() -> Iterator[Workers]:
    """Workers to fork; on leaving, those whose result was not taken are killed."""
    workers = Workers()
    try:
        yield workers
    finally:
        workers.stop()


class TaskCounter:
    """Hands out task numbers 0, 1, 2, ... to the processes that share it (made before they
    fork), each number once: processes take the next task when they finish one."""

    def __init__(self) -> None:
        self._value = multiprocessing.get_context("fork").Value("q", 0)

    def take(self) -> int:
        with self._value.get_lock():
            number = int(self._value.value)
            self._value.value = number + 1
        return number


def run_tasks(
    run: Callable[[int], Any], count: int, processes: int, costs: list[float] | None = None
) -> list[Any]:
    """``[run(0), ..., run(count - 1)]``, computed by up to ``processes`` processes: this one
    and forked workers take the tasks one at a time, the costliest first (``costs``), until
    none is left. Tasks must not depend on each other's side effects.

    When a task raises (here or in a worker), every task left without a result is run here,
    in order, so the error raised is the one running them in order raises.

    Raises:
        AnalysisWorkerError: a worker died before sending its results.
    """
    processes = max(1, min(processes, count))
    if processes == 1:
        return [run(i) for i in range(count)]
    order = list(range(count))
    if costs is not None:
        order.sort(key=lambda i: -costs[i])
    try:
        counter = TaskCounter()
    except OSError:  # no shared memory for the counter (a locked-down container)
        return [run(i) for i in range(count)]

    def share(done: dict[int, Any]) -> dict[int, Any]:
        while (taken := counter.take()) < count:
            number = order[taken]
            done[number] = run(number)
        return done

    results: dict[int, Any] = {}
    with forked() as workers:
        numbers = [workers.start(partial(share, {})) for _ in range(processes - 1)]
        # a task that raises here is run again below, in order, to raise it there
        with suppress(Exception):
            share(results)
        for number in numbers:
            if number is None:
                continue
            got = workers.result(number)
            if not isinstance(got, Failed):
                results.update(got)
    return [results[i] if i in results else run(i) for i in range(count)]
