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
from typing import Any

from metrics._capabilities import INFO_ONLY_SCORERS, Capability, CapabilityCollector
from metrics._records import Episode, normalize_record
from metrics._summaries import MeasurementAccumulator, UsageAccumulator, _UsageSums
from metrics._tasks import TaskGD


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

    def __init__(self, tasks: dict[str, TaskGD], new_store: Callable[[TaskGD], Any]) -> None:
        self.tasks = tasks
        self.new_store = new_store
        self.collector = CapabilityCollector()
        self.usage = UsageAccumulator()
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
