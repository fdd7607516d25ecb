"""The multi-process backend: episodes played by worker processes, one per core.

A run's CPU goes into building requests, parsing replies and stepping envs; one asyncio thread
gives it one core, which becomes the ceiling once enough calls are in flight (at about 5 ms of
CPU per call, one process keeps ~200 calls a second going). :class:`ProcessExecutor` starts
``workers`` processes, each with its own event loop, its own models (built from the scenario's
entries) and its own HTTP connections, and sends each episode to the least busy one.

This process keeps everything else, exactly as with the in-process executor: the plan, the order
of stepped-context sequences, the concurrency limit, resume and the single writer of
``episodes.jsonl``. A worker receives the episode spec (and a sequence's earlier conversation)
as JSON, plays it with the same ``agents.arun_episode`` call as
:class:`~scenarios._execute.LocalExecutor` and sends back the record as JSON, so the records are
the ones a single-process run writes (wall times aside); an episode that raises comes back as
its exception's type name and message, which the runner records as it would locally.

Providers' limits (``concurrency.rpm``, ``concurrency.max_in_flight``) are per process in the
agents layer, so each worker gets an equal share, rounded down (and there are never more
workers than the smallest such limit): the run as a whole stays within them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from envs import EpisodeRecord, Message
from scenarios._matrix import EpisodeSpec
from scenarios._runner import RUN_GC_THRESHOLDS, START_GROUP
from scenarios._saturation import LoopIdle
from scenarios._schema import Cache, Concurrency, ModelEntry

#: Seconds a worker gets to exit after being asked to, before it is terminated.
STOP_GRACE_S = 5.0


def worker_count(requested: int | None) -> int:
    """``requested`` workers, or one per core when it is None or 0."""
    if not requested:
        return max(1, os.cpu_count() or 1)
    if requested < 0:
        raise ValueError(f"workers must be >= 0 (0: one per core), got {requested}")
    return requested


def share_limits(concurrency: Concurrency, workers: int) -> tuple[Concurrency, int]:
    """Each worker's share of the providers' limits, and the number of workers to start
    (never more than the smallest limit, so the shares add up to at most the limits)."""
    limits = [*concurrency.rpm.values(), *concurrency.max_in_flight.values()]
    workers = max(1, min([workers, *limits]))
    shared = concurrency.model_copy(
        update={
            "rpm": {k: max(1, v // workers) for k, v in concurrency.rpm.items()},
            "max_in_flight": {
                k: max(1, v // workers) for k, v in concurrency.max_in_flight.items()
            },
        }
    )
    return shared, workers


_REMOTE_ERRORS: dict[str, type[Exception]] = {}


def remote_error(kind: str, message: str) -> Exception:
    """An exception with the type name and message a worker's episode raised (the runner's
    error record keeps exactly these two)."""
    cls = _REMOTE_ERRORS.get(kind)
    if cls is None:
        cls = type(kind, (Exception,), {"__module__": __name__})
        _REMOTE_ERRORS[kind] = cls
    return cls(message)


# ------------------------------------------------------------------------------ worker side


def _worker_main(
    conn: Any,
    cache: dict[str, Any],
    concurrency: dict[str, Any],
    plugins: list[str],
    entries: list[dict[str, Any]] | None = None,
) -> None:
    """A worker process: plays the episodes it receives, concurrently, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    os.environ.setdefault("LANGCHAIN_TRACING_V2", "false")
    import envs

    envs.import_plugin_modules(list(plugins))
    _warm_up()
    asyncio.run(
        _serve(conn, Cache.model_validate(cache), Concurrency.model_validate(concurrency), entries)
    )
    # Every reply has been sent and every cache write committed: exit now rather than tear
    # down the interpreter (seconds for a process that loaded the agent stack, and the run's
    # end waits for it).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _warm_up() -> None:
    """Load, before saying "ready", what a process's first episode would otherwise load while
    the run's clock is going (half a second of imports that, with every worker starting its
    first episodes at once, delayed the first calls by seconds): the personalization families
    every episode's setup consults, the price snapshot a record's cost reads and the HTTP
    client's async socket backend. Anything missing is left to the episode to report."""
    from personalization import episode_split

    with contextlib.suppress(Exception):
        episode_split("", {})  # loads the registered families (no env has this id)
    with contextlib.suppress(Exception):
        from genai_prices.data_snapshot import get_snapshot

        get_snapshot()
    with contextlib.suppress(ImportError):
        import anyio._backends._asyncio  # noqa: F401


async def _serve(
    conn: Any, cache: Cache, concurrency: Concurrency, entries: list[dict[str, Any]] | None = None
) -> None:
    from agents import arun_episode
    from scenarios._execute import build_model, episode_call
    from scenarios._schema import ModelEntry

    loop = asyncio.get_running_loop()
    idle = LoopIdle(loop)
    idle.install()

    def busy() -> float | None:
        seconds = idle.busy_seconds()
        return seconds[0] if seconds else None

    models: dict[str, Any] = {}
    for data in entries or ():  # built before "ready", while the parent prepares the run
        entry = ModelEntry.model_validate(data)
        with contextlib.suppress(Exception):  # the episode that needs it reports the error
            models[entry.name] = build_model(entry, cache, concurrency)
    tasks: set[asyncio.Task[None]] = set()
    stopped = asyncio.Event()
    # Replies go out from a thread, so a large record waiting for the parent to read it never
    # stops this loop from taking new episodes (which is what the parent may be waiting on).
    outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def sender() -> None:
        while (item := outbox.get()) is not None:
            try:
                conn.send(item)
            except (BrokenPipeError, OSError):
                return

    thread = threading.Thread(target=sender, name="telic-worker-sender", daemon=True)
    thread.start()

    async def play(job: int, spec_json: dict[str, Any], prior_json: list[Any] | None) -> None:
        try:
            spec = EpisodeSpec.model_validate(spec_json)
            prior = [Message.model_validate(m) for m in prior_json] if prior_json else None
            model = models.get(spec.model.name)
            if model is None:
                model = models[spec.model.name] = build_model(spec.model, cache, concurrency)
            record = await arun_episode(**episode_call(spec, model, prior))
            reply: tuple[Any, ...] = (job, "ok", record.to_json_dict())
        except Exception as exc:  # the parent records it as the runner would
            reply = (job, "error", type(exc).__name__, str(exc))
        # how long this worker's loop has been busy so far (the parent's CPU watch)
        outbox.put((*reply, busy()))

    def readable() -> None:
        # At most START_GROUP episodes per turn of the loop (the runner's reason): the
        # selector calls this again while the pipe holds more.
        for _ in range(START_GROUP):
            if not conn.poll():
                return
            try:
                message = conn.recv()
            except EOFError:
                message = None
            if message is None:
                loop.remove_reader(conn.fileno())
                stopped.set()
                return
            task = loop.create_task(play(*message))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    loop.add_reader(conn.fileno(), readable)
    # As the runner does for its run (scenarios._runner.collector_for_run): what the worker
    # has loaded and built stays out of every collection, and the young generation is
    # collected less often. The process exits when the run ends.
    gc.freeze()
    gc.set_threshold(*RUN_GC_THRESHOLDS)
    outbox.put(("ready",))
    await stopped.wait()
    for task in list(tasks):
        task.cancel()
    outbox.put(None)
    thread.join(timeout=STOP_GRACE_S)
    conn.close()


# ------------------------------------------------------------------------------ parent side


class _Worker:
    def __init__(self, ctx: Any, args: tuple[Any, ...]) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, *args), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.busy: float | None = None
        """Seconds the worker's event loop has been busy (not waiting), as of its last reply."""


class ProcessExecutor:
    """Plays episodes in ``workers`` local processes (see the module docstring)."""

    def __init__(
        self,
        *,
        workers: int,
        cache: Cache,
        concurrency: Concurrency,
        plugins: Sequence[str] = (),
        models: Sequence[ModelEntry] = (),
    ) -> None:
        """Start the workers (they load telic, and build ``models``, the scenario's model
        entries, while the run is being prepared)."""
        shared, self.workers = share_limits(concurrency, worker_count(workers))
        # spawn: a forked copy of a process with threads (the HTTP pools, the sink) can hang
        ctx = mp.get_context("spawn")
        args = (
            cache.model_dump(mode="json"),
            shared.model_dump(mode="json"),
            list(plugins),
            [m.model_dump(mode="json") for m in models],
        )
        self._pool = [_Worker(ctx, args) for _ in range(self.workers)]
        self._jobs = 0
        self._loop: asyncio.AbstractEventLoop | None = None

    def wait_ready(self, timeout_s: float = 300.0) -> None:
        """Block until every worker has loaded telic (call it before the run's event loop
        starts, e.g. to keep start-up out of a measurement).

        Raises:
            TimeoutError: a worker was not ready in time.
        """
        for worker in self._pool:
            if not worker.ready:
                if not worker.conn.poll(timeout_s):
                    raise TimeoutError(f"a worker process was not ready after {timeout_s:g} s")
                message = worker.conn.recv()
                worker.ready = message[0] == "ready"

    def worker_busy(self) -> list[float] | None:
        """Seconds each worker's event loop has been busy, as of its last reply (what
        scenarios._saturation reads); None until every worker has replied once."""
        values = [w.busy for w in self._pool]
        if not values or any(v is None for v in values):
            return None
        return [float(v) for v in values if v is not None]

    def _attach(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is loop:
            return
        self._loop = loop
        for worker in self._pool:
            loop.add_reader(worker.conn.fileno(), self._readable, worker)

    def _readable(self, worker: _Worker) -> None:
        while True:
            try:
                if not worker.conn.poll():
                    return
                message = worker.conn.recv()
            except (EOFError, OSError):
                self._lost(worker)
                return
            if message[0] == "ready":
                worker.ready = True
                continue
            future = worker.pending.pop(message[0], None)
            if future is None or future.done():
                continue
            worker.busy = message[-1]
            if message[1] == "ok":
                future.set_result(message[2])
            else:
                future.set_exception(remote_error(message[2], message[3]))

    def _lost(self, worker: _Worker) -> None:
        assert self._loop is not None
        with contextlib.suppress(ValueError, OSError):
            self._loop.remove_reader(worker.conn.fileno())
        code = worker.process.exitcode
        for future in worker.pending.values():
            if not future.done():
                future.set_exception(
                    RuntimeError(f"the worker process playing this episode exited (code {code})")
                )
        worker.pending.clear()

    async def play(
        self, spec: EpisodeSpec, prior_transcript: Sequence[Message] | None
    ) -> EpisodeRecord:
        self._attach()
        assert self._loop is not None
        worker = min(self._pool, key=lambda w: (not w.process.is_alive(), len(w.pending)))
        self._jobs += 1
        job = self._jobs
        future: asyncio.Future[Any] = self._loop.create_future()
        worker.pending[job] = future
        prior = [m.model_dump(mode="json") for m in prior_transcript] if prior_transcript else None
        try:
            worker.conn.send((job, spec.model_dump(mode="json"), prior))
        except (BrokenPipeError, OSError):
            self._lost(worker)
        try:
            data = await future
        finally:
            worker.pending.pop(job, None)
        return EpisodeRecord.model_validate(data)

    def close(self) -> None:
        for worker in self._pool:
            if self._loop is not None and not self._loop.is_closed():
                with contextlib.suppress(ValueError, OSError):
                    self._loop.remove_reader(worker.conn.fileno())
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send(None)
        for worker in self._pool:
            worker.process.join(timeout=STOP_GRACE_S)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=STOP_GRACE_S)
            worker.conn.close()
        self._pool = []


def cpu_warning(concurrency: int, workers: int) -> str | None:
    """A note, before the run, for runs that ask one process for more calls in flight than it
    can feed when calls return in a fifth of a second (:data:`PER_PROCESS_IN_FLIGHT`), or None.
    The run also measures whether its CPU sets the pace as it plays (scenarios._saturation)."""
    cores = os.cpu_count() or 1
    if workers > 1 or concurrency <= PER_PROCESS_IN_FLIGHT or cores < 2:
        return None
    return (
        f"{concurrency} episodes in flight in one process: above about {PER_PROCESS_IN_FLIGHT} "
        "the runner's own CPU (requests, replies, env steps) can become the limit when calls "
        "return in well under a second (the run says so if it happens). This machine has "
        f"{cores} cores; add --workers {cores} to use them all."
    )


#: In-flight episodes one process keeps fed when calls take 200 ms (about 1 ms of the runner's
#: CPU per call: benchmarks/bench_speed, BENCHMARKS.md); slower calls leave room for more.
PER_PROCESS_IN_FLIGHT = 256

__all__ = ["ProcessExecutor", "cpu_warning", "remote_error", "share_limits", "worker_count"]
