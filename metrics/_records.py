"""Episode records as the metrics see them: normalised, validated, selectable.

Records arrive as dicts (one line of ``episodes.jsonl``) or as :class:`envs.EpisodeRecord`
objects. :func:`normalize_record` turns either into an :class:`Episode`, taking the task from
``record["task"]`` or ``info["task"]`` and the block count from ``record["n_blocks"]``,
``info["n_blocks"]`` or ``env_kwargs["n_blocks"]``. :func:`select` filters episodes.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from telic import TelicError, UnknownNameError


class RecordError(TelicError, ValueError):
    """An episode record the metrics cannot read (the message names the record and the fix)."""


class MissingTaskError(RecordError):
    """A record that names no task (e.g. an episode whose env failed before its first step)."""


class UnknownTaskError(UnknownNameError):
    """A task name nobody declared (the message suggests close names)."""


@dataclass(frozen=True)
class Episode:
    """One finished episode, normalised for the metrics."""

    model: str
    """Model spec string (``scripted:oracle``, ``openai:gpt-4o``): the capability key."""
    task: str
    """Task name (``info["task"]``), e.g. ``information_gathering``."""
    n_blocks: int | None
    """Number of blocks (``None`` for environments without blocks)."""
    seed: int
    """Seed passed to ``reset``; with ``n_blocks`` it fixes the blocks (paired analysis)."""
    completed: bool
    """Whether the task was carried out to its end."""
    return_: float | None
    """The task return; ``None`` when not completed."""
    info: Mapping[str, Any] = field(default_factory=dict)
    """The env's final ``info``."""
    variant: str = "neutral"
    """Prompt variant (neutral, motivating, demotivating, ...)."""
    episode_id: str = ""
    """The record's id (for messages)."""
    steps: int = 0
    """Env steps taken."""
    invalid_actions: int = 0
    """Invalid actions (model output the env rejected)."""
    input_tokens: int = 0
    """Input tokens over the episode."""
    output_tokens: int = 0
    """Output tokens over the episode."""
    total_tokens: int = 0
    """Total tokens over the episode."""
    cost_usd: float | None = None
    """Estimated cost, ``None`` when unknown."""
    wall_time_s: float = 0.0
    """Wall-clock seconds."""
    stop_reason: str = ""
    """Why the episode ended (``terminated``, ``truncated`` (the env's step cap), ``error``,
    ``budget_steps``, ``budget_cost``, ...); empty when the record does not say."""


def _num(value: Any, default: float | None = None) -> float | None:
    if type(value) is float:  # the common case, first
        return value if value - value == 0.0 else default
    if value is None or isinstance(value, bool):
        return default
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return out if math.isfinite(out) else default


def normalize_record(record: Any, index: int = 0) -> Episode:
    """An :class:`Episode` from a record dict, an ``EpisodeRecord`` or an :class:`Episode`.

    Args:
        record: the record.
        index: its position in the input (named in error messages).

    Raises:
        RecordError: the record is not a mapping, or lacks the model or the task.
    """
    if type(record) is not dict:  # (checks in the order of how common they are)
        if isinstance(record, Episode):
            return record
        if hasattr(record, "to_json_dict"):
            record = record.to_json_dict()
        if not isinstance(record, Mapping):
            raise RecordError(
                f"record {index} is a {type(record).__name__}, expected a dict from "
                "episodes.jsonl or an envs.EpisodeRecord"
            )
    get = record.get
    info = get("info") or {}
    if type(info) is not dict and not isinstance(info, Mapping):
        ident = get("episode_id") or f"#{index}"
        raise RecordError(f"record {ident}: 'info' must be a dict, got {type(info).__name__}")
    model = get("model")
    if not isinstance(model, str) or not model:
        ident = get("episode_id") or f"#{index}"
        raise RecordError(f"record {ident} has no model spec string ('model'); add it")
    task = get("task") or info.get("task")
    if not isinstance(task, str) or not task:
        ident = get("episode_id") or f"#{index}"
        raise MissingTaskError(
            f"record {ident} has no task: set record['task'] or info['task'] (the env's task name)"
        )
    n_raw = get("n_blocks")
    if n_raw is None:
        n_raw = info.get("n_blocks")
    if n_raw is None:
        n_raw = (get("env_kwargs") or {}).get("n_blocks")
    if n_raw is not None and type(n_raw) is not int:
        n_raw = int(n_raw)
    # (below, each conversion is skipped when the value already has its type: the common case)
    completed = record["completed"] if "completed" in record else info.get("completed", False)
    if type(completed) is not bool:
        completed = bool(completed)
    if completed:
        ret = record["return"] if "return" in record else get("return_", info.get("return"))
        if type(ret) is not float or ret - ret != 0.0:
            ret = _num(ret)
    else:
        ret = None
    seed = get("seed", 0) or 0
    if type(seed) is not int:
        seed = int(seed)
    variant = get("variant") or "neutral"
    if type(variant) is not str:
        variant = str(variant)
    ident = get("episode_id") or ""
    if type(ident) is not str:
        ident = str(ident)
    steps = get("steps") or info.get("steps") or 0
    if type(steps) is not int:
        steps = int(steps)
    invalid = info.get("invalid_actions") or 0
    if type(invalid) is not int:
        invalid = int(invalid)
    usage = get("usage") or {}
    tokens_in = usage.get("input_tokens") or 0
    if type(tokens_in) is not int:
        tokens_in = int(tokens_in)
    tokens_out = usage.get("output_tokens") or 0
    if type(tokens_out) is not int:
        tokens_out = int(tokens_out)
    tokens_total = usage.get("total_tokens") or 0
    if type(tokens_total) is not int:
        tokens_total = int(tokens_total)
    cost = get("cost_usd")
    if cost is not None:
        cost = _num(cost)
    wall = get("wall_time_s")
    if type(wall) is not float or wall - wall != 0.0:
        wall = _num(wall, 0.0)
    stop = get("stop_reason") or ""
    if type(stop) is not str:
        stop = str(stop)
    return episode_from_fields(
        {
            "model": model,
            "task": task,
            "n_blocks": n_raw,
            "seed": seed,
            "completed": completed,
            "return_": ret,
            "info": info,
            "variant": variant,
            "episode_id": ident,
            "steps": steps,
            "invalid_actions": invalid,
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "total_tokens": tokens_total,
            "cost_usd": cost,
            "wall_time_s": wall or 0.0,
            "stop_reason": stop,
        }
    )


def episode_from_fields(fields: dict[str, Any]) -> Episode:
    """An :class:`Episode` from a dict holding every field, built without the frozen
    dataclass's per-field ``__setattr__`` (the records of a large run pass through here one
    by one). The dict becomes the episode's own; do not reuse it."""
    episode = object.__new__(Episode)
    object.__setattr__(episode, "__dict__", fields)
    return episode


def normalize_records(records: Iterable[Any], *, skipped: list[str] | None = None) -> list[Episode]:
    """:func:`normalize_record` over an iterable (a list of dicts or ``EpisodeRecord``).

    Args:
        records: the records.
        skipped: when given, records without a task are left out and a note for each is
            appended here instead of raising :class:`MissingTaskError`.
    """
    if isinstance(records, (str, bytes, Mapping)):
        raise RecordError(
            "records must be a list of episode records, got a single "
            f"{type(records).__name__}; wrap it in a list or read episodes.jsonl line by line"
        )
    out = []
    for i, r in enumerate(records):
        try:
            out.append(normalize_record(r, i))
        except MissingTaskError as exc:
            if skipped is None:
                raise
            skipped.append(str(exc))
    return out


def read_records(path: str | os.PathLike[str]) -> RecordFile:
    """Stream the records of an ``episodes.jsonl`` file (or a run folder holding one), one
    dict per line, without holding the file in memory; blank lines are skipped.

    Lines are parsed with orjson; a line it rejects (``NaN``, ``Infinity``) or whose seed is
    an integer beyond 64 bits is parsed again with Python's json, so the records are those
    ``json.loads`` gives, except that an integer beyond 64 bits in another field is a float.

    The result is an iterator over the records that also names its file
    (:class:`RecordFile`): :func:`metrics.analyze` given one it has not started reads parts
    of the file in parallel worker processes.

    Raises:
        RecordError: a line that is not a JSON object (the message names the line).
    """
    return RecordFile(path)


class RecordFile(Iterator[dict[str, Any]]):
    """The records of one ``episodes.jsonl``, read line by line as they are asked for (see
    :func:`read_records`); the file is opened at the first record."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        p = Path(path)
        self.path = p / "episodes.jsonl" if p.is_dir() else p
        """The file read."""
        self._lines: Iterator[dict[str, Any]] | None = None

    @property
    def started(self) -> bool:
        """Whether a record has been asked for (a started file is read on, not split)."""
        return self._lines is not None

    def __iter__(self) -> RecordFile:
        return self

    def __next__(self) -> dict[str, Any]:
        if self._lines is None:
            self._lines = read_range(self.path)
        return next(self._lines)

    def close(self) -> None:
        """Close the file (as a generator's ``close``); no record follows."""
        if self._lines is None:
            self._lines = iter(())
        close = getattr(self._lines, "close", None)
        if close is not None:
            close()


def read_range(
    path: Path, start: int = 0, stop: int | None = None, first_line: int = 1
) -> Iterator[dict[str, Any]]:
    """The records of the lines of ``path`` from byte ``start`` (the start of a line) up to
    byte ``stop`` (the end of a line, or None: the end of the file), as
    :func:`read_records` reads them; ``first_line`` is the number (from 1) of the line at
    ``start``, for messages."""
    with path.open("rb") as fh:
        if start:
            fh.seek(start)
        left = -1 if stop is None else stop - start
        for number, line in enumerate(fh, first_line):
            if left >= 0:
                if left == 0:
                    break
                left -= len(line)
            if line.isspace() or not line:  # (isspace stops at the first other byte)
                continue
            try:
                record = orjson.loads(line)
                # orjson reads an integer beyond 64 bits as a float: a seed must stay exact
                strict = not (isinstance(record, dict) and type(record.get("seed")) is float)
            except orjson.JSONDecodeError:
                strict = False  # orjson is strict JSON; Python's json also reads NaN, Infinity
            if not strict:
                try:
                    record = json.loads(line)
                except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                    why = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
                    raise RecordError(f"{path}:{number} is not valid JSON ({why})") from None
            if not isinstance(record, dict):
                raise RecordError(f"{path}:{number} is not a JSON object")
            yield record


def select(
    episodes: Sequence[Episode],
    *,
    task: str | None = None,
    model: str | None = None,
    n_blocks: int | None = None,
    variant: str | None = None,
    completed: bool | None = None,
) -> list[Episode]:
    """Episodes matching every given criterion (``None`` means any)."""
    return [
        e
        for e in episodes
        if (task is None or e.task == task)
        and (model is None or e.model == model)
        and (n_blocks is None or e.n_blocks == n_blocks)
        and (variant is None or e.variant == variant)
        and (completed is None or e.completed == completed)
    ]


def true_heights(episode: Episode) -> list[float]:
    """The episode's true block heights in block-name order (``info["true_heights"]``).

    Raises:
        RecordError: when the info has no usable ``true_heights``.
    """
    heights = episode.info.get("true_heights")
    if not isinstance(heights, Mapping) or not heights:
        raise RecordError(
            f"episode {episode.episode_id or episode.seed} ({episode.task}) has no "
            "info['true_heights']; Blocksworld envs report it at episode end"
        )
    names = tuple(heights)
    order = _NAME_ORDER.get(names)
    if order is None:
        # Sort by (length, name) so that base-26 names beyond 'z' ('aa', ...) follow 'z'.
        order = tuple(sorted(names, key=lambda k: (len(k), k)))
        if len(_NAME_ORDER) < 1024:
            _NAME_ORDER[names] = order
    return [float(heights[k]) for k in order]


#: Block-name order of the name tuples seen (episodes of a run share a few).
_NAME_ORDER: dict[tuple[Any, ...], tuple[Any, ...]] = {}
