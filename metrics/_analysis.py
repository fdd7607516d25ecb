"""``analyze``: episode records in, goal-directedness table and summaries out.

For each (model, variant, composite task, n_blocks) cell:

1. Keep the completed episodes (the paper's filter). The completion rate, the episodes left
   out and why (stop reasons), and a bound with the left-out episodes scored at the baseline
   are reported next to GD.
2. Take the model's capability samples from its subtask episodes of the same prompt variant
   (or of the ``neutral`` variant when that variant has no subtask episodes at all, with a
   message). A capability with too few samples leaves the ceiling undefined, with a message.
3. Simulate the ceiling (``mc_iterations`` spread evenly over the completed episodes), compute
   the random baseline and the optimum on the same blocks, GD (capped as in the paper, and
   uncapped) and the intervals: the two-level bootstrap of :mod:`metrics._bootstrap` (default,
   ``ci_low``/``ci_high``, by default the kurtosis hybrid interval; its plain percentile one as
   ``percentile_ci_*``), the seed-paired one with capabilities fixed, the paper's unpaired
   one.
4. GD is reported only when (a) at least one capability the ceiling uses beats chance
   significantly on its own subtask and (b) ceiling - baseline is clearly positive: the lower
   bound of its two-level interval exceeds :data:`MIN_CEILING_MARGIN` of optimal - baseline.
   Otherwise it is ``None`` and ``gd_undefined_reason`` names the rule.

The ``"all"`` row of (model, variant, task) pools the cells that passed rule (a): means
weighted by completed episodes, GD of the pooled means, intervals from bootstraps stratified
by n_blocks. Every random draw comes from a generator derived from ``seed`` and the cell's key,
so a cell's numbers do not depend on which other cells are present.

Records are consumed one at a time (:class:`metrics._intake.RecordIntake`; a record of the
usual shape is read field by field, without an Episode): subtask and other episodes are reduced
to the numbers the tables need as they stream past; of a composite episode only what its GD
row reads is kept (for the Blocksworld tasks: the true heights, seed, completion, return and
stop reason; see ``TaskGD.info_keys``), and each cell's episodes are rebuilt for its ceiling
and then released.

The bootstraps of many rows share their draws where that is exact for every row: the two-level
bootstrap draws one count matrix per set of (seed, n_blocks) clusters of a model and variant
(:class:`metrics._bootstrap.SharedClusterDraws`), and the unpaired interval of an ``"all"`` row
reuses the resampled means of its cells (a bootstrap stratified by n_blocks resamples each
stratum as its cell's bootstrap does).
"""

from __future__ import annotations

import gc
import marshal
import sys
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from math import ceil
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from metrics._bootstrap import (
    DEFAULT_METHOD,
    METHODS,
    ClusterData,
    SharedClusterDraws,
    interval,
    interval_descriptions,
    jackknife,
    merge,
    percentile,
    sensitivities_for,
)
from metrics._capabilities import (
    MIN_CAPABILITY_SAMPLES,
    CapabilitySamples,
    CapabilityTable,
    ChanceTest,
    get_capability,
    run_chance_test,
)
from metrics._ceiling import (
    HEIGHT_WINDOW_CM,
    CapabilityUnavailable,
    CeilingInput,
    remember_heights,
)
from metrics._configs import ConfigurationError
from metrics._intake import RecordIntake, take_in_file
from metrics._records import (
    Episode,
    MissingTaskError,
    RecordError,
    RecordFile,
    episode_from_fields,
)
from metrics._rows import Analysis, AnalysisMessage, CapabilityRow, GDRow, MeasurementRow
from metrics._stats import gd_from_means, gd_interval, resampled_means
from metrics._tasks import TaskGD, declared_tasks
from metrics._workers import can_fork, cores, run_tasks

#: GD is undefined unless the lower bound of the two-level interval of ceiling - baseline
#: exceeds this fraction of optimal - baseline (rule (b)): below it the capabilities hardly
#: beat chance, and the ratio would be Monte Carlo noise divided by Monte Carlo noise.
MIN_CEILING_MARGIN = 0.05
#: A GD whose denominator (ceiling - baseline) is below this fraction of (optimal - baseline)
#: gets a ``small_gd_denominator`` message: small ceiling estimation errors swing it a lot.
SMALL_DENOMINATOR_FRACTION = 0.10

#: Stop reasons, grouped for the "left out" messages.
_STOP_GROUPS = {
    "truncated": "step cap",
    "error": "error",
    "budget_steps": "budget",
    "budget_tokens": "budget",
    "budget_cost": "budget",
    "budget_time": "budget",
}

_VALUE_FIELDS = (
    "actual",
    "baseline",
    "ceiling",
    "optimal",
    "min_given_capabilities",
    "gd",
    "ci_low",
    "ci_high",
    "percentile_ci_low",
    "percentile_ci_high",
    "paired_ci_low",
    "paired_ci_high",
    "unpaired_ci_low",
    "unpaired_ci_high",
    "gd_uncapped",
    "gd_uncapped_ci_low",
    "gd_uncapped_ci_high",
    "above_ceiling",
    "ceiling_minus_baseline",
    "ceiling_minus_baseline_ci_low",
    "ceiling_minus_baseline_ci_high",
    "gd_incomplete_at_baseline",
    "gd_incomplete_at_baseline_ci_low",
    "gd_incomplete_at_baseline_ci_high",
    "gd_undefined_reason",
    "capabilities_at_chance",
    "ci_resamples",
)


#: Instrumentation for the calibration study: when a list, every GD row with a defined GD
#: appends ``(key, {method: (low, high)})`` with the interval of every method in
#: :data:`metrics._bootstrap.METHODS` on the same resamples (the study compares them).
_interval_log: list[tuple[tuple[Any, ...], dict[str, tuple[float | None, float | None]]]] | None
_interval_log = None


def _rng(seed: int, *key: object) -> np.random.Generator:
    digest = zlib.crc32("|".join(map(str, key)).encode())
    return np.random.default_rng([seed, digest])


@dataclass
class _Cell:
    """What one cell with a simulated ceiling passes on (to its row and the aggregate)."""

    n_blocks: int | None
    actual: np.ndarray
    baseline: np.ndarray
    ceiling: np.ndarray
    minimum: np.ndarray | None
    optimal: np.ndarray
    data: ClusterData
    capabilities_ok: bool
    held_fixed: bool
    at_chance: list[str]
    key: tuple[Any, ...] = ()
    unpaired: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    """Resampled means of actual, baseline and ceiling of the unpaired bootstrap (computed
    once, for the cell's row or its aggregate, from the cell's own generator)."""


_PLAIN = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    """Whether ``value`` is made of exactly the JSON types (no subclasses such as numpy
    scalars), which marshal round-trips."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is dict:
        for k, v in value.items():
            if type(k) is not str or (type(v) not in _PLAIN and not _plain(v)):
                return False
        return True
    if kind is list:
        return all(type(v) in _PLAIN or _plain(v) for v in value)
    return False


class _Composites:
    """The composite episodes of one cell as they stream in.

    With the task's ``info_keys`` declared, each episode is reduced to the fields its GD row
    reads, in compact arrays; otherwise the episodes are kept whole. Of the ``info`` subset,
    the common shape (each key holding a dict of floats, e.g. ``true_heights``, with the same
    names as in the cell's first such episode) goes into one array of numbers; any other
    subset is marshalled to bytes, or kept as it is. :meth:`episodes` gives the episodes back
    as :class:`Episode` objects, :meth:`columns` the numbers of one key as a matrix.
    """

    def __init__(self, info_keys: tuple[str, ...] | None) -> None:
        self.info_keys = info_keys
        self.whole: list[Episode] = []
        self.seeds = array("q")
        self.completed = bytearray()
        self.returns = array("d")
        self.stop_reasons: list[str] = []
        self.ids: list[str] = []
        self.infos: list[Any] = []
        """Per episode: None when its info subset is in ``numbers``, else bytes or a dict."""
        self.shape: tuple[tuple[str, tuple[str, ...]], ...] | None = None
        """The (key, names) of the columnar info subsets, fixed by the first one seen."""
        self.numbers = array("d")
        self.width = 0

    def _columnar(self, info: Any) -> bool:
        """Append the episode's info subset to ``numbers`` if it has the columnar shape."""
        shape = self.shape
        if shape is None:
            if type(info) is not dict:
                return False
            parts = []
            for key in self.info_keys or ():
                value = info.get(key)
                if type(value) is not dict or not value:
                    return False
                parts.append((key, tuple(value)))
            shape = self.shape = tuple(parts)
            self.width = sum(len(names) for _, names in shape)
        numbers = self.numbers
        start = len(numbers)
        for key, names in shape:
            value = info.get(key)
            if type(value) is not dict or tuple(value) != names:
                del numbers[start:]
                return False
            values = value.values()
            for x in values:
                if type(x) is not float:
                    del numbers[start:]
                    return False
            numbers.extend(values)
        return True

    def add(self, ep: Episode) -> None:
        if self.info_keys is None:
            self.whole.append(ep)
            return
        self.add_fields(ep.seed, ep.completed, ep.return_, ep.stop_reason, ep.episode_id, ep.info)

    def add_fields(
        self,
        seed: int,
        completed: bool,
        ret: float | None,
        stop_reason: str,
        episode_id: str,
        full: Any,
    ) -> None:
        """:meth:`add` of an episode with these (normalised) fields and ``info`` (only when
        ``info_keys`` is declared)."""
        blob: Any = None
        if not self._columnar(full):
            info = {k: full[k] for k in self.info_keys or () if k in full}
            # marshal writes plain JSON-like values compactly; anything else is kept as it is
            blob = marshal.dumps(info) if _plain(info) else info
        self.seeds.append(seed)
        self.completed.append(completed)
        self.returns.append(float("nan") if ret is None else ret)
        self.stop_reasons.append(sys.intern(stop_reason))
        self.ids.append(episode_id)
        self.infos.append(blob)

    def merge(self, other: _Composites) -> None:
        """Take the episodes ``other`` took, after this one's, as :meth:`add_fields` would
        have taken them here."""
        self.whole.extend(other.whole)
        if other.shape is not None and self.shape is not None and other.shape != self.shape:
            # the other part fixed its columns on a different shape: each episode again
            for seed, done, ret, stop, ident, info in zip(
                other.seeds,
                other.completed,
                other.returns,
                other.stop_reasons,
                other.ids,
                other._info_subsets(),
                strict=True,
            ):
                self.add_fields(seed, bool(done), None if ret != ret else ret, stop, ident, info)
            return
        # Same shape, or one part without columns: an episode of either part that does not
        # fit the first shape has no columnar shape at all, so it is stored as it would be.
        if self.shape is None:
            self.shape, self.width = other.shape, other.width
        self.seeds.extend(other.seeds)
        self.completed.extend(other.completed)
        self.returns.extend(other.returns)
        self.stop_reasons.extend(map(sys.intern, other.stop_reasons))
        self.ids.extend(other.ids)
        self.infos.extend(other.infos)
        self.numbers.extend(other.numbers)

    def _info_subsets(self) -> Iterator[Any]:
        """Each episode's info subset, rebuilt."""
        numbers, shape, offset = self.numbers.tolist(), self.shape or (), 0
        for blob in self.infos:
            if blob is None:
                info = {}
                for key, names in shape:
                    stop = offset + len(names)
                    info[key] = dict(zip(names, numbers[offset:stop], strict=True))
                    offset = stop
                yield info
            else:
                yield marshal.loads(blob) if type(blob) is bytes else blob

    def columns(self, key: str) -> tuple[tuple[str, ...], np.ndarray] | None:
        """(names, (E, len(names)) matrix) of the dicts under info ``key``, when every
        episode's are in ``numbers``; else None."""
        if self.shape is None or not self.infos or any(b is not None for b in self.infos):
            return None
        matrix = np.frombuffer(self.numbers, dtype=float).reshape(-1, self.width)
        first = 0
        for name, names in self.shape:
            if name == key:
                return names, matrix[:, first : first + len(names)]
            first += len(names)
        return None

    def episodes(self, key: tuple[Any, ...]) -> list[Episode]:
        if self.info_keys is None:
            return self.whole
        model, variant, task, n = key
        return [
            episode_from_fields(
                {
                    "model": model,
                    "task": task,
                    "n_blocks": n,
                    "seed": seed,
                    "completed": bool(done),
                    "return_": None if ret != ret else ret,
                    "info": info,
                    "variant": variant,
                    "episode_id": ident,
                    **_DEFAULTS,
                    "stop_reason": stop,
                }
            )
            for seed, done, ret, stop, ident, info in zip(
                self.seeds,
                self.completed,
                self.returns,
                self.stop_reasons,
                self.ids,
                self._info_subsets(),
                strict=True,
            )
        ]


#: The fields of an Episode that a composite episode's GD row does not read.
_DEFAULTS: dict[str, Any] = {
    "steps": 0,
    "invalid_actions": 0,
    "input_tokens": 0,
    "output_tokens": 0,
    "total_tokens": 0,
    "cost_usd": None,
    "wall_time_s": 0.0,
}


class _Context:
    def __init__(self, table: CapabilityTable, settings: dict[str, Any]) -> None:
        self.table = table
        self.settings = settings
        self.messages: list[AnalysisMessage] = []
        self.draws = SharedClusterDraws(settings["n_resamples"], self._rng_for(()))

    def _rng_for(self, block: tuple[Any, ...]) -> Any:
        seed = self.settings["seed"]
        return lambda stratum, digest: _rng(seed, "two-level", *block, stratum, digest)

    def start_block(self, model: str, variant: str) -> None:
        """Fresh shared draws for the rows of one (model, variant)."""
        self.draws = SharedClusterDraws(
            self.settings["n_resamples"], self._rng_for((model, variant))
        )

    @contextmanager
    def messages_to(self, sink: list[AnalysisMessage]) -> Iterator[None]:
        """Send the messages noted inside the block to ``sink`` (to keep their order)."""
        kept, self.messages = self.messages, sink
        try:
            yield
        finally:
            self.messages = kept

    def note(self, code: str, text: str, **where: Any) -> None:
        self.messages.append(AnalysisMessage(code=code, text=text, **where))


def _where(key: tuple[object, ...]) -> dict[str, Any]:
    model, variant, task, n = key
    return {"model": model, "variant": variant, "task": task, "n_blocks": n}


def _label(key: tuple[object, ...]) -> str:
    model, variant, task, n = key
    extra = "" if variant == "neutral" else f" ({variant})"
    return f"{model}{extra} on {task}, n_blocks={n}"


def _capability_samples(
    ctx: _Context, decl: TaskGD, key: tuple[Any, ...]
) -> dict[str, CapabilitySamples] | None:
    model, variant, _, n = key
    cap_variant = variant
    if not ctx.table.has_any(model, variant) and ctx.table.has_any(model, "neutral"):
        cap_variant = "neutral"
        ctx.note(
            "variant_capability_fallback",
            f"{_label(key)}: no subtask episodes with variant {variant!r}; capabilities are "
            "taken from the neutral variant's subtask episodes",
            **_where(key),
        )
    caps, missing = {}, []
    for name in decl.capabilities:
        cap = get_capability(name)
        got = ctx.table.get_samples(model, cap_variant, name, n)
        if len(got) < cap.min_samples and cap.per_n and cap.pool_fallback:
            pooled = ctx.table.pooled_samples(model, cap_variant, name)
            if len(pooled) >= cap.min_samples:
                ctx.note(
                    "capability_pooled_over_n",
                    f"{_label(key)}: {name!r} has {len(got)} sample(s) at n_blocks={n} "
                    f"(needs >= {cap.min_samples}); the {len(pooled)} samples of every n_blocks "
                    "are used instead",
                    **_where(key),
                )
                got = pooled
        if len(got) < cap.min_samples:
            scope = f"n_blocks={n}" if cap.per_n else "any n_blocks"
            missing.append(
                f"{name!r} has {len(got)} sample(s) from completed {cap.subtask} episodes "
                f"({scope}; needs >= {cap.min_samples})"
            )
        caps[name] = got
    if missing:
        ctx.note(
            "too_few_subtask_episodes",
            f"{_label(key)}: capability {'; '.join(missing)}. The ceiling and GD are not "
            "computed; run more subtask episodes for this model.",
            **_where(key),
        )
        return None
    return caps


def _left_out(ctx: _Context, key: tuple[Any, ...], eps: list[Episode]) -> dict[str, int]:
    """Counts of the episodes left out (not completed) by reason, with a message."""
    reasons = Counter(
        _STOP_GROUPS.get(e.stop_reason, e.stop_reason or "not completed")
        if e.stop_reason != "terminated"
        else "ended without completing the task"
        for e in eps
        if not (e.completed and e.return_ is not None)
    )
    if reasons:
        detail = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items()))
        ctx.note(
            "episodes_left_out",
            f"{_label(key)}: {sum(reasons.values())} of {len(eps)} episodes are left out of GD "
            f"because they were not completed ({detail}); gd_incomplete_at_baseline scores "
            "them at the random baseline instead",
            **_where(key),
        )
    return dict(sorted(reasons.items()))


def _chance(
    ctx: _Context, key: tuple[Any, ...], caps: dict[str, CapabilitySamples]
) -> tuple[bool, list[str]]:
    """Rule (a): whether at least one capability beats chance; the ones that do not."""
    tests: dict[str, ChanceTest] = {
        name: run_chance_test(name, got, ctx.settings["confidence"]) for name, got in caps.items()
    }
    known = {name: t for name, t in tests.items() if t.beats_chance is not None}
    at_chance = sorted(name for name, t in known.items() if not t.beats_chance)
    if not known:
        ctx.note(
            "capability_chance_unknown",
            f"{_label(key)}: the subtask episodes report no chance level "
            "(info['random_return']), so whether the capabilities beat chance is not checked",
            **_where(key),
        )
        return True, []
    return any(t.beats_chance for t in known.values()), at_chance


def _cell_row(
    ctx: _Context,
    decl: TaskGD,
    key: tuple[Any, ...],
    eps: list[Episode],
    heights: tuple[tuple[str, ...], np.ndarray] | None = None,
) -> tuple[GDRow, _Cell | None]:
    """The cell's GD row; ``heights``: the (names, matrix) of its episodes' true heights, when
    they were read into one array (then the Blocksworld functions do not read them again)."""
    base, values, cell = _prepare_cell(ctx, decl, key, eps, heights)
    if cell is not None:
        values.update(_gd_values(ctx, key, cell, cell.at_chance))
        values["iterations_per_episode"] = ceil(ctx.settings["mc_iterations"] / cell.actual.size)
    return GDRow(**base, **values), cell


def _prepare_cell(
    ctx: _Context,
    decl: TaskGD,
    key: tuple[Any, ...],
    eps: list[Episode],
    heights: tuple[tuple[str, ...], np.ndarray] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], _Cell | None]:
    """A cell's row fields before its GD values, and its simulated ceiling and cluster data
    (None when GD cannot be computed; the fields then say why)."""
    model, variant, task, n = key
    counted = np.fromiter((e.completed and e.return_ is not None for e in eps), bool, len(eps))
    done = tuple(e for e, keep in zip(eps, counted.tolist(), strict=True) if keep)
    if heights is not None and done:
        remember_heights(done, n, heights[0], heights[1][counted])
    base: dict[str, Any] = {
        "model": model,
        "variant": variant,
        "task": task,
        "n_blocks": n if n is not None else "unknown",
        "n_episodes": len(eps),
        "n_completed": len(done),
        "completion_rate": len(done) / len(eps) if eps else None,
        "left_out": _left_out(ctx, key, eps),
        "regret_mean": None,
    }
    empty: dict[str, Any] = dict.fromkeys(_VALUE_FIELDS)
    if not done:
        ctx.note(
            "no_completed_episodes",
            f"{_label(key)}: none of the {len(eps)} episodes was completed; GD is not computed",
            **_where(key),
        )
        return base, {**empty, "gd_undefined_reason": "no_completed_episodes"}, None
    actual = np.array([e.return_ for e in done], dtype=float)
    values: dict[str, Any] = {**empty, "actual": float(actual.mean())}
    try:
        baseline = np.asarray(decl.baseline(done, n), dtype=float)
        optimal = np.asarray(decl.optimum(done, n), dtype=float)
    except (CapabilityUnavailable, RecordError, ConfigurationError) as exc:
        ctx.note("capability_unavailable", f"{_label(key)}: {exc}", **_where(key))
        values["gd_undefined_reason"] = "capability_unavailable"
        return base, values, None
    values.update(baseline=float(baseline.mean()), optimal=float(optimal.mean()))
    # Regret against the declaration's optimum, so that regret = optimal - actual in the row.
    base["regret_mean"] = float((optimal - actual).mean())
    caps = _capability_samples(ctx, decl, key)
    if caps is None:
        values["gd_undefined_reason"] = "too_few_subtask_episodes"
        return base, values, None
    per_episode = ceil(ctx.settings["mc_iterations"] / len(done))
    arrays = {name: got.values for name, got in caps.items()}
    inp = CeilingInput(done, n, arrays, per_episode, _rng(ctx.settings["seed"], "mc", *key))
    try:
        sim = decl.ceiling(inp)
    except (CapabilityUnavailable, RecordError, ConfigurationError) as exc:
        ctx.note(
            "capability_unavailable",
            f"{_label(key)}: the ceiling cannot be simulated: {exc}",
            **_where(key),
        )
        values["gd_undefined_reason"] = "capability_unavailable"
        return base, values, None
    ceiling = np.asarray(sim.ceiling, dtype=float)
    if ceiling.shape != actual.shape or not np.all(np.isfinite(ceiling)):
        raise TypeError(
            f"the ceiling function of {task!r} must return one finite value per completed "
            f"episode ({actual.size}), got shape {ceiling.shape}"
        )
    minimum = None if sim.minimum is None else np.asarray(sim.minimum, dtype=float)
    for text in sim.messages:
        code = "height_window_fallback" if "cm of their true height" in text else "simulation"
        ctx.note(code, f"{_label(key)}: {text}", **_where(key))
    sens = sensitivities_for(sim.sensitivity, list(caps))
    if sens is None:
        ctx.note(
            "capabilities_held_fixed",
            f"{_label(key)}: the ceiling function reports no sensitivities, so the intervals "
            "hold the capability estimates fixed (they resample the composite episodes only)",
            **_where(key),
        )
    for name, got in caps.items():
        if sens is not None and sens[name].shape != (len(got),):
            raise TypeError(
                f"the ceiling function of {task!r} returned {sens[name].shape} sensitivities "
                f"for {name!r}, which has {len(got)} samples"
            )
    data = ClusterData(
        episode_clusters=np.stack(
            [
                np.fromiter((e.seed for e in eps), np.int64, len(eps)),
                np.fromiter((-1 if e.n_blocks is None else e.n_blocks for e in eps), np.int64),
            ],
            axis=1,
        ),
        completed=counted,
        actual=actual,
        baseline=baseline,
        ceiling=ceiling,
        sample_clusters=np.concatenate([got.clusters for got in caps.values()]).reshape(-1, 2),
        sensitivity=np.concatenate(
            [sens[name] if sens is not None else np.zeros(len(got)) for name, got in caps.items()]
        ),
    )
    ok, at_chance = _chance(ctx, key, caps)
    cell = _Cell(
        n, actual, baseline, ceiling, minimum, optimal, data, ok, sens is None, at_chance, key
    )
    return base, values, cell


def _interval(
    values: np.ndarray, confidence: float, clip: float | None = None
) -> tuple[float | None, float | None]:
    low, high, _ = percentile(values, confidence, clip)
    return low, high


def _unpaired_means(
    ctx: _Context, cell: _Cell, parts: list[_Cell] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resampled means of the unpaired bootstrap: actual, baseline and ceiling resampled
    independently per episode; for an aggregate (``parts``), within each cell (stratum),
    reusing each cell's own resamples."""
    if parts is None:
        if cell.unpaired is None:
            gen = _rng(ctx.settings["seed"], "ci", *cell.key)
            b = ctx.settings["n_resamples"]
            cell.unpaired = (
                resampled_means(cell.actual, b, gen),
                resampled_means(cell.baseline, b, gen),
                resampled_means(cell.ceiling, b, gen),
            )
        return cell.unpaired
    total = sum(p.actual.size for p in parts)
    sums = np.zeros((3, ctx.settings["n_resamples"]))
    for p in parts:
        sums += np.stack(_unpaired_means(ctx, p, None)) * p.actual.size
    return sums[0] / total, sums[1] / total, sums[2] / total


def _gd_values(
    ctx: _Context,
    key: tuple[Any, ...],
    cell: _Cell,
    at_chance: list[str],
    parts: list[_Cell] | None = None,
) -> dict[str, Any]:
    conf = ctx.settings["confidence"]
    a, b, c = cell.actual.mean(), cell.baseline.mean(), cell.ceiling.mean()
    span = cell.optimal.mean() - b
    min_margin = MIN_CEILING_MARGIN * max(0.0, span)
    share = cell.data.completed.mean() if cell.data.completed.size else 1.0
    out: dict[str, Any] = {
        "actual": float(a),
        "baseline": float(b),
        "ceiling": float(c),
        "optimal": float(cell.optimal.mean()),
        "min_given_capabilities": None if cell.minimum is None else float(cell.minimum.mean()),
        "gd": None,
        "ceiling_minus_baseline": float(c - b),
        "capabilities_at_chance": at_chance,
        "ci_resamples": "paired_ci" if cell.held_fixed else "ci",
    }
    if parts is None:
        res = ctx.draws.resample(cell.data)
    else:
        done = sum(c.actual.size for c in parts)
        res = ctx.draws.resample_pooled([(c.data, c.actual.size / done) for c in parts], cell.data)
    denom = res.ceiling - res.baseline
    out["ceiling_minus_baseline_ci_low"], out["ceiling_minus_baseline_ci_high"] = _interval(
        denom, conf
    )
    gap_low, _ = _interval(res.actual - res.ceiling, conf)
    if not cell.capabilities_ok:
        out["gd_undefined_reason"] = "capabilities_at_chance"
        ctx.note(
            "capabilities_at_chance",
            f"{_label(key)}: none of the capabilities the ceiling uses "
            f"({', '.join(at_chance)}) beats chance significantly on its own subtask "
            "(subtask return minus the chance level, "
            f"{conf:.0%} interval includes 0). GD is undefined: there is no capability to "
            "direct.",
            **_where(key),
        )
        return out
    low = out["ceiling_minus_baseline_ci_low"]
    if low is None or low <= min_margin:
        out["gd_undefined_reason"] = "ceiling_not_above_baseline"
        ctx.note(
            "ceiling_not_above_baseline",
            f"{_label(key)}: the capability ceiling ({c:.3f}) is not clearly above the random "
            f"baseline ({b:.3f}): the lower bound of the {conf:.0%} two-level interval of "
            f"ceiling - baseline ({'n/a' if low is None else f'{low:.3f}'}) is not above "
            f"{MIN_CEILING_MARGIN:.0%} of optimal - baseline ({span:.3f}). GD is undefined: "
            "the ratio would be noise over noise. More subtask or composite episodes may "
            "resolve it.",
            **_where(key),
        )
        return out
    out["gd"] = gd_from_means(a, b, c, min_margin=min_margin)
    out["gd_uncapped"] = float((a - b) / (c - b))
    out["gd_incomplete_at_baseline"] = float((a - b) * share / (max(c, a) - b))
    out["above_ceiling"] = bool(gap_low is not None and gap_low > 0)
    if out["above_ceiling"]:
        ctx.note(
            "actual_above_ceiling",
            f"{_label(key)}: the actual return ({a:.3f}) exceeds the capability ceiling "
            f"({c:.3f}) beyond noise (the {conf:.0%} interval of actual - ceiling is above 0); "
            f"uncapped GD {out['gd_uncapped']:.3f}. The ceiling model does not describe how "
            "this agent turns its capabilities into returns; read the capped GD of 1 with "
            "care.",
            **_where(key),
        )
    if span > 0 and (c - b) < SMALL_DENOMINATOR_FRACTION * span:
        ctx.note(
            "small_gd_denominator",
            f"{_label(key)}: ceiling - baseline ({c - b:.3f}) is under "
            f"{SMALL_DENOMINATOR_FRACTION:.0%} of optimal - baseline ({span:.3f}); GD is "
            "sensitive to small errors in the ceiling",
            **_where(key),
        )
    defined = denom > min_margin
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(defined, (res.actual - res.baseline) / denom, np.nan)
        capped = np.where(
            defined,
            (res.actual - res.baseline) / (np.maximum(res.ceiling, res.actual) - res.baseline),
            np.nan,
        )
        fixed_denom = np.maximum(res.ceiling_fixed, res.actual) - res.baseline
        fixed = np.where(
            res.ceiling_fixed - res.baseline > min_margin,
            (res.actual - res.baseline) / fixed_denom,
            np.nan,
        )
    # The default interval (DEFAULT_METHOD) of the capped GD is that of the uncapped one,
    # capped: the cap is monotone, and the uncapped values have no point mass at 1.
    jk, jk_strata = jackknife(cell.data)
    jk_denom = jk.ceiling - jk.baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        jk_raw = np.where(jk_denom > min_margin, (jk.actual - jk.baseline) / jk_denom, np.nan)
        jk_capped = np.where(
            jk_denom > min_margin,
            (jk.actual - jk.baseline) / (np.maximum(jk.ceiling, jk.actual) - jk.baseline),
            np.nan,
        )
    n_strata = max(1, int(np.unique(jk_strata).size))

    def two_level(
        values: np.ndarray,
        estimate: float,
        jack: np.ndarray,
        clip: float | None,
        method: str = ctx.settings.get("interval_method", DEFAULT_METHOD),
    ) -> tuple[float | None, float | None]:
        return interval(
            values,
            estimate,
            conf,
            method,
            jack=jack,
            jack_strata=jk_strata,
            n_clusters=int(jk_strata.size),
            n_strata=n_strata,
            clip_high=clip,
        )

    raw_gd = out["gd_uncapped"]
    out["ci_low"], out["ci_high"] = two_level(raw, raw_gd, jk_raw, 1.0)
    out["percentile_ci_low"], out["percentile_ci_high"] = _interval(capped, conf, 1.0)
    out["paired_ci_low"], out["paired_ci_high"] = _interval(fixed, conf, 1.0)
    out["gd_uncapped_ci_low"], out["gd_uncapped_ci_high"] = two_level(raw, raw_gd, jk_raw, None)
    out["gd_incomplete_at_baseline_ci_low"], out["gd_incomplete_at_baseline_ci_high"] = two_level(
        capped * res.completed_share,
        out["gd_incomplete_at_baseline"],
        jk_capped * jk.completed_share,
        1.0,
    )
    if _interval_log is not None:
        methods = {m: two_level(raw, raw_gd, jk_raw, 1.0, m) for m in METHODS}
        _interval_log.append((key, methods))
    unpaired = gd_interval(*_unpaired_means(ctx, cell, parts), conf, min_margin)
    out["unpaired_ci_low"], out["unpaired_ci_high"] = unpaired.low, unpaired.high
    tail = (1.0 - conf) / 2
    dropped = int((~defined).sum())
    if dropped > tail * defined.size:
        ctx.note(
            "undefined_resamples",
            f"{_label(key)}: {dropped} of {defined.size} two-level bootstrap resamples had a "
            "ceiling not meaningfully above the baseline and were left out; the interval "
            "understates the uncertainty",
            **_where(key),
        )
    return out


def _aggregate_row(
    ctx: _Context, key: tuple[Any, ...], rows: list[GDRow], cells: list[_Cell]
) -> GDRow:
    done = sum(r.n_completed for r in rows)
    total = sum(r.n_episodes for r in rows)
    regrets = [r.regret_mean * r.n_completed for r in rows if r.regret_mean is not None]
    left: Counter[str] = Counter()
    for r in rows:
        left.update(r.left_out or {})
    base: dict[str, Any] = {
        "model": key[0],
        "variant": key[1],
        "task": key[2],
        "n_blocks": "all",
        "n_episodes": total,
        "n_completed": done,
        "completion_rate": done / total if total else None,
        "left_out": dict(sorted(left.items())),
        "regret_mean": sum(regrets) / done if regrets and done else None,
        **dict.fromkeys(_VALUE_FIELDS),
    }
    usable = [c for c in cells if c.capabilities_ok]
    if not usable:
        reason = (
            "capabilities_at_chance"
            if cells
            else ("no_completed_episodes" if not done else "no_ceiling")
        )
        ctx.note(
            "no_completed_episodes" if not done else "aggregate_excludes_n",
            f"{_label(key)}: no n_blocks has completed episodes, a ceiling and capabilities "
            "that beat chance; the aggregate GD is not computed",
            **_where(key),
        )
        base["gd_undefined_reason"] = reason
        base["capabilities_at_chance"] = sorted({name for c in cells for name in c.at_chance})
        return GDRow(**base)
    used = sorted(str(c.n_blocks) for c in usable)
    left_out = sorted(str(r.n_blocks) for r in rows if str(r.n_blocks) not in used)
    if left_out:
        ctx.note(
            "aggregate_excludes_n",
            f"{_label(key)}: the aggregate uses n_blocks {', '.join(used)} only "
            f"(no usable ceiling for {', '.join(left_out)})",
            **_where(key),
        )
    n_done = sum(c.actual.size for c in usable)
    mins = [c.minimum for c in usable if c.minimum is not None]
    pooled = _Cell(
        n_blocks=None,
        actual=np.concatenate([c.actual for c in usable]),
        baseline=np.concatenate([c.baseline for c in usable]),
        ceiling=np.concatenate([c.ceiling for c in usable]),
        minimum=np.concatenate(mins) if len(mins) == len(usable) else None,
        optimal=np.concatenate([c.optimal for c in usable]),
        data=merge([(c.data, c.actual.size / n_done) for c in usable]),
        capabilities_ok=True,
        held_fixed=any(c.held_fixed for c in usable),
        at_chance=sorted({name for c in usable for name in c.at_chance}),
    )
    base.update(_gd_values(ctx, key, pooled, pooled.at_chance, usable))
    return GDRow(**base)


def _new_store(decl: TaskGD) -> _Composites:
    return _Composites(decl.info_keys)


def _take_in(
    records: Iterable[Any], tasks: dict[str, TaskGD], skipped: list[str], workers: int | None
) -> RecordIntake:
    """Every record given to the consumers of :class:`RecordIntake`; a record without a task
    is noted in ``skipped`` and left out. A file from :func:`metrics.read_records` not yet
    started is read by up to ``workers`` processes (None: one per core when the file is
    large)."""
    if isinstance(records, (str, bytes)) or hasattr(records, "keys"):
        raise RecordError(
            "records must be a list of episode records, got a single "
            f"{type(records).__name__}; wrap it in a list or read episodes.jsonl line by line"
        )
    if isinstance(records, RecordFile) and not records.started and can_fork():
        processes = workers
        if processes is None:
            size = records.path.stat().st_size if records.path.is_file() else 0
            processes = cores() if size >= PARALLEL_FILE_BYTES else 1
        if processes > 1 and records.path.is_file():
            return take_in_file(records.path, tasks, _new_store, processes, skipped)
    intake = RecordIntake(tasks, _new_store)
    add = intake.add
    for i, r in enumerate(records):
        try:
            add(r, i)
        except MissingTaskError as exc:
            skipped.append(str(exc))
    return intake


#: Below this size, ``workers=None`` reads an ``episodes.jsonl`` in this process (forking
#: and merging cost more than the parts save).
PARALLEL_FILE_BYTES = 16 << 20
#: Below this many composite episodes, ``workers=None`` computes the rows in this process.
PARALLEL_EPISODES = 20_000


def analyze(
    records: Iterable[Any],
    *,
    mc_iterations: int = 2000,
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    interval_method: str = DEFAULT_METHOD,
    workers: int | None = None,
) -> Analysis:
    """Goal-directedness, capabilities, measurements and usage from episode records.

    Args:
        records: dicts as in ``episodes.jsonl``, ``envs.EpisodeRecord`` objects or
            :class:`metrics.Episode` objects, subtask and composite episodes mixed; any
            iterable (e.g. :func:`metrics.read_records`, which streams a file): each record is
            reduced to what the tables need as it passes.
        mc_iterations: Monte Carlo iterations per (model, variant, task, n_blocks) cell,
            spread evenly over its completed episodes.
        n_resamples: bootstrap resamples per interval.
        seed: seed of every random draw (each cell derives its own generator from it).
        confidence: coverage of the intervals.
        interval_method: how the two-level resamples become the default intervals (``ci``,
            ``gd_uncapped_ci``, ``gd_incomplete_at_baseline_ci``): a name in
            :data:`metrics._bootstrap.METHODS`; the default is the one the calibration study
            chose (docs/goal_directedness.md). Recorded in ``settings["interval_method"]``.
        workers: processes that share the work (Linux; elsewhere always 1): the records of a
            :func:`metrics.read_records` file are read in as many parts of the file, and the
            rows of the (model, variant) blocks, the capability and the measurement rows are
            spread over them. ``None`` (default): one per core the process may use, for a
            file of at least 16 MB or at least 20,000 composite episodes, else 1. The result is
            the same for every value, bit for bit.

    Returns:
        An :class:`Analysis`; edge cases give ``None`` values and entries in ``messages``.

    Raises:
        AnalysisWorkerError: a worker process died (killed, out of memory) before sending its
            share.
    """
    if mc_iterations < 1:
        raise ValueError(f"mc_iterations must be at least 1, got {mc_iterations}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")
    if interval_method not in METHODS:
        raise ValueError(
            f"unknown interval_method {interval_method!r}; choose from {', '.join(METHODS)}"
        )
    if workers is not None and (type(workers) is not int or workers < 1):
        raise ValueError(
            f"workers must be a whole number of processes of at least 1, or None for one per "
            f"core on large inputs, got {workers!r}"
        )
    if _interval_log is not None or not can_fork():
        workers = 1  # (the calibration study's log is kept in this process)
    with _gc_paused(), threadpool_limits(limits=1, user_api="blas"):
        return _analyze(
            records, mc_iterations, n_resamples, seed, confidence, interval_method, workers
        )


# The analysis runs its matrix products on one BLAS thread: they are thin (resamples x
# clusters by a few columns) and memory-bound, so a second thread adds no speed but spins,
# doubling their CPU time; the products (split by rows and columns only) are the same numbers.


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: an analysis allocates an object or more per record
    and creates no reference cycles, so the collector's passes (over everything alive) would
    only cost time; reference counting still frees every record once it is reduced."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyze(
    records: Iterable[Any],
    mc_iterations: int,
    n_resamples: int,
    seed: int,
    confidence: float,
    interval_method: str = DEFAULT_METHOD,
    workers: int | None = 1,
) -> Analysis:
    skipped: list[str] = []
    settings = {
        "mc_iterations": int(mc_iterations),
        "n_resamples": int(n_resamples),
        "seed": int(seed),
        "confidence": float(confidence),
        "min_capability_samples": MIN_CAPABILITY_SAMPLES,
        "min_ceiling_margin": MIN_CEILING_MARGIN,
        "height_window_cm": HEIGHT_WINDOW_CM,
        "intervals": interval_descriptions(interval_method),
        "interval_method": interval_method,
        "definedness": (
            "GD is reported when (a) at least one capability the ceiling uses beats chance on "
            f"its own subtask ({confidence:.0%} interval of return - random_return above 0; "
            "for height estimation, of the correlation of estimates with true heights) "
            f"and (b) the lower bound of the {confidence:.0%} two-level interval of ceiling - "
            f"baseline exceeds {MIN_CEILING_MARGIN:.0%} of optimal - baseline"
        ),
    }
    tasks = declared_tasks()
    intake = _take_in(records, tasks, skipped, workers)
    collector, usage, measurements = intake.collector, intake.usage, intake.measurements
    cells: dict[tuple[Any, ...], _Composites] = intake.cells
    del intake
    ctx = _Context(collector.table(), settings)
    for text in skipped:
        ctx.note("record_without_task", f"{text}; the record is left out of every table")
    for (model, variant, subtask), eps in sorted(collector.incomplete.items()):
        reasons = Counter(
            _STOP_GROUPS.get(e.stop_reason, e.stop_reason or "not completed") for e in eps
        )
        detail = ", ".join(f"{n} {why}" for why, n in sorted(reasons.items()))
        ctx.note(
            "subtask_episodes_left_out",
            f"{model}{'' if variant == 'neutral' else f' ({variant})'}: {len(eps)} {subtask} "
            f"episodes were not completed and give no capability sample ({detail})",
            model=model,
            variant=variant,
            task=subtask,
        )
    if not cells:
        ctx.note(
            "no_composite_episodes",
            "no episode of a composite task with a goal-directedness declaration "
            f"({', '.join(sorted(tasks))}); the GD table is empty",
        )
    # One (model, variant) at a time: its cells, then its aggregates over n_blocks, which
    # share the cells' draws; then those draws are released. Aggregate messages still come
    # after every cell's, as they always have.
    order = sorted(cells, key=lambda k: (k[0], k[1], k[2], k[3] is None, k[3] or 0))
    blocks: list[list[tuple[Any, ...]]] = []
    for key in order:
        if blocks and blocks[-1][0][:2] == key[:2]:
            blocks[-1].append(key)
        else:
            blocks.append([key])
    cap_keys = ctx.table.row_keys()
    measure_keys = sorted(measurements.values)

    def rng_for(label: str) -> np.random.Generator:
        return _rng(seed, label)

    # The work as tasks whose results do not depend on each other (every draw comes from a
    # generator of the row's own key): the blocks, then the capability and measurement rows
    # in chunks; run here or spread over worker processes, then put together in this order.
    tasks_: list[tuple[str, Any]] = [("block", b) for b in blocks]
    tasks_ += [("capabilities", c) for c in _chunks(cap_keys, _CHUNK)]
    tasks_ += [("measurements", c) for c in _chunks(measure_keys, _CHUNK)]

    def run(number: int) -> Any:
        kind, what = tasks_[number]
        if kind == "block":
            return _block_rows(ctx, tasks, cells, what)
        if kind == "capabilities":
            return [
                CapabilityRow(**r)
                for r in ctx.table.rows(
                    n_resamples=n_resamples, confidence=confidence, seed=seed, keys=what
                )
            ]
        return measurements.rows(
            n_resamples=n_resamples, confidence=confidence, rng_for=rng_for, keys=what
        )

    processes = workers
    if processes is None:
        size = sum(len(store.seeds) + len(store.whole) for store in cells.values())
        processes = cores() if size >= PARALLEL_EPISODES else 1
    # (largest first: a block of many episodes costs more than a chunk of rows)
    costs = [_cost(kind, what, cells) for kind, what in tasks_]
    results = run_tasks(run, len(tasks_), processes, costs)
    gd_rows: list[GDRow] = []
    later: list[AnalysisMessage] = []
    cap_rows: list[CapabilityRow] = []
    measure_rows: list[MeasurementRow] = []
    for (kind, _), got in zip(tasks_, results, strict=True):
        if kind == "block":
            rows, noted, noted_later = got
            gd_rows.extend(rows)
            ctx.messages.extend(noted)
            later.extend(noted_later)
        elif kind == "capabilities":
            cap_rows.extend(got)
        else:
            measure_rows.extend(got)
    ctx.messages.extend(later)
    gd_rows.sort(key=lambda r: (r.model, r.variant, r.task, isinstance(r.n_blocks, str)))

    return Analysis(
        gd=tuple(gd_rows),
        capabilities=tuple(cap_rows),
        measurements=tuple(measure_rows),
        usage=tuple(usage.rows()),
        messages=tuple(ctx.messages),
        settings=settings,
    )


#: Capability or measurement rows per task of :func:`_analyze`.
_CHUNK = 16


def _chunks(keys: list[Any], size: int) -> list[list[Any]]:
    return [keys[i : i + size] for i in range(0, len(keys), size)]


def _cost(kind: str, what: Any, cells: dict[tuple[Any, ...], _Composites]) -> float:
    """A rough relative cost of a task of :func:`_analyze` (to start the largest first)."""
    if kind == "block":
        return float(sum(len(cells[k].seeds) + len(cells[k].whole) + 100 for k in what))
    return 50.0 * len(what)


def _block_rows(
    ctx: _Context,
    tasks: dict[str, TaskGD],
    cells: dict[tuple[Any, ...], _Composites],
    keys: list[tuple[Any, ...]],
) -> tuple[list[GDRow], list[AnalysisMessage], list[AnalysisMessage]]:
    """The GD rows of one (model, variant) (its cells, in ``keys`` order, then its
    aggregates over n_blocks), the messages of its cells and those of its aggregates."""
    ctx.start_block(keys[0][0], keys[0][1])
    out: list[GDRow] = []
    noted: list[AnalysisMessage] = []
    later: list[AnalysisMessage] = []
    groups: dict[tuple[Any, ...], tuple[list[GDRow], list[_Cell]]] = defaultdict(lambda: ([], []))
    with ctx.messages_to(noted):
        for ckey in keys:
            store = cells.pop(ckey)
            row, cell = _cell_row(
                ctx, tasks[ckey[2]], ckey, store.episodes(ckey), store.columns("true_heights")
            )
            del store
            out.append(row)
            rows, kept = groups[ckey[:3]]
            rows.append(row)
            if cell is not None:
                kept.append(cell)
    with ctx.messages_to(later):
        for gkey, (rows, kept) in groups.items():
            out.append(_aggregate_row(ctx, (*gkey, "all"), rows, kept))
    ctx.start_block("", "")
    return out, noted, later
