"""Capability declarations and the empirical capability distributions (spec 3.2).

A :class:`Capability` says which subtask measures it and how one subtask episode becomes one
sample (its *scorer*). :func:`capabilities` collects the samples of every declared capability
from a list of episodes, per model and prompt variant, and per number of blocks when the
capability is declared ``per_n`` (configuration generation, evaluation, picking and execution;
height estimation is pooled over n and windowed by true height at simulation time instead).

Picking and execution are also declared ``pool_fallback``: spec 3.2 does not tie them to n, but
the released code kept them per n and their distances range over 0..n//2, so we use the same-n
distances when there are enough and otherwise the model's distances pooled over every n (the
ceiling redraws a distance that does not exist at the cell's n), with a message.

Only completed subtask episodes contribute. A capability with fewer than ``min_samples``
samples (default :data:`MIN_CAPABILITY_SAMPLES`) counts as not estimated: the ceilings that need
it are reported as ``None`` with a message.

With each sample the table keeps where it came from (the subtask episode's seed and n_blocks:
the two-level bootstrap resamples it together with composite episodes of the same blocks) and,
when the subtask reports its chance level, the episode's margin over chance
(``return - info["random_return"]``): :meth:`CapabilityTable.chance_test` says whether the
capability beats chance significantly (rule (a) of the GD definedness check).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from math import sqrt
from statistics import NormalDist
from typing import Any

import numpy as np

from metrics._records import Episode, _num
from telic import Registry, UnknownNameError

#: Fewest samples from which a capability distribution is estimated (spec leaves it open; with
#: one or two samples an empirical distribution says little about the model).
MIN_CAPABILITY_SAMPLES = 3

Sample = float | tuple[float, ...]
Scorer = Callable[[Episode], Sample | None]


class UnknownCapabilityError(UnknownNameError):
    """A capability name nobody declared (the message suggests close names)."""


@dataclass(frozen=True)
class Capability:
    """How one capability is measured by a subtask."""

    name: str
    """Capability name used by ceiling functions, e.g. ``pick_distance``."""
    subtask: str
    """Task name (``info["task"]``) of the subtask episodes that measure it."""
    score: Scorer
    """Scorer: one completed subtask episode -> one sample (a number or a tuple of numbers),
    or ``None`` to skip the episode."""
    per_n: bool = True
    """Whether samples are kept per number of blocks (else pooled over n)."""
    pool_fallback: bool = False
    """For a ``per_n`` capability: use the samples of every n when the cell's n has too few."""
    min_samples: int = MIN_CAPABILITY_SAMPLES
    """Fewest samples needed to use the capability."""
    doc: str = ""
    """One line saying what the samples are."""
    chance: Callable[[CapabilitySamples, float], ChanceTest] | None = None
    """How to test that the capability beats chance: ``(samples, confidence) ->
    ChanceTest``. Default (None): the samples' margins over the subtask's own chance level
    (``return - info["random_return"]``), see :func:`chance_test`."""


_CAPABILITIES: Registry[Capability] = Registry(
    "capability",
    fix="Declare new ones with metrics.register_capability(Capability(...)).",
    error=UnknownCapabilityError,
)


def register_capability(capability: Capability) -> Capability:
    """Declare a capability (replacing any earlier declaration of the same name)."""
    if not isinstance(capability, Capability):
        raise TypeError(
            f"register_capability takes a metrics.Capability, got {type(capability).__name__}"
        )
    if capability.min_samples < 1:
        raise ValueError(f"min_samples must be at least 1, got {capability.min_samples}")
    _CAPABILITIES.register(capability.name, capability, replace=True)
    return capability


def get_capability(name: str) -> Capability:
    """The declared capability called ``name`` (did-you-mean on unknown names)."""
    return _CAPABILITIES.get(name)


def declared_capabilities() -> dict[str, Capability]:
    """Every declared capability by name."""
    return dict(_CAPABILITIES.items())


# ---------------------------------------------------------------- Blocksworld scorers
def score_height_error(episode: Episode) -> tuple[float, float] | None:
    """MeasureHeight: ``(true height of the target block, signed measuring error)``."""
    true_h = _num(episode.info.get("target_true_height"))
    err = _num(episode.info.get("measuring_error"))
    return None if true_h is None or err is None else (true_h, err)


def _info_number(key: str) -> Scorer:
    def scorer(episode: Episode) -> float | None:
        return _num(episode.info.get(key))

    scorer.__name__ = f"score_{key}"
    scorer.__doc__ = f"The number ``info[{key!r}]`` of a completed subtask episode."
    return scorer


score_configurations_generated = _info_number("number_of_correct_configurations")
score_evaluation_error = _info_number("evaluation_error")
score_partition_distance = _info_number("partition_distance")

BLOCKSWORLD_CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "height_error",
        "measure_height",
        score_height_error,
        per_n=False,
        doc="(true height, estimate - true height) in cm; windowed by true height (±2 cm)",
        chance=lambda samples, confidence: informative_estimates_test(samples, confidence),
    ),
    Capability(
        "configurations_generated",
        "generate_configurations",
        score_configurations_generated,
        doc="number of distinct valid configurations listed",
    ),
    Capability(
        "evaluation_error",
        "evaluate_configuration",
        score_evaluation_error,
        doc="answer - true lower-tower height, in cm",
    ),
    Capability(
        "pick_distance",
        "pick_configuration",
        score_partition_distance,
        pool_fallback=True,
        doc="partition distance between the submitted and the optimal configuration",
    ),
    Capability(
        "execute_distance",
        "execute_plan",
        score_partition_distance,
        pool_fallback=True,
        doc="partition distance between the built and the intended configuration",
    ),
)
for _cap in BLOCKSWORLD_CAPABILITIES:
    register_capability(_cap)

#: Scorers that read nothing of an episode but its ``info``: :func:`metrics.analyze` calls
#: them with a stand-in holding only the record's ``info`` (no :class:`Episode` is built).
INFO_ONLY_SCORERS: frozenset[Scorer] = frozenset(
    {
        score_height_error,
        score_configurations_generated,
        score_evaluation_error,
        score_partition_distance,
    }
)


# ---------------------------------------------------------------- the table
Key = tuple[str, str, str, int | None]


@dataclass(frozen=True)
class CapabilitySamples:
    """The samples of one capability with what the intervals and the chance test need."""

    values: np.ndarray
    """Samples: shape (k,) for numbers, (k, m) for tuples."""
    clusters: np.ndarray
    """(k, 2) integers: the (seed, n_blocks) of the subtask episode of each sample (n_blocks
    -1 when unknown); the two-level bootstrap resamples samples by these clusters."""
    margins: np.ndarray
    """(k,) return minus the chance level (``info["random_return"]``) of each sample's
    episode; NaN where the subtask reports no chance level."""

    def __len__(self) -> int:
        return int(self.values.shape[0])


def _empty() -> CapabilitySamples:
    return CapabilitySamples(np.empty(0), np.empty((0, 2), dtype=np.int64), np.empty(0))


def _concat(parts: Sequence[CapabilitySamples]) -> CapabilitySamples:
    if not parts:
        return _empty()
    return CapabilitySamples(
        np.concatenate([p.values for p in parts]),
        np.concatenate([p.clusters for p in parts]),
        np.concatenate([p.margins for p in parts]),
    )


@dataclass(frozen=True)
class ChanceTest:
    """Whether a capability beats chance on its own subtask (one-sided test of the mean
    margin ``return - random_return`` over its subtask episodes)."""

    n: int
    """Samples whose subtask reported a chance level."""
    margin: float | None
    """Mean margin over chance (None when no chance level is known)."""
    low: float | None
    """Lower bound of the normal-approximation interval of the mean margin."""
    beats_chance: bool | None
    """``low > 0`` (a constant positive margin also counts); None when unknown."""


def informative_estimates_test(samples: CapabilitySamples, confidence: float = 0.95) -> ChanceTest:
    """Height estimation beats chance when its estimates track the true heights.

    An estimate that ignores the block (a guess) has errors ``guess - h`` whose mean absolute
    value can still look small, and, windowed by true height, they even look informative to
    the ceiling. What distinguishes measuring from guessing is that the estimate
    ``h + error`` moves with ``h``: the statistic is the correlation of estimates with true
    heights (chance: 0), and the lower bound is its Fisher-z interval.
    """
    values = samples.values
    if values.ndim != 2 or values.shape[0] == 0:
        return ChanceTest(0, None, None, None)
    h, est = values[:, 0], values[:, 0] + values[:, 1]
    n = h.size
    if n < 2 or np.std(h) == 0:
        return ChanceTest(int(n), None, None, False)
    if np.std(est) == 0:
        return ChanceTest(int(n), 0.0, None, False)
    r = float(np.clip(np.corrcoef(h, est)[0, 1], -1.0, 1.0))
    if r >= 1.0 - 1e-12:
        return ChanceTest(int(n), 1.0, 1.0, True)
    if n < 4:
        return ChanceTest(int(n), r, None, False)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    low = float(np.tanh(np.arctanh(r) - z / sqrt(n - 3)))
    return ChanceTest(int(n), r, low, bool(low > 0))


def chance_test(margins: np.ndarray, confidence: float = 0.95) -> ChanceTest:
    """The :class:`ChanceTest` of an array of margins (NaN entries ignored)."""
    x = np.asarray(margins, dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return ChanceTest(0, None, None, None)
    m = float(x.mean())
    if x.size == 1:
        return ChanceTest(1, m, None, False)
    se = float(x.std(ddof=1)) / sqrt(x.size)
    low = m - NormalDist().inv_cdf(0.5 + confidence / 2) * se
    return ChanceTest(int(x.size), m, low, bool(low > 0 or (se == 0 and m > 0)))


def run_chance_test(name: str, samples: CapabilitySamples, confidence: float) -> ChanceTest:
    """The chance test the capability ``name`` declares (default: :func:`chance_test` of the
    margins)."""
    cap = _CAPABILITIES.find(name)
    if cap is not None and cap.chance is not None:
        return cap.chance(samples, confidence)
    return chance_test(samples.margins, confidence)


@dataclass(frozen=True)
class CapabilityTable:
    """Empirical capability samples keyed by (model, variant, capability, n_blocks or None)."""

    samples: Mapping[Key, np.ndarray]
    """Samples as arrays: shape (k,) for numbers, (k, m) for tuples."""
    details: Mapping[Key, CapabilitySamples] = field(default_factory=dict)
    """The same samples with their clusters and margins over chance."""

    def _detail(self, key: Key) -> CapabilitySamples:
        if key in self.details:
            return self.details[key]
        values = self.samples.get(key)
        if values is None:
            return _empty()
        k = values.shape[0]
        return CapabilitySamples(values, np.full((k, 2), -1, dtype=np.int64), np.full(k, np.nan))

    def get(self, model: str, variant: str, name: str, n_blocks: int | None) -> np.ndarray:
        """The samples of one capability (n_blocks is ignored for pooled capabilities)."""
        cap = get_capability(name)
        key = (model, variant, name, n_blocks if cap.per_n else None)
        return self.samples.get(key, np.empty(0))

    def get_samples(
        self, model: str, variant: str, name: str, n_blocks: int | None
    ) -> CapabilitySamples:
        """Like :meth:`get`, with clusters and margins over chance."""
        cap = get_capability(name)
        return self._detail((model, variant, name, n_blocks if cap.per_n else None))

    def pooled(self, model: str, variant: str, name: str) -> np.ndarray:
        """The samples of one capability over every n_blocks."""
        parts = [
            arr for (m, v, c, _), arr in self.samples.items() if (m, v, c) == (model, variant, name)
        ]
        return np.concatenate(parts) if parts else np.empty(0)

    def pooled_samples(self, model: str, variant: str, name: str) -> CapabilitySamples:
        """Like :meth:`pooled`, with clusters and margins over chance."""
        return _concat(
            [self._detail(k) for k in self.samples if (k[0], k[1], k[2]) == (model, variant, name)]
        )

    def has_any(self, model: str, variant: str) -> bool:
        """Whether (model, variant) has samples of any capability."""
        return any(k[0] == model and k[1] == variant for k in self.samples)

    def row_keys(self) -> list[Key]:
        """The keys of :meth:`rows`, in their order."""
        return sorted(self.samples, key=lambda k: (k[0], k[1], k[2], k[3] or 0))

    def rows(
        self,
        n_resamples: int = 1000,
        confidence: float = 0.95,
        seed: int = 0,
        keys: Iterable[Key] | None = None,
    ) -> list[dict[str, Any]]:
        """JSON-ready summary rows: counts, mean with its bootstrap interval (resampling the
        subtask episodes), sd, mean absolute value, the chance test, histogram. ``keys``:
        the rows of these keys only, in this order (a row does not depend on the others)."""
        from metrics._stats import mean_ci

        out = []
        for key in self.row_keys() if keys is None else keys:
            model, variant, name, n = key
            arr = self.samples[key]
            cap = _CAPABILITIES.find(name)
            values = arr[:, -1] if arr.ndim == 2 else arr
            ci = mean_ci(values, n_resamples=n_resamples, confidence=confidence, rng=seed)
            test = run_chance_test(name, self._detail(key), confidence)
            row: dict[str, Any] = {
                "model": model,
                "variant": variant,
                "capability": name,
                "subtask": cap.subtask if cap else None,
                "n_blocks": n if n is not None else "all",
                "n_samples": int(values.size),
                "sufficient": bool(values.size >= (cap.min_samples if cap else 1)),
                "mean": float(values.mean()) if values.size else None,
                "mean_ci_low": ci.low,
                "mean_ci_high": ci.high,
                "sd": float(values.std(ddof=1)) if values.size > 1 else None,
                "mean_abs": float(np.abs(values).mean()) if values.size else None,
                "margin_over_chance": test.margin,
                "margin_ci_low": test.low,
                "beats_chance": test.beats_chance,
                "histogram": None,
            }
            if values.size and np.all(values == np.round(values)):
                uniq, counts = np.unique(values.astype(int), return_counts=True)
                row["histogram"] = {str(u): int(c) for u, c in zip(uniq, counts, strict=True)}
            out.append(row)
        return out


_SCALARS = (int, float, np.number)


class CapabilityCollector:
    """Collects capability samples one episode at a time (for streaming analyses)."""

    def __init__(self, declared: Sequence[Capability] | None = None) -> None:
        caps = list(declared) if declared is not None else [cap for _, cap in _CAPABILITIES.items()]
        self._by_task: dict[str, list[Capability]] = defaultdict(list)
        for cap in caps:
            self._by_task[cap.subtask].append(cap)
        # Per key, compact arrays as the samples stream in: the numbers of each sample (one,
        # or a tuple's worth), the (seed, n_blocks) pairs and the margins over chance.
        self._slots: dict[Key, tuple[array[float], int | None, array[int], array[float]]] = {}
        """Per key: its values, width, clusters and margins (one look-up per sample)."""
        self._values: dict[Key, array[float]] = {}
        self._width: dict[Key, int | None] = {}
        self._ragged: dict[Key, list[Sample]] = {}
        self._clusters: dict[Key, array[int]] = {}
        self._margins: dict[Key, array[float]] = {}
        self.incomplete: dict[tuple[str, str, str], list[Episode]] = defaultdict(list)
        """Subtask episodes left out (not completed), per (model, variant, subtask)."""

    def add(self, ep: Episode) -> None:
        """Take the samples of one episode (ignored unless a completed subtask episode)."""
        caps = self._by_task.get(ep.task)
        if not caps:
            return
        if not ep.completed:
            self.incomplete[(ep.model, ep.variant, ep.task)].append(ep)
            return
        self.add_completed(caps, ep, ep.model, ep.variant, ep.n_blocks, ep.seed, ep.return_)

    def capabilities_of(self, task: str) -> list[Capability]:
        """The collected capabilities that ``task`` measures (empty for other tasks)."""
        return self._by_task.get(task) or []

    def add_completed(
        self,
        caps: list[Capability],
        scored: Any,
        model: str,
        variant: str,
        n: int | None,
        seed: int,
        ret: float | None,
    ) -> None:
        """Take the samples of one completed episode of a task measuring ``caps``; the
        scorers are called with ``scored`` (the episode, or a stand-in with its ``info`` for
        scorers in :data:`INFO_ONLY_SCORERS`)."""
        chance = _num(scored.info.get("random_return"))
        margin = float("nan") if chance is None or ret is None else float(ret) - chance
        cluster = (int(seed), -1 if n is None else int(n))
        for cap in caps:
            sample = cap.score(scored)
            if sample is None:
                continue
            key = (model, variant, cap.name, n if cap.per_n else None)
            slot = self._slots.get(key)
            if slot is None:
                width = None if isinstance(sample, _SCALARS) else len(sample)
                slot = self._slots[key] = (array("d"), width, array("q"), array("d"))
                self._values[key], self._width[key], self._clusters[key], self._margins[key] = slot
            values, width, clusters, margins = slot
            if type(sample) is float and width is None and not self._ragged:
                values.append(sample)  # the common case, first
            else:
                self._append(key, sample)
            clusters.extend(cluster)
            margins.append(margin)

    def _samples(self, key: Key) -> list[Sample]:
        width, values = self._width[key], self._values[key]
        if width is None:
            return list(values)
        return [tuple(values[i : i + width]) for i in range(0, len(values), width)]

    def _append(self, key: Key, sample: Sample) -> None:
        """Add one more sample of ``key`` (its slot made), in the shape its samples have."""
        values, width, _, _ = self._slots[key]
        if (ragged := self._ragged.get(key)) is not None:
            ragged.append(sample)
        elif width is None and isinstance(sample, _SCALARS):
            values.append(sample)
        elif width is not None and not isinstance(sample, _SCALARS) and len(sample) == width:
            values.extend(sample)
        else:  # samples of mixed shapes: kept as they are (np.asarray decides)
            self._ragged[key] = [*self._samples(key), sample]

    def parts(self) -> tuple[Any, ...]:
        """What was collected, as plain data for :meth:`merge` (no capability declarations,
        which may hold functions that do not pickle)."""
        return (
            self._values,
            self._width,
            self._ragged,
            self._clusters,
            self._margins,
            dict(self.incomplete),
        )

    def merge(self, parts: tuple[Any, ...]) -> None:
        """Take what another collector took (its :meth:`parts`) after what this one took: the
        samples end as if this collector had been given the other's episodes next."""
        values, widths, ragged, clusters, margins, incomplete = parts
        for key, theirs in values.items():
            slot = self._slots.get(key)
            if slot is None:  # a key first seen there: taken as it is, in its order
                slot = (theirs, widths[key], clusters[key], margins[key])
                self._slots[key] = slot
                self._values[key], self._width[key], self._clusters[key], self._margins[key] = slot
                if key in ragged:
                    self._ragged[key] = ragged[key]
                continue
            mine, width, my_clusters, my_margins = slot
            my_clusters.extend(clusters[key])
            my_margins.extend(margins[key])
            if key not in self._ragged and key not in ragged and widths[key] == width:
                mine.extend(theirs)
                continue
            # shapes that differ: each sample again, through the same checks
            if key in ragged:
                samples = ragged[key]
            elif widths[key] is None:
                samples = list(theirs)
            else:
                w = widths[key]
                samples = [tuple(theirs[i : i + w]) for i in range(0, len(theirs), w)]
            for sample in samples:
                self._append(key, sample)
        for group, eps in incomplete.items():
            self.incomplete[group].extend(eps)

    def table(self) -> CapabilityTable:
        """The :class:`CapabilityTable` of everything added."""
        samples, details = {}, {}
        for key, values in self._values.items():
            width = self._width[key]
            if key in self._ragged:
                arr = np.asarray(self._ragged[key], dtype=float)
            elif width is None:
                arr = np.frombuffer(values, dtype=float).copy()
            else:
                arr = np.frombuffer(values, dtype=float).reshape(-1, width).copy()
            arr.setflags(write=False)
            samples[key] = arr
            details[key] = CapabilitySamples(
                arr,
                np.frombuffer(self._clusters[key], dtype=np.int64).reshape(-1, 2).copy(),
                np.frombuffer(self._margins[key], dtype=float).copy(),
            )
        return CapabilityTable(samples, details)


def capabilities(
    episodes: Iterable[Episode], declared: Sequence[Capability] | None = None
) -> CapabilityTable:
    """Collect the capability samples of ``episodes`` (completed subtask episodes only).

    Args:
        episodes: normalised episodes (see :func:`metrics.normalize_records`).
        declared: the capabilities to collect; all declared ones by default.
    """
    collector = CapabilityCollector(declared)
    for ep in episodes:
        collector.add(ep)
    return collector.table()
