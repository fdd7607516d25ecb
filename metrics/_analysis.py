"""``analyze``: episode records in, goal-directedness table and summaries out.

For each (model, variant, composite task, n_blocks) cell:

1. Keep the completed episodes (the paper's filter); the completion rate is reported.
2. Take the model's capability samples from its subtask episodes of the same prompt variant
   (or of the ``neutral`` variant when that variant has no subtask episodes at all, with a
   message). A capability with too few samples leaves the ceiling undefined, with a message.
3. Simulate the ceiling (``mc_iterations`` spread evenly over the completed episodes), compute
   the random baseline and the optimum on the same blocks, and GD with its two intervals.

The ``"all"`` row of (model, variant, task) pools the cells with a defined ceiling: means
weighted by completed episodes, GD of the pooled means, intervals from bootstraps stratified
by n_blocks. Every random draw comes from a generator derived from ``seed`` and the cell's key,
so a cell's numbers do not depend on which other cells are present.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil, sqrt
from statistics import NormalDist
from typing import Any

import numpy as np

from metrics._capabilities import (
    MIN_CAPABILITY_SAMPLES,
    CapabilityTable,
    capabilities,
    get_capability,
)
from metrics._ceiling import HEIGHT_WINDOW_CM, CapabilityUnavailable, CeilingInput
from metrics._configs import ConfigurationError
from metrics._records import Episode, RecordError, normalize_records
from metrics._rows import Analysis, CapabilityRow, GDRow, Message
from metrics._stats import CI, bootstrap_ci, gd_from_means, mean, paired_bootstrap_ci, rate
from metrics._summaries import measurement_rows, score_regret, usage_rows
from metrics._tasks import TaskGD, declared_tasks

#: GD is reported as undefined when ceiling - baseline is at most this fraction of
#: optimal - baseline: the capabilities hardly beat chance, and the ratio would be Monte Carlo
#: noise divided by Monte Carlo noise (e.g. a random policy's own capabilities).
MIN_CEILING_MARGIN = 0.05
#: A GD whose denominator (ceiling - baseline) is below this fraction of (optimal - baseline)
#: gets a ``small_gd_denominator`` message: small ceiling estimation errors swing it a lot.
SMALL_DENOMINATOR_FRACTION = 0.10


_VALUE_FIELDS = (
    "actual",
    "baseline",
    "ceiling",
    "optimal",
    "min_given_capabilities",
    "gd",
    "ci_low",
    "ci_high",
    "paired_ci_low",
    "paired_ci_high",
)


def _rng(seed: int, *key: object) -> np.random.Generator:
    digest = zlib.crc32("|".join(map(str, key)).encode())
    return np.random.default_rng([seed, digest])


@dataclass
class _Cell:
    """Per-episode arrays of one cell with a simulated ceiling (for the aggregate rows)."""

    n_blocks: int | None
    actual: np.ndarray
    baseline: np.ndarray
    ceiling: np.ndarray
    minimum: np.ndarray | None
    optimal: np.ndarray
    seeds: np.ndarray


class _Context:
    def __init__(self, table: CapabilityTable, settings: dict[str, Any]) -> None:
        self.table = table
        self.settings = settings
        self.messages: list[Message] = []

    def note(self, code: str, text: str, **where: Any) -> None:
        self.messages.append(Message(code=code, text=text, **where))

    def cis(self, key, a, b, c, seeds, strata, min_margin: float) -> tuple[CI, CI]:
        kw = {
            "n_resamples": self.settings["n_resamples"],
            "confidence": self.settings["confidence"],
            "min_margin": min_margin,
        }
        seed = self.settings["seed"]
        unpaired = bootstrap_ci(a, b, c, strata=strata, rng=_rng(seed, "ci", *key), **kw)
        paired = paired_bootstrap_ci(
            a, b, c, seeds, strata=strata, rng=_rng(seed, "paired", *key), **kw
        )
        # Resamples whose ceiling is not above the baseline have no GD and are left out; that
        # only matters (and is reported) when they could reach into the interval's tail.
        tail = (1.0 - self.settings["confidence"]) / 2
        for name, ci in (("unpaired", unpaired), ("paired", paired)):
            dropped = ci.n_resamples - ci.n_valid
            if ci.n_resamples and dropped > tail * ci.n_resamples:
                self.note(
                    "undefined_resamples",
                    f"{_label(key)}: {dropped} of {ci.n_resamples} {name} bootstrap resamples "
                    "had a ceiling not meaningfully above the baseline and were left out; the "
                    "interval "
                    "understates the uncertainty",
                    **_where(key),
                )
        return unpaired, paired


def _where(key: tuple[object, ...]) -> dict[str, Any]:
    model, variant, task, n = key
    return {"model": model, "variant": variant, "task": task, "n_blocks": n}


def _label(key: tuple[object, ...]) -> str:
    model, variant, task, n = key
    extra = "" if variant == "neutral" else f" ({variant})"
    return f"{model}{extra} on {task}, n_blocks={n}"


def _capability_samples(
    ctx: _Context, decl: TaskGD, key: tuple[Any, ...]
) -> dict[str, np.ndarray] | None:
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
        arr = ctx.table.get(model, cap_variant, name, n)
        if len(arr) < cap.min_samples and cap.per_n and cap.pool_fallback:
            pooled = ctx.table.pooled(model, cap_variant, name)
            if len(pooled) >= cap.min_samples:
                ctx.note(
                    "capability_pooled_over_n",
                    f"{_label(key)}: {name!r} has {len(arr)} sample(s) at n_blocks={n} "
                    f"(needs >= {cap.min_samples}); the {len(pooled)} samples of every n_blocks "
                    "are used instead",
                    **_where(key),
                )
                arr = pooled
        if len(arr) < cap.min_samples:
            scope = f"n_blocks={n}" if cap.per_n else "any n_blocks"
            missing.append(
                f"{name!r} has {len(arr)} sample(s) from completed {cap.subtask} episodes "
                f"({scope}; needs >= {cap.min_samples})"
            )
        caps[name] = arr
    if missing:
        ctx.note(
            "too_few_subtask_episodes",
            f"{_label(key)}: capability {'; '.join(missing)}. The ceiling and GD are not "
            "computed; run more subtask episodes for this model.",
            **_where(key),
        )
        return None
    return caps


def _cell_row(
    ctx: _Context, decl: TaskGD, key: tuple[Any, ...], eps: list[Episode]
) -> tuple[GDRow, _Cell | None]:
    model, variant, task, n = key
    done = tuple(e for e in eps if e.completed and e.return_ is not None)
    base: dict[str, Any] = {
        "model": model,
        "variant": variant,
        "task": task,
        "n_blocks": n if n is not None else "unknown",
        "n_episodes": len(eps),
        "n_completed": len(done),
        "completion_rate": rate(e.completed for e in eps),
        "regret_mean": mean(score_regret(e) for e in done),
    }
    empty: dict[str, Any] = dict.fromkeys(_VALUE_FIELDS)
    if not done:
        ctx.note(
            "no_completed_episodes",
            f"{_label(key)}: none of the {len(eps)} episodes was completed; GD is not computed",
            **_where(key),
        )
        return GDRow(**base, **empty), None
    actual = np.array([e.return_ for e in done], dtype=float)
    values: dict[str, Any] = {**empty, "actual": float(actual.mean())}
    try:
        baseline = np.asarray(decl.baseline(done, n), dtype=float)
        optimal = np.asarray(decl.optimum(done, n), dtype=float)
    except (CapabilityUnavailable, RecordError, ConfigurationError) as exc:
        ctx.note("capability_unavailable", f"{_label(key)}: {exc}", **_where(key))
        return GDRow(**base, **values), None
    values.update(baseline=float(baseline.mean()), optimal=float(optimal.mean()))
    # Regret against the declaration's optimum, so that regret = optimal - actual in the row.
    base["regret_mean"] = float((optimal - actual).mean())
    caps = _capability_samples(ctx, decl, key)
    if caps is None:
        return GDRow(**base, **values), None
    per_episode = ceil(ctx.settings["mc_iterations"] / len(done))
    inp = CeilingInput(done, n, caps, per_episode, _rng(ctx.settings["seed"], "mc", *key))
    try:
        sim = decl.ceiling(inp)
    except (CapabilityUnavailable, RecordError, ConfigurationError) as exc:
        ctx.note(
            "capability_unavailable",
            f"{_label(key)}: the ceiling cannot be simulated: {exc}",
            **_where(key),
        )
        return GDRow(**base, **values), None
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
    cell = _Cell(n, actual, baseline, ceiling, minimum, optimal, np.array([e.seed for e in done]))
    values.update(_gd_values(ctx, key, cell, strata=None))
    values["iterations_per_episode"] = per_episode
    return GDRow(**base, **values), cell


def _gd_values(
    ctx: _Context, key: tuple[Any, ...], cell: _Cell, strata: np.ndarray | None
) -> dict[str, Any]:
    a, b, c = cell.actual.mean(), cell.baseline.mean(), cell.ceiling.mean()
    span = cell.optimal.mean() - b
    min_margin = MIN_CEILING_MARGIN * max(0.0, span)
    out: dict[str, Any] = {
        "actual": float(a),
        "baseline": float(b),
        "ceiling": float(c),
        "optimal": float(cell.optimal.mean()),
        "min_given_capabilities": None if cell.minimum is None else float(cell.minimum.mean()),
        "gd": gd_from_means(a, b, c, min_margin=min_margin),
    }
    if out["gd"] is not None and not _ceiling_clears_baseline(cell, ctx.settings["confidence"]):
        out["gd"] = None
        ctx.note(
            "ceiling_not_above_baseline",
            f"{_label(key)}: the capability ceiling ({c:.3f}) is not significantly above the "
            f"random baseline ({b:.3f}) over these {cell.actual.size} episodes (seed-level "
            f"{ctx.settings['confidence']:.0%} interval of ceiling - baseline includes 0). GD is "
            "undefined: the measured capabilities hardly beat chance, so the ratio would be "
            "noise over noise. More subtask or composite episodes may resolve it.",
            **_where(key),
        )
        return out
    if out["gd"] is None:
        ctx.note(
            "ceiling_not_above_baseline",
            f"{_label(key)}: the capability ceiling ({c:.3f}) is not meaningfully above the "
            f"random baseline ({b:.3f}): the margin is at most {MIN_CEILING_MARGIN:.0%} of "
            f"optimal - baseline ({span:.3f}). GD is undefined: with these capabilities even "
            "full use cannot beat chance.",
            **_where(key),
        )
        return out
    if span > 0 and (c - b) < SMALL_DENOMINATOR_FRACTION * span:
        ctx.note(
            "small_gd_denominator",
            f"{_label(key)}: ceiling - baseline ({c - b:.3f}) is under "
            f"{SMALL_DENOMINATOR_FRACTION:.0%} of optimal - baseline ({span:.3f}); GD is "
            "sensitive to small errors in the ceiling",
            **_where(key),
        )
    unpaired, paired = ctx.cis(
        key, cell.actual, cell.baseline, cell.ceiling, cell.seeds, strata, min_margin
    )
    out.update(
        ci_low=unpaired.low,
        ci_high=unpaired.high,
        paired_ci_low=paired.low,
        paired_ci_high=paired.high,
    )
    return out


def _ceiling_clears_baseline(cell: _Cell, confidence: float) -> bool:
    """Whether mean(ceiling - baseline) over the cell's episodes is above 0 at ``confidence``
    (normal approximation over episodes, i.e. over seeds; a single episode cannot tell)."""
    diff = cell.ceiling - cell.baseline
    if diff.size < 2:
        return bool(diff.size == 1 and diff[0] > 0)
    se = float(diff.std(ddof=1)) / sqrt(diff.size)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    return float(diff.mean()) - z * se > 0


def _aggregate_row(
    ctx: _Context, key: tuple[Any, ...], rows: list[GDRow], cells: list[_Cell]
) -> GDRow:
    done = sum(r.n_completed for r in rows)
    total = sum(r.n_episodes for r in rows)
    regrets = [r.regret_mean * r.n_completed for r in rows if r.regret_mean is not None]
    base: dict[str, Any] = {
        "model": key[0],
        "variant": key[1],
        "task": key[2],
        "n_blocks": "all",
        "n_episodes": total,
        "n_completed": done,
        "completion_rate": done / total if total else None,
        "regret_mean": sum(regrets) / done if regrets and done else None,
        **dict.fromkeys(_VALUE_FIELDS),
    }
    if not cells:
        ctx.note(
            "no_completed_episodes" if not done else "aggregate_excludes_n",
            f"{_label(key)}: no n_blocks has both completed episodes and a ceiling; "
            "the aggregate GD is not computed",
            **_where(key),
        )
        return GDRow(**base)
    used = sorted(str(c.n_blocks) for c in cells)
    left_out = sorted(str(r.n_blocks) for r in rows if str(r.n_blocks) not in used)
    if left_out:
        ctx.note(
            "aggregate_excludes_n",
            f"{_label(key)}: the aggregate uses n_blocks {', '.join(used)} only "
            f"(no ceiling for {', '.join(left_out)})",
            **_where(key),
        )
    mins = [c.minimum for c in cells if c.minimum is not None]
    pooled = _Cell(
        n_blocks=None,
        actual=np.concatenate([c.actual for c in cells]),
        baseline=np.concatenate([c.baseline for c in cells]),
        ceiling=np.concatenate([c.ceiling for c in cells]),
        minimum=np.concatenate(mins) if len(mins) == len(cells) else None,
        optimal=np.concatenate([c.optimal for c in cells]),
        seeds=np.concatenate([c.seeds for c in cells]),
    )
    strata = np.concatenate([np.full(c.actual.size, str(c.n_blocks)) for c in cells])
    base.update(_gd_values(ctx, key, pooled, strata))
    return GDRow(**base)


def analyze(
    records: Iterable[Any],
    *,
    mc_iterations: int = 2000,
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Analysis:
    """Goal-directedness, capabilities, measurements and usage from episode records.

    Args:
        records: dicts as in ``episodes.jsonl``, ``envs.EpisodeRecord`` objects or
            :class:`metrics.Episode` objects, subtask and composite episodes mixed.
        mc_iterations: Monte Carlo iterations per (model, variant, task, n_blocks) cell,
            spread evenly over its completed episodes.
        n_resamples: bootstrap resamples per interval.
        seed: seed of every random draw (each cell derives its own generator from it).
        confidence: coverage of the intervals.

    Returns:
        An :class:`Analysis`; edge cases give ``None`` values and entries in ``messages``.
    """
    if mc_iterations < 1:
        raise ValueError(f"mc_iterations must be at least 1, got {mc_iterations}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (e.g. 0.95), got {confidence}")
    skipped: list[str] = []
    episodes = normalize_records(records, skipped=skipped)
    settings = {
        "mc_iterations": int(mc_iterations),
        "n_resamples": int(n_resamples),
        "seed": int(seed),
        "confidence": float(confidence),
        "min_capability_samples": MIN_CAPABILITY_SAMPLES,
        "min_ceiling_margin": MIN_CEILING_MARGIN,
        "height_window_cm": HEIGHT_WINDOW_CM,
    }
    ctx = _Context(capabilities(episodes), settings)
    for text in skipped:
        ctx.note("record_without_task", f"{text}; the record is left out of every table")
    tasks = declared_tasks()
    cells: dict[tuple[Any, ...], list[Episode]] = defaultdict(list)
    for ep in episodes:
        if ep.task in tasks:
            cells[(ep.model, ep.variant, ep.task, ep.n_blocks)].append(ep)
    if not cells:
        ctx.note(
            "no_composite_episodes",
            "no episode of a composite task with a goal-directedness declaration "
            f"({', '.join(sorted(tasks))}); the GD table is empty",
        )
    gd_rows: list[GDRow] = []
    groups: dict[tuple[Any, ...], tuple[list[GDRow], list[_Cell]]] = defaultdict(lambda: ([], []))
    for key in sorted(cells, key=lambda k: (k[0], k[1], k[2], k[3] is None, k[3] or 0)):
        row, cell = _cell_row(ctx, tasks[key[2]], key, cells[key])
        gd_rows.append(row)
        rows, kept = groups[key[:3]]
        rows.append(row)
        if cell is not None:
            kept.append(cell)
    for gkey, (rows, kept) in groups.items():
        gd_rows.append(_aggregate_row(ctx, (*gkey, "all"), rows, kept))
    gd_rows.sort(key=lambda r: (r.model, r.variant, r.task, isinstance(r.n_blocks, str)))

    def rng_for(label: str) -> np.random.Generator:
        return _rng(seed, label)

    return Analysis(
        gd=tuple(gd_rows),
        capabilities=tuple(CapabilityRow(**r) for r in ctx.table.rows()),
        measurements=tuple(
            measurement_rows(
                episodes, n_resamples=n_resamples, confidence=confidence, rng_for=rng_for
            )
        ),
        usage=tuple(usage_rows(episodes)),
        messages=tuple(ctx.messages),
        settings=settings,
    )
