"""Per-episode scorers and the summaries built from them: usage and measurements per block.

A scorer maps one :class:`~metrics.Episode` to a number (or ``None`` when it does not apply);
the summaries aggregate scorer outputs with the pure metrics of :mod:`metrics._stats`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from metrics._records import Episode, _num
from metrics._rows import MeasurementRow, UsageRow
from metrics._stats import mean, mean_ci, rate

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
    if not ep.completed:
        return None
    regret = _num(ep.info.get("regret"))
    if regret is None:
        opt = _num(ep.info.get("optimal_return"))
        if opt is not None and ep.return_ is not None:
            regret = opt - ep.return_
    return regret


def score_measurements_per_block(ep: Episode) -> float | None:
    """Measurements per block: of the target block (MeasureHeight), else mean over blocks."""
    counts = ep.info.get("measurements")
    if not isinstance(counts, Mapping):
        return None
    if ep.task == "measure_height":
        target = ep.info.get("target_block")
        return _num(counts.get(target, 0), 0.0) if isinstance(target, str) else None
    blocks = ep.info.get("true_heights")
    names = list(blocks) if isinstance(blocks, Mapping) and blocks else list(counts)
    if not names:
        return None
    return float(np.mean([_num(counts.get(b, 0), 0.0) for b in names]))


def score_invalid_rate(ep: Episode) -> float | None:
    """Invalid actions per step of one episode."""
    return ep.invalid_actions / ep.steps if ep.steps else None


# ---------------------------------------------------------------- summaries
GroupKey = tuple[str, str, str]


def _group(episodes: Sequence[Episode]) -> dict[GroupKey, list[Episode]]:
    groups: dict[GroupKey, list[Episode]] = defaultdict(list)
    for ep in episodes:
        groups[(ep.model, ep.variant, ep.task)].append(ep)
    return dict(sorted(groups.items()))


def usage_rows(episodes: Sequence[Episode]) -> list[UsageRow]:
    """One :class:`UsageRow` per (model, variant, task)."""
    rows = []
    for (model, variant, task), eps in _group(episodes).items():
        done = [e for e in eps if e.completed]
        steps = sum(e.steps for e in eps)
        costs = [e.cost_usd for e in eps if e.cost_usd is not None]
        rows.append(
            UsageRow(
                model=model,
                variant=variant,
                task=task,
                n_episodes=len(eps),
                n_completed=len(done),
                completion_rate=rate(e.completed for e in eps),
                mean_return=mean(score_return(e) for e in done),
                regret_mean=mean(score_regret(e) for e in done),
                mean_steps=mean(e.steps for e in eps),
                invalid_action_rate=(sum(e.invalid_actions for e in eps) / steps)
                if steps
                else None,
                mean_input_tokens=mean(e.input_tokens for e in eps),
                mean_output_tokens=mean(e.output_tokens for e in eps),
                mean_total_tokens=mean(e.total_tokens for e in eps),
                mean_cost_usd=mean(costs),
                total_cost_usd=float(sum(costs)) if costs else None,
                n_cost_unknown=len(eps) - len(costs),
                mean_wall_time_s=mean(e.wall_time_s for e in eps),
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
    rows = []
    relevant = [e for e in episodes if e.task in MEASUREMENT_TASKS and e.completed]
    for (model, variant, task), eps in _group(relevant).items():
        by_n: dict[int | None, list[float]] = defaultdict(list)
        every: list[float] = []
        for e in eps:
            score = score_measurements_per_block(e)
            if score is not None:
                by_n[e.n_blocks].append(score)
                every.append(score)
        parts: list[tuple[int | str | None, list[float]]] = [
            (n, by_n[n]) for n in sorted(by_n, key=lambda n: (n is None, n or 0))
        ]
        parts.append(("all", every))
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
