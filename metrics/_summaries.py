"""Per-episode scorers and the summaries built from them: usage and measurements per block.

A scorer maps one :class:`~metrics.Episode` to a number (or ``None`` when it does not apply);
the summaries aggregate scorer outputs with the pure metrics of :mod:`metrics._stats`.
"""

from __future__ import annotations

import math
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from metrics._records import Episode, _num
from metrics._rows import MeasurementRow, UsageRow
from metrics._stats import mean, mean_ci

#: Tasks whose measurement counts are compared (task -> setting). MeasureHeight counts the
#: target block's measurements; the composites count the mean over all blocks.
MEASUREMENT_TASKS: dict[str, str] = {
    "measure_height": "standalone",
    "information_gathering": "composite",
    "combined": "composite",
}


# ---------------------------------------------------------------- scorers
def score_return(ep: Episode) -> float | None:
    """The return of a completed episode."""
    return ep.return_ if ep.completed else None


def score_regret(ep: Episode) -> float | None:
    """``info["regret"]`` of a completed episode (else optimal - return when both known)."""
    return _regret(ep.info, ep.return_) if ep.completed else None


def _regret(info: Mapping[str, Any], ret: float | None) -> float | None:
    """:func:`score_regret` of a completed episode with this ``info`` and return."""
    regret = _num(info.get("regret"))
    if regret is None:
        opt = _num(info.get("optimal_return"))
        if opt is not None and ret is not None:
            regret = opt - ret
    return regret


def score_measurements_per_block(ep: Episode) -> float | None:
    """Measurements per block: of the target block (MeasureHeight), else mean over blocks."""
    return measurements_per_block(ep.task, ep.info)


def measurements_per_block(task: str, info: Mapping[str, Any]) -> float | None:
    """:func:`score_measurements_per_block` of an episode of ``task`` with this ``info``."""
    counts = info.get("measurements")
    if type(counts) is not dict and not isinstance(counts, Mapping):
        return None
    if task == "measure_height":
        target = info.get("target_block")
        return _num(counts.get(target, 0), 0.0) if isinstance(target, str) else None
    blocks = info.get("true_heights")
    is_map = type(blocks) is dict or isinstance(blocks, Mapping)
    names = list(blocks) if is_map and blocks else list(counts)
    if not names:
        return None
    values = []
    for b in names:
        value = counts.get(b, 0)
        if type(value) is not int:  # (an int counts as itself; bool and others as _num says)
            value = _num(value, 0.0) or 0.0
        values.append(value)
    return math.fsum(values) / len(values)


def score_invalid_rate(ep: Episode) -> float | None:
    """Invalid actions per step of one episode."""
    return ep.invalid_actions / ep.steps if ep.steps else None


# ---------------------------------------------------------------- summaries
GroupKey = tuple[str, str, str]


@dataclass
class _UsageSums:
    episodes: int = 0
    completed: int = 0
    returns: list[float] = field(default_factory=list)
    regrets: list[float] = field(default_factory=list)
    steps: int = 0
    invalid: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_total: int = 0
    costs: list[float] = field(default_factory=list)
    wall: float = 0.0
    walls: array[float] | None = None
    """When kept (a part of a parallel intake): each wall time, in order, instead of their
    running sum in ``wall`` (so that the sums of parts add up to the sequential sum, bit for
    bit: see :meth:`UsageAccumulator.merge`)."""

    def add(
        self,
        steps: int,
        invalid: int,
        tokens_in: int,
        tokens_out: int,
        tokens_total: int,
        wall: float,
        cost: float | None,
        completed: bool,
        ret: float | None,
        info: Mapping[str, Any],
    ) -> None:
        """Count one episode with these (normalised) fields."""
        self.episodes += 1
        self.steps += steps
        self.invalid += invalid
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out
        self.tokens_total += tokens_total
        walls = self.walls
        if walls is None:
            self.wall += wall
        else:
            walls.append(wall)
        if cost is not None:
            self.costs.append(cost)
        if completed:  # (score_return and score_regret, inlined: called once a record)
            self.completed += 1
            if ret is not None:
                self.returns.append(ret)
            regret = info.get("regret")
            if type(regret) is not float or regret - regret != 0.0:
                regret = _regret(info, ret)
            if regret is not None:
                self.regrets.append(regret)


class UsageAccumulator:
    """The usage rows built one episode at a time (streaming analyses keep only numbers)."""

    def __init__(self, *, keep_walls: bool = False) -> None:
        self._sums: dict[GroupKey, _UsageSums] = {}
        self._keep_walls = keep_walls

    def add(self, e: Episode) -> None:
        """Count one episode."""
        self.sums(e.model, e.variant, e.task).add(
            e.steps,
            e.invalid_actions,
            e.input_tokens,
            e.output_tokens,
            e.total_tokens,
            e.wall_time_s,
            e.cost_usd,
            e.completed,
            e.return_,
            e.info,
        )

    def sums(self, model: str, variant: str, task: str) -> _UsageSums:
        """The sums of one (model, variant, task), created empty on first use."""
        key = (model, variant, task)
        s = self._sums.get(key)
        if s is None:
            s = self._sums[key] = _UsageSums(walls=array("d") if self._keep_walls else None)
        return s

    def merge(self, other: UsageAccumulator) -> None:
        """Count the episodes ``other`` counted (made with ``keep_walls``) after this one's,
        with the sums sequential counting gives (integers add exactly; the wall times are
        added one by one, in order)."""
        for key, theirs in other._sums.items():
            if theirs.walls is None:
                raise ValueError("UsageAccumulator.merge takes one made with keep_walls=True")
            mine = self.sums(*key)
            mine.episodes += theirs.episodes
            mine.completed += theirs.completed
            mine.returns.extend(theirs.returns)
            mine.regrets.extend(theirs.regrets)
            mine.steps += theirs.steps
            mine.invalid += theirs.invalid
            mine.tokens_in += theirs.tokens_in
            mine.tokens_out += theirs.tokens_out
            mine.tokens_total += theirs.tokens_total
            mine.costs.extend(theirs.costs)
            if mine.walls is not None:
                mine.walls.extend(theirs.walls)
            else:
                wall = mine.wall
                for value in theirs.walls:
                    wall += value
                mine.wall = wall

    def rows(self) -> list[UsageRow]:
        """One :class:`UsageRow` per (model, variant, task), sorted."""
        rows = []
        for (model, variant, task), s in sorted(self._sums.items()):
            n = s.episodes
            rows.append(
                UsageRow(
                    model=model,
                    variant=variant,
                    task=task,
                    n_episodes=n,
                    n_completed=s.completed,
                    completion_rate=s.completed / n if n else None,
                    mean_return=mean(s.returns),
                    regret_mean=mean(s.regrets),
                    mean_steps=s.steps / n if n else None,
                    invalid_action_rate=s.invalid / s.steps if s.steps else None,
                    mean_input_tokens=s.tokens_in / n if n else None,
                    mean_output_tokens=s.tokens_out / n if n else None,
                    mean_total_tokens=s.tokens_total / n if n else None,
                    mean_cost_usd=mean(s.costs),
                    total_cost_usd=float(sum(s.costs)) if s.costs else None,
                    n_cost_unknown=n - len(s.costs),
                    mean_wall_time_s=s.wall / n if n else None,
                )
            )
        return rows


def usage_rows(episodes: Iterable[Episode]) -> list[UsageRow]:
    """One :class:`UsageRow` per (model, variant, task)."""
    acc = UsageAccumulator()
    for e in episodes:
        acc.add(e)
    return acc.rows()


class MeasurementAccumulator:
    """Measurements per block of completed episodes, collected one episode at a time."""

    def __init__(self) -> None:
        self.values: dict[GroupKey, list[tuple[int | None, float]]] = defaultdict(list)

    def merge(self, other: MeasurementAccumulator) -> None:
        """Take what ``other`` took, after this one's."""
        for key, pairs in other.values.items():
            self.values[key].extend(pairs)

    def add(self, e: Episode) -> None:
        """Take the episode's measurements per block, if it is a measuring task."""
        self.add_fields(e.model, e.variant, e.task, e.n_blocks, e.completed, e.info)

    def add_fields(
        self,
        model: str,
        variant: str,
        task: str,
        n_blocks: int | None,
        completed: bool,
        info: Mapping[str, Any],
    ) -> None:
        """:meth:`add` of an episode with these (normalised) fields."""
        if task not in MEASUREMENT_TASKS or not completed:
            return
        score = measurements_per_block(task, info)
        if score is not None:
            self.values[(model, variant, task)].append((n_blocks, score))

    def rows(
        self,
        *,
        n_resamples: int,
        confidence: float,
        rng_for: Callable[[str], np.random.Generator],
        keys: Iterable[GroupKey] | None = None,
    ) -> list[MeasurementRow]:
        """The rows (see :func:`measurement_rows`); ``keys``: those of these (model, variant,
        task) only, in this order (the rows of a key do not depend on the others)."""
        rows = []
        for model, variant, task in sorted(self.values) if keys is None else keys:
            pairs = self.values[(model, variant, task)]
            by_n: dict[int | None, list[float]] = defaultdict(list)
            for n_blocks, score in pairs:
                by_n[n_blocks].append(score)
            parts: list[tuple[int | str | None, list[float]]] = [
                (k, by_n[k]) for k in sorted(by_n, key=lambda k: (k is None, k or 0))
            ]
            parts.append(("all", [score for _, score in pairs]))
            for n, values in parts:
                ci = mean_ci(
                    values,
                    n_resamples=n_resamples,
                    confidence=confidence,
                    rng=rng_for(f"measure|{model}|{variant}|{task}|{n}"),
                )
                rows.append(
                    MeasurementRow(
                        model=model,
                        variant=variant,
                        task=task,
                        setting=MEASUREMENT_TASKS[task],
                        n_blocks=n if n is not None else "unknown",
                        n_episodes=len(values),
                        mean_per_block=mean(values),
                        ci_low=ci.low,
                        ci_high=ci.high,
                    )
                )
        return rows


def measurement_rows(
    episodes: Sequence[Episode],
    *,
    n_resamples: int,
    confidence: float,
    rng_for: Callable[[str], np.random.Generator],
) -> list[MeasurementRow]:
    """Measurements per block of completed episodes, per (model, variant, task, n) and "all".

    Args:
        episodes: all episodes (only the tasks of :data:`MEASUREMENT_TASKS` are used).
        n_resamples: bootstrap resamples for the interval of each mean.
        confidence: interval coverage.
        rng_for: a generator per row key (keeps rows independent of each other's order).
    """
    acc = MeasurementAccumulator()
    for e in episodes:
        acc.add(e)
    return acc.rows(n_resamples=n_resamples, confidence=confidence, rng_for=rng_for)
