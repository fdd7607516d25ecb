"""The records of an analysis taken in, one at a time, by the tables that need them.

:func:`metrics.analyze` gives every record to four consumers: the capability samples
(:class:`~metrics._capabilities.CapabilityCollector`), the usage and measurement summaries, and
the store of the record's composite cell. The plain way turns each record into an
:class:`~metrics.Episode` (:func:`metrics.normalize_record`) and gives that to each consumer.

:class:`RecordIntake` has a second way for the common record of a large run: a dict from
``episodes.jsonl`` whose fields are already of their types and in their usual places. It reads
those fields once, without building an :class:`Episode`, and hands them to the same
consumers' field methods (the plain ``add`` of each consumer calls the same method with the
episode's fields); the consumers of one (model, variant, task, n_blocks) are looked up once,
not per record. A record the check in :func:`_fields` does not accept (an ``EpisodeRecord``,
an Episode, a string seed, a task given only in ``info``, ...), an incomplete subtask episode
(kept whole for its message) and a record whose task needs whole episodes (a capability
scorer outside :data:`~metrics._capabilities.INFO_ONLY_SCORERS`, a composite task without
``info_keys``) take the plain way. Both ways give every consumer the same values in the same
order, so the analysis is the same (tests/metrics/test_metrics_intake.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

from metrics._capabilities import INFO_ONLY_SCORERS, Capability, CapabilityCollector
from metrics._records import Episode, MissingTaskError, normalize_record, read_range
from metrics._summaries import MeasurementAccumulator, UsageAccumulator, _UsageSums
from metrics._tasks import TaskGD
from metrics._workers import Failed, forked


class _InfoOnly:
    """What an :data:`INFO_ONLY_SCORERS` scorer reads of an episode: its ``info``."""

    __slots__ = ("info",)

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info


@dataclass
class _Group:
    """The consumers of one (model, variant, task, n_blocks), looked up once."""

    usage: _UsageSums
    capabilities: list[Capability]
    """The capabilities the task measures (every scorer reads only ``info``); may be empty."""
    store: Any
    """The composite cell's store (with ``add_fields``), or None for other tasks."""


def _fields(record: Any) -> tuple[Any, ...] | None:
    """The fields :func:`normalize_record` would give ``record``, when it is a dict whose
    fields already have the types and places that make each of its conversions a no-op;
    else None. Order: model, task, n_blocks, seed, completed, return, info, variant, steps,
    invalid actions, input, output and total tokens, cost, wall time. (The episode id and stop
    reason, read only for composite episodes, are left to :func:`_id_and_stop`.)"""
    if type(record) is not dict:
        return None
    get = record.get
    info = get("info")
    model = get("model")
    task = get("task")
    n = get("n_blocks")
    seed = get("seed")
    completed = get("completed")
    if (
        type(info) is not dict
        or type(model) is not str
        or not model
        or type(task) is not str
        or not task
        or type(n) is not int
        or type(seed) is not int
        or type(completed) is not bool
    ):
        return None
    if completed:
        ret = get("return")
        if type(ret) is not float or ret - ret != 0.0:
            return None
    else:
        ret = None
    variant = get("variant") or "neutral"
    steps = get("steps") or info.get("steps") or 0
    invalid = info.get("invalid_actions") or 0
    usage = get("usage") or {}
    if type(variant) is not str or type(steps) is not int or type(invalid) is not int:
        return None
    if type(usage) is not dict:
        return None
    tokens_in = usage.get("input_tokens") or 0
    tokens_out = usage.get("output_tokens") or 0
    tokens_total = usage.get("total_tokens") or 0
    if type(tokens_in) is not int or type(tokens_out) is not int or type(tokens_total) is not int:
        return None
    cost = get("cost_usd")
    if cost is not None and (type(cost) is not float or cost - cost != 0.0):
        return None
    wall = get("wall_time_s")
    if type(wall) is not float or wall - wall != 0.0:
        return None
    return (
        model,
        task,
        n,
        seed,
        completed,
        ret,
        info,
        variant,
        steps,
        invalid,
        tokens_in,
        tokens_out,
        tokens_total,
        cost,
        wall or 0.0,
    )


def _id_and_stop(record: dict[str, Any]) -> tuple[str, str] | None:
    """The episode id and stop reason :func:`normalize_record` would give, when both are
    strings (or absent); else None."""
    ident = record.get("episode_id") or ""
    stop = record.get("stop_reason") or ""
    if type(ident) is not str or type(stop) is not str:
        return None
    return ident, stop


class RecordIntake:
    """The consumers of an analysis, fed one record at a time (see the module docstring).

    Args:
        tasks: the composite tasks with a goal-directedness declaration, by name.
        new_store: makes the store of a composite cell from its task's declaration; a store
            has ``add(episode)`` and ``add_fields(seed, completed, return, stop_reason,
            episode_id, info)``, the latter used only when the task declares ``info_keys``.
    """

    def __init__(
        self, tasks: dict[str, TaskGD], new_store: Callable[[TaskGD], Any], *, part: bool = False
    ) -> None:
        self.tasks = tasks
        self.new_store = new_store
        self.collector = CapabilityCollector()
        self.usage = UsageAccumulator(keep_walls=part)
        self.measurements = MeasurementAccumulator()
        self.cells: dict[tuple[Any, ...], Any] = {}
        """The composite cells' stores by (model, variant, task, n_blocks), in order of
        their first episode."""
        self._groups: dict[tuple[Any, ...], _Group | None] = {}
        """Per (model, variant, task, n_blocks): its consumers, or None when its records
        take the plain way."""
        self._plain_tasks: dict[str, bool] = {}

    def add(self, record: Any, index: int) -> None:
        """Take one record (``index``: its position, named in error messages).

        Raises:
            RecordError: as :func:`metrics.normalize_record` (MissingTaskError included).
        """
        fields = _fields(record)
        if fields is None or not self._add_fields(record, fields):
            self.add_episode(normalize_record(record, index))

    def parts(self) -> tuple[Any, ...]:
        """What was taken, as plain data (no declarations) for :meth:`merge`."""
        return self.collector.parts(), self.usage, self.measurements, self.cells

    def merge(self, parts: tuple[Any, ...]) -> None:
        """Take what another intake (made with ``part=True``) took, given as its
        :meth:`parts`, after what this one took: every consumer ends as if this intake had
        been given the other's records next."""
        collected, usage, measurements, cells = parts
        self.collector.merge(collected)
        self.usage.merge(usage)
        self.measurements.merge(measurements)
        for key, theirs in cells.items():
            mine = self.cells.get(key)
            if mine is None:
                self.cells[key] = theirs
            else:
                mine.merge(theirs)

    def add_episode(self, ep: Episode) -> None:
        """Take one episode, the plain way."""
        self.collector.add(ep)
        self.usage.add(ep)
        self.measurements.add(ep)
        decl = self.tasks.get(ep.task)
        if decl is not None:
            self._store((ep.model, ep.variant, ep.task, ep.n_blocks), decl).add(ep)

    def _store(self, key: tuple[Any, ...], decl: TaskGD) -> Any:
        store = self.cells.get(key)
        if store is None:
            store = self.cells[key] = self.new_store(decl)
        return store

    def _plain_task(self, task: str) -> bool:
        """Whether the records of ``task`` need whole episodes."""
        plain = self._plain_tasks.get(task)
        if plain is None:
            caps = self.collector.capabilities_of(task)
            decl = self.tasks.get(task)
            plain = any(cap.score not in INFO_ONLY_SCORERS for cap in caps) or (
                decl is not None and decl.info_keys is None
            )
            self._plain_tasks[task] = plain
        return plain

    def _add_fields(self, record: dict[str, Any], fields: tuple[Any, ...]) -> bool:
        """Give the fields to the consumers, as :meth:`add_episode` would give the episode;
        False (nothing taken) when the record must take the plain way."""
        (model, task, n, seed, completed, ret, info, variant, steps, invalid, *rest) = fields
        key = (model, variant, task, n)
        try:
            group = self._groups[key]
        except KeyError:
            group = self._groups[key] = self._group(key)
        if group is None:
            return False
        caps, store = group.capabilities, group.store
        if caps and not completed:
            return False  # kept whole in collector.incomplete
        id_stop = None
        if store is not None:
            id_stop = _id_and_stop(record)
            if id_stop is None:
                return False
        tokens_in, tokens_out, tokens_total, cost, wall = rest
        group.usage.add(
            steps, invalid, tokens_in, tokens_out, tokens_total, wall, cost, completed, ret, info
        )
        if caps:
            self.collector.add_completed(caps, _InfoOnly(info), model, variant, n, seed, ret)
        self.measurements.add_fields(model, variant, task, n, completed, info)
        if store is not None and id_stop is not None:
            store.add_fields(seed, completed, ret, id_stop[1], id_stop[0], info)
        return True

    def _group(self, key: tuple[Any, ...]) -> _Group | None:
        model, variant, task, _ = key
        if self._plain_task(task):
            return None
        decl = self.tasks.get(task)
        return _Group(
            usage=self.usage.sums(model, variant, task),
            capabilities=self.collector.capabilities_of(task),
            store=None if decl is None else self._store(key, decl),
        )


# ---------------------------------------------------------------- one file, in parts
def line_bounds(path: Path, parts: int, first: float = 1.0) -> list[int]:
    """Byte offsets that cut ``path`` into up to ``parts`` pieces at line starts, ``[0, ...,
    size]``: the first piece ``first`` times the size of each other (about)."""
    size = path.stat().st_size
    bounds = [0]
    whole = first + parts - 1
    with path.open("rb") as fh:
        for k in range(1, parts):
            fh.seek(max(0, int(size * (first + k - 1) / whole) - 1))
            fh.readline()  # to the start of the next line
            at = fh.tell()
            if bounds[-1] < at < size:
                bounds.append(at)
    bounds.append(size)
    return bounds


def _lines_before(path: Path, offset: int) -> int:
    """The number of line ends in the first ``offset`` bytes of ``path``."""
    count = 0
    with path.open("rb") as fh:
        while offset > 0:
            chunk = fh.read(min(offset, 1 << 24))
            if not chunk:
                break
            count += chunk.count(b"\n")
            offset -= len(chunk)
    return count


def _take_range(
    intake: RecordIntake,
    path: Path,
    start: int,
    stop: int | None,
    first_index: int,
    skipped: list[str],
) -> int:
    """Give ``intake`` the records of the lines in bytes ``[start, stop)`` (the first one
    numbered ``first_index``; records without a task noted in ``skipped``); their count."""
    add = intake.add
    count = 0
    first_line = 1 + _lines_before(path, start) if start else 1
    for count, record in enumerate(read_range(path, start, stop, first_line), 1):
        try:
            add(record, first_index + count - 1)
        except MissingTaskError as exc:
            skipped.append(str(exc))
    return count


def _take_part(
    tasks: dict[str, TaskGD],
    new_store: Callable[[TaskGD], Any],
    path: Path,
    start: int,
    stop: int | None,
) -> tuple[tuple[Any, ...], list[tuple[int, Any]], int]:
    """In a worker: the :meth:`RecordIntake.parts` of the records in bytes ``[start, stop)``,
    the records without a task (with their index in the part: the parent words their
    messages) and the number of records."""
    intake = RecordIntake(tasks, new_store, part=True)
    add = intake.add
    missing = []
    count = 0
    # (line numbers only matter for a line that is not JSON: the parent then reads this part
    # again itself, numbering its lines)
    for count, record in enumerate(read_range(path, start, stop), 1):
        try:
            add(record, count - 1)
        except MissingTaskError:
            missing.append((count - 1, record))
    return intake.parts(), missing, count


def take_in_file(
    path: Path,
    tasks: dict[str, TaskGD],
    new_store: Callable[[TaskGD], Any],
    processes: int,
    skipped: list[str],
) -> RecordIntake:
    """The intake of the records of ``path`` read by ``processes`` processes: the file is cut
    at line starts into as many parts; this process takes the first part while forked workers
    take the others, then merges theirs in file order (:meth:`RecordIntake.merge`), so every
    consumer ends as a single :meth:`RecordIntake.add` pass over the file leaves it, and
    ``skipped`` gets the same notes (records without a task) in the same order.

    A part whose worker raised is read again here, so the error raised is the one the
    single-process intake raises (the same record or line named).

    Raises:
        AnalysisWorkerError: a worker died before sending its part.
    """
    # (this process's part is a little smaller: it also loads and merges the others)
    bounds = line_bounds(path, processes, first=0.9)
    # (the last part reads on to the end, as one pass would, should the file have grown)
    ranges: list[tuple[int, int | None]] = [*pairwise(bounds[:-1]), (bounds[-2], None)]
    intake = RecordIntake(tasks, new_store)
    with forked() as workers:
        numbers = [
            workers.start(partial(_take_part, tasks, new_store, path, start, stop))
            for start, stop in ranges[1:]
        ]
        count = _take_range(intake, path, *ranges[0], 0, skipped)
        for (start, stop), number in zip(ranges[1:], numbers, strict=True):
            got = Failed("not started") if number is None else workers.result(number)
            if isinstance(got, Failed):
                count += _take_range(intake, path, start, stop, count, skipped)
                continue
            parts, missing, n = got
            intake.merge(parts)
            for index, record in missing:
                try:
                    normalize_record(record, count + index)
                except MissingTaskError as exc:
                    skipped.append(str(exc))
            count += n
    return intake
