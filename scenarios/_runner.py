"""The runner: plays a plan's episodes concurrently and records each one as it finishes.

Chains (single episodes, or the episodes of a stepped-context sequence in order) are the unit
of concurrency: at most ``concurrency`` chains are in flight, and the model providers' own
limits (rate, in-flight requests) apply inside the agents layer. Each finished episode is
appended to ``episodes.jsonl`` by the single writer in this process (:mod:`scenarios._sink`)
before it counts as done.

An episode that raises is recorded with ``stop_reason`` "error" and the run goes on. Ctrl-C
(or SIGTERM) stops the run cleanly: records already written stay, and the manifest says the
run was interrupted; ``--resume`` continues it.

A failed write to the output folder (disk full, an I/O error, a folder made read-only) stops
the run at once: the episodes in flight are cancelled, no further model call starts, the
manifest is marked "failed" with what is missing (the folder lock's reserve gives back the
room to write it), and :attr:`RunStats.failure` says which folder and how much space the rest
needs. The run holds the folder's lock (:mod:`scenarios._lock`) from start to end.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envs import EpisodeRecord, Message
from scenarios._execute import Executor, error_record, finish_record
from scenarios._lock import RESERVE_BYTES, FolderLock
from scenarios._matrix import Chain, EpisodeSpec, Plan
from scenarios._progress import RunProgress
from scenarios._saturation import CpuWatch, LoopIdle, reader_for
from scenarios._sink import RecordSink
from scenarios._store import (
    MANIFEST_VERSION,
    EpisodeWriter,
    OutputFolderError,
    OutputWriteError,
    check_output_folder,
    environment_facts,
    now_iso,
    read_manifest,
    write_manifest,
)
from telic import TelicError


@dataclass
class RunStats:
    """What one invocation of the runner did."""

    planned: int = 0
    """Episodes in the plan."""
    skipped: int = 0
    """Episodes already recorded in the folder (resume)."""
    finished: int = 0
    """Episodes played and recorded by this invocation."""
    errors: int = 0
    """Of those, episodes recorded with ``stop_reason`` "error"."""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    status: str = "running"
    """``completed``, ``interrupted``, ``stopped`` (a ``stop_when`` condition held) or
    ``failed`` (a write to the output folder failed)."""
    failure: str | None = None
    """Why the run failed (one line naming the folder and the space needed), if it did."""
    error_messages: list[str] = field(default_factory=list)
    """The first few error messages, for the summary line."""
    stopped_because: str | None = None
    """Why ``stop_when`` stopped the run (``None`` when it did not)."""
    error_records: list[EpisodeRecord] = field(default_factory=list)
    """The records of this invocation that ended in an error."""
    warnings: list[str] = field(default_factory=list)
    """What the run noticed while it played (e.g. that its own CPU set the pace), each also
    printed on stderr when it was noticed."""

    def add(self, record: EpisodeRecord) -> None:
        """Count one recorded episode."""
        self.finished += 1
        self.input_tokens += record.usage.input_tokens
        self.output_tokens += record.usage.output_tokens
        self.cost_usd += record.cost_usd or 0.0
        if record.stop_reason == "error":
            self.errors += 1
            self.error_records.append(record)
            if len(self.error_messages) < 5 and record.errors:
                self.error_messages.append(
                    f"{record.episode_id}: {record.errors[-1].get('message', '')}"
                )


def prepare_folder(
    plan: Plan, out_dir: Path, *, resume: bool, backend: str, lock: FolderLock | None = None
) -> dict[str, Any]:
    """Check the folder (see :func:`check_output_folder`), then create it, take ``lock`` (if
    given) and write the manifest.

    Returns the manifest written.

    Raises:
        OutputFolderError, FolderLockedError: the folder cannot take the run.
        OutputWriteError: the folder cannot be created or written.
    """
    splits = plan_splits(plan)
    check_output_folder(out_dir, plan.scenario_hash, resume=resume)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputWriteError(out_dir, exc) from exc
    if lock is not None:
        try:
            lock.acquire()
        except OSError as exc:
            raise OutputWriteError(out_dir, exc) from exc
        check_output_folder(out_dir, plan.scenario_hash, resume=resume)  # now under the lock
    manifest = read_manifest(out_dir) or {
        "manifest_version": MANIFEST_VERSION,
        "started_at": now_iso(),
        "runs": [],
    }
    check_same_splits(out_dir, manifest, splits)
    manifest.update(
        splits=splits,
        scenario=plan.scenario.model_dump(mode="json"),
        scenario_hash=plan.scenario_hash,
        episodes_planned=len(plan.episodes),
        status="running",
        ended_at=None,
        **environment_facts(),
    )
    manifest["runs"].append(
        {"started_at": now_iso(), "ended_at": None, "status": "running", "backend": backend}
    )
    write_manifest(out_dir, manifest)
    return manifest


def plan_splits(plan: Plan) -> list[dict[str, Any]]:
    """The published-protocol dataset splits the plan's environments read (each with its
    whole split record; ``personalization.dataset_splits``), for the manifest.

    Raises:
        ScenarioError: a split record is unreadable or does not match its dataset.
    """
    import json

    from personalization import PersonalizationError, dataset_splits
    from scenarios._load import ScenarioError

    envs: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
    for spec in plan.episodes:
        key = (spec.env_id, json.dumps(spec.env_kwargs, sort_keys=True, default=str))
        envs.setdefault(key, (spec.env_id, spec.env_kwargs))
    try:
        return dataset_splits(envs.values())
    except PersonalizationError as exc:
        raise ScenarioError(f"dataset split: {exc}") from exc


def _split_label(entry: Mapping[str, Any] | None) -> str:
    if entry is None:
        return "no split record"
    return f"{entry.get('name')} seed {entry.get('seed')} (digest {entry.get('digest')})"


def check_same_splits(
    out_dir: Path, manifest: Mapping[str, Any], splits: Sequence[Mapping[str, Any]]
) -> None:
    """A resumed run must read the dataset splits its manifest recorded: records made on one
    split and on another must not mix. Manifests written before splits were recorded (no
    ``splits`` key) are not checked.

    Raises:
        OutputFolderError: a dataset's split differs from the recorded one.
    """
    recorded = manifest.get("splits")
    if recorded is None or not manifest.get("runs"):
        return
    old = {str(e.get("corpus")): e for e in recorded}
    new = {str(e.get("corpus")): e for e in splits}
    for corpus in sorted(set(old) | set(new)):
        was, now = old.get(corpus), new.get(corpus)
        if (was or {}).get("digest") == (now or {}).get("digest"):
            continue
        raise OutputFolderError(
            f"output folder {str(out_dir)!r} was run on {corpus} with split {_split_label(was)}, "
            f"but it now has {_split_label(now)}; resuming would mix two splits: restore the "
            'recorded split (manifest.json, "splits") or choose another folder with --out'
        )


def check_folder_splits(plan: Plan, out_dir: Path) -> None:
    """Before a run: the plan's dataset splits are readable and, when ``out_dir`` holds a run,
    are the ones it recorded (:func:`check_same_splits`). Writes nothing.

    Raises:
        ScenarioError, OutputFolderError: as :func:`plan_splits`, :func:`check_same_splits`.
    """
    splits = plan_splits(plan)
    manifest = read_manifest(out_dir) if out_dir.is_dir() else None
    if manifest is not None:
        check_same_splits(out_dir, manifest, splits)


def run_plan(
    plan: Plan,
    out_dir: str | Path,
    executor: Executor,
    *,
    resume: bool = False,
    retry_errors: bool = False,
    concurrency: int | None = None,
    backend: str = "local",
    progress: bool | None = None,
    on_record: Callable[[EpisodeRecord], None] | None = None,
    stop_when: Callable[[EpisodeRecord, RunStats], str | None] | None = None,
) -> RunStats:
    """Run every episode of ``plan`` not yet recorded in ``out_dir``.

    Args:
        plan: the expanded scenario.
        out_dir: the output folder (created if needed).
        executor: plays one episode (:class:`~scenarios._execute.LocalExecutor`, Ray, a fake).
        resume: continue a run of the same scenario in ``out_dir``.
        retry_errors: with ``resume``, also re-play episodes recorded with an error.
        concurrency: chains in flight at once (default: the scenario's ``max_concurrency``).
        backend: name recorded in the manifest.
        progress: show a progress bar (None: only when stderr is a terminal).
        on_record: called with each record after it is written.
        stop_when: called with each record written and the stats so far; a reason it returns
            stops the run like an interrupt (finished episodes kept, status ``stopped``).

    Raises:
        OutputFolderError: before anything is written, when the folder cannot take the run.
        FolderLockedError: another process is running on the folder.
        OutputWriteError: the folder cannot be created or written at the start (a write
            failure during the run ends it with ``status`` "failed" instead).
    """
    out = Path(out_dir)
    lock = FolderLock(out, reserve_bytes=RESERVE_BYTES)
    try:
        manifest = prepare_folder(plan, out, resume=resume, backend=backend, lock=lock)
        writer = EpisodeWriter(out).open()
    except BaseException:
        lock.release()
        raise
    stats = RunStats(planned=len(plan.episodes))
    limit = concurrency or plan.scenario.concurrency.max_concurrency
    recorded = writer.existing.ids  # grows as records are written

    def written(record: EpisodeRecord) -> None:
        recorded.add(record.episode_id)
        if on_record is not None:
            on_record(record)

    try:
        with collector_for_run():
            asyncio.run(
                _run(plan, executor, writer, stats, limit, retry_errors, progress, written,
                     stop_when)
            )  # fmt: skip
        stats.status = "completed"
    except (KeyboardInterrupt, asyncio.CancelledError):
        stats.status = "stopped" if stats.stopped_because else "interrupted"
    except OutputWriteError as exc:
        stats.status = "failed"
        remaining = len(plan.episodes) - len(recorded)
        stats.failure = str(exc.with_needed(_space_needed(writer, remaining, len(plan.episodes))))
        lock.release_reserve()  # room for the manifest below
    finally:
        writer.close()
        executor.close()
        if stats.status == "running":  # an unexpected exception escapes below
            stats.status = "failed"
        try:
            _close_manifest(out, manifest, stats, len(recorded))
        except OutputWriteError:
            if stats.failure is None:
                raise
        finally:
            lock.release()
    return stats


#: The garbage collector's thresholds (generations 0, 1, 2) while a run plays (CPython's
#: default: 700, 10, 10).
RUN_GC_THRESHOLDS = (10_000, 20, 10)


@contextlib.contextmanager
def collector_for_run() -> Iterator[None]:
    """The garbage collector tuned for a run's many short-lived objects, restored afterwards.

    With CPython's defaults a run spent 13-17% of its CPU in the cyclic garbage collector
    (the ``cores`` part of ``benchmarks/bench_speed.py``): each full collection walked every
    object alive in the process (the imported libraries, the plan, the models: about 200,000
    objects before the first episode), and hundreds of young-generation collections ran while
    episodes were set up, some before the first request left. Here the objects alive when the
    run starts are frozen (``gc.freeze``: left out of every collection until the run ends) and
    the young generation is collected every 10,000 allocations rather than every 700
    (:data:`RUN_GC_THRESHOLDS`). Reference counting frees objects as before; only unreachable
    cycles wait longer. The collector is left as it is when it is disabled or the caller has
    frozen objects of its own.
    """
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*RUN_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


#: Bytes per record assumed when nothing has been written yet (a short episode's record).
_TYPICAL_RECORD_BYTES = 20_000


def _space_needed(writer: EpisodeWriter, remaining: int, planned: int) -> int:
    """Rough bytes the rest of the run and its report need: the records still to write at the
    mean size written so far, plus the report (about the size of all records, since
    report.html carries the transcripts) and a margin."""
    if writer.records_written:
        per = writer.bytes_written / writer.records_written
    elif writer.existing.records and writer.path.exists():
        per = writer.path.stat().st_size / len(writer.existing.records)
    else:
        per = _TYPICAL_RECORD_BYTES
    return int(per * (remaining + planned)) + (1 << 20)


def _close_manifest(out: Path, manifest: dict[str, Any], stats: RunStats, recorded: int) -> None:
    ended = now_iso()
    manifest.update(status=stats.status, ended_at=ended, episodes_recorded=recorded)
    manifest["episodes_missing"] = max(0, stats.planned - recorded)
    if stats.failure is not None:
        manifest["failure"] = stats.failure
    else:
        manifest.pop("failure", None)
    manifest["runs"][-1].update(
        ended_at=ended,
        status=stats.status,
        episodes_played=stats.finished,
        errors=stats.errors,
        skipped=stats.skipped,
    )
    write_manifest(out, manifest)


#: Chains started per turn of the event loop at the start of a run. Starting every chain in one
#: turn sets up every env (and builds every first request) before any request leaves, which
#: with hundreds in flight is most of a second of CPU during which no call is waiting on the
#: provider; in groups, the first calls are out while the rest are still being set up.
START_GROUP = 16


async def _run(
    plan: Plan,
    executor: Executor,
    writer: EpisodeWriter,
    stats: RunStats,
    limit: int,
    retry_errors: bool,
    progress: bool | None,
    on_record: Callable[[EpisodeRecord], None] | None,
    stop_when: Callable[[EpisodeRecord, RunStats], str | None] | None = None,
) -> None:
    main = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if main is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, main.cancel)
    recorded = {r["episode_id"]: r for r in writer.existing.records}
    todo: list[tuple[Chain, int, list[Message] | None]] = []
    for chain in plan.chains:
        start = _first_unfinished(chain, recorded, retry_errors)
        stats.skipped += start
        if start < len(chain.episodes):
            prior = None
            if start > 0:
                prior = _conversation(chain.episodes[:start], recorded)
            todo.append((chain, start, prior))
    semaphore = asyncio.Semaphore(limit)
    in_flight = 0
    with RunProgress(stats, enabled=progress) as bar:

        def written(rec: EpisodeRecord) -> None:
            stats.add(rec)
            bar.update()
            if on_record is not None:
                on_record(rec)
            if stop_when is not None and stats.stopped_because is None and main is not None:
                reason = stop_when(rec, stats)
                if reason:
                    stats.stopped_because = reason
                    main.cancel()

        def stop_now() -> None:  # called from the writing thread
            if main is not None:
                with contextlib.suppress(RuntimeError):  # the loop may be closed (final flush)
                    loop.call_soon_threadsafe(main.cancel)

        sink = RecordSink(writer, written, stop_now)

        async def run_chain(chain: Chain, start: int, prior: list[Message] | None) -> None:
            nonlocal in_flight
            async with semaphore:
                in_flight += 1
                try:
                    for spec in chain.episodes[start:]:
                        rec = await _play(executor, spec, prior)
                        sink.put(rec)
                        if rec.stop_reason == "error" and spec is not chain.episodes[-1]:
                            _abort_rest(chain, spec, sink.put)
                            return
                        prior = [*(prior or []), *rec.transcript]
                finally:
                    in_flight -= 1

        def noticed(text: str) -> None:
            stats.warnings.append(text)
            bar.note(f"warning: {text}")

        sink_task = asyncio.create_task(sink.run())
        idle = LoopIdle(loop)
        watch = _cpu_watch(executor, plan, idle)
        watch_task = None
        if watch is not None:
            watch_task = asyncio.create_task(
                watch.watch(lambda: in_flight, lambda: stats.finished, limit, noticed)
            )

        def stop_on_write_failure(task: asyncio.Task[None]) -> None:
            # A write that failed ends the run now: cancelling the main task cancels every
            # episode in flight, so no further model call starts.
            if not task.cancelled() and task.exception() is not None and main is not None:
                main.cancel()

        sink_task.add_done_callback(stop_on_write_failure)
        try:
            async with asyncio.TaskGroup() as group:
                for index, (chain, start, prior) in enumerate(todo, 1):
                    group.create_task(run_chain(chain, start, prior))
                    if index % START_GROUP == 0:
                        await asyncio.sleep(0)  # see START_GROUP
            sink.close()
            await sink_task
        finally:
            sink_task.cancel()
            if watch_task is not None:
                watch_task.cancel()
            idle.remove()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGTERM)
            failed = sink.failed
            if failed is None and sink_task.done() and not sink_task.cancelled():
                failed = sink_task.exception()
            if failed is not None:
                raise failed  # replaces the cancellation it caused
            sink.flush()  # finished episodes are kept whatever ended the run


def _cpu_watch(executor: Executor, plan: Plan, idle: LoopIdle | None = None) -> CpuWatch | None:
    """The watch of whether the runner's CPU sets the run's pace (scenarios._saturation), or
    None for an executor whose episodes play elsewhere (Ray) and for a plan whose models all
    run in this process (scripted, embedded): their calls wait for the CPU by nature, and no
    concurrency setting changes that."""
    from agents import uses_network

    if getattr(executor, "plays_remotely", False):
        return None
    try:
        if not any(uses_network(m.spec) for m in plan.scenario.models):
            return None
    except TelicError:  # a spec only a plugin (not imported here) knows: watch anyway
        pass
    return CpuWatch(reader_for(executor, idle), workers=int(getattr(executor, "workers", 1) or 1))


async def _play(
    executor: Executor, spec: EpisodeSpec, prior: Sequence[Message] | None
) -> EpisodeRecord:
    started = time.perf_counter()
    try:
        record = await executor.play(spec, prior)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # an episode's failure is recorded, the run goes on
        return error_record(spec, exc, time.perf_counter() - started)
    return finish_record(spec, record)


def _abort_rest(chain: Chain, failed: EpisodeSpec, record: Callable[[EpisodeRecord], None]) -> None:
    """Record the rest of a sequence as errors: they cannot continue a failed conversation."""
    later = chain.episodes[failed.position + 1 :]
    for spec in later:
        reason = RuntimeError(
            f"not played: task {failed.position + 1} of sequence {failed.sequence!r} "
            f"({failed.env_id}, episode {failed.episode_id}) ended in an error"
        )
        record(error_record(spec, reason, 0.0))


def _first_unfinished(chain: Chain, recorded: dict[str, dict[str, Any]], retry: bool) -> int:
    for index, spec in enumerate(chain.episodes):
        rec = recorded.get(spec.episode_id)
        if rec is None or (retry and rec.get("stop_reason") == "error"):
            return index
    return len(chain.episodes)


def _conversation(
    earlier: Sequence[EpisodeSpec], recorded: dict[str, dict[str, Any]]
) -> list[Message]:
    """The whole conversation of a sequence's earlier episodes (each record holds only its
    own messages; the agent prefixes the next episode with all of them)."""
    return [
        Message.model_validate(m)
        for spec in earlier
        for m in recorded[spec.episode_id].get("transcript", [])
    ]
