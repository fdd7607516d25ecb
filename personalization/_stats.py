"""Aggregate metrics of pairwise judgments: win rates, bootstrap CIs, judge agreement.

Pure functions over lists of per-prompt scores; each handles the empty list. A per-prompt score
is 1 (win), 0 (loss) or 0.5 (tie, including split verdicts across the two orders), so the win
rate is ``(wins + 0.5·ties) / n`` (spec 5.1). Confidence intervals are percentile bootstraps
over prompts with an explicit seed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

OUTCOMES: tuple[str, ...] = ("win", "tie", "loss")
SCORES = {"win": 1.0, "tie": 0.5, "loss": 0.0}


def bootstrap_mean_ci(
    values: Sequence[float],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap CI of the mean of ``values``; ``(None, None)`` for no values."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    data = np.asarray(list(values), dtype=float)
    if data.size == 0:
        return None, None
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    idx = rng.integers(0, data.size, size=(n_resamples, data.size))
    means = data[idx].mean(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class WinRate:
    """Win rate of a candidate against a baseline over prompts."""

    n: int
    """Prompts judged."""
    wins: int
    """Prompts where the candidate won in both orders."""
    losses: int
    """Prompts where the baseline won in both orders."""
    ties: int
    """Split verdicts and unreadable answers."""
    win_rate: float | None
    """``(wins + 0.5·ties) / n``; ``None`` for no prompts."""
    tie_rate: float | None
    """``ties / n``; ``None`` for no prompts."""
    ci_low: float | None
    """Lower end of the bootstrap CI of the win rate."""
    ci_high: float | None
    """Upper end of the bootstrap CI of the win rate."""
    confidence: float = 0.95
    """Level of the CI."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def win_rate(
    scores: Sequence[float | str],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | np.random.Generator = 0,
) -> WinRate:
    """Win rate with a percentile bootstrap CI over prompts.

    Args:
        scores: one per prompt: 1/0.5/0 or ``"win"``/``"tie"``/``"loss"``. With several judges,
            pass the per-prompt mean score (then a prompt counts as a tie unless all judges
            agree on a win or a loss).
    """
    values = []
    for score in scores:
        if isinstance(score, str):
            if score not in SCORES:
                raise ValueError(f"an outcome must be one of {list(SCORES)}, got {score!r}")
            values.append(SCORES[score])
        else:
            value = float(score)
            if not 0.0 <= value <= 1.0 or math.isnan(value):
                raise ValueError(f"a score must be between 0 and 1, got {score!r}")
            values.append(value)
    n = len(values)
    wins = sum(v == 1.0 for v in values)
    losses = sum(v == 0.0 for v in values)
    ties = n - wins - losses
    low, high = bootstrap_mean_ci(values, n_resamples=n_resamples, confidence=confidence, seed=seed)
    return WinRate(
        n=n,
        wins=wins,
        losses=losses,
        ties=ties,
        win_rate=sum(values) / n if n else None,
        tie_rate=ties / n if n else None,
        ci_low=low,
        ci_high=high,
        confidence=confidence,
    )


def _kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    expected = sum((a.count(c) / n) * (b.count(c) / n) for c in OUTCOMES)
    if expected == 1.0:
        return 1.0 if observed == 1.0 else None
    return (observed - expected) / (1 - expected)


def judge_agreement(outcomes: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Agreement between judges on the same prompts (outcomes ``win``/``tie``/``loss``).

    Returns ``{"pairs": {"a|b": {"percent": ..., "kappa": ...}}, "percent": mean,
    "kappa": mean}`` (Cohen's kappa over the three outcomes; ``None`` when undefined).
    """
    names = list(outcomes)
    lengths = {len(outcomes[n]) for n in names}
    if len(lengths) > 1:
        raise ValueError(f"every judge must judge the same prompts; got lengths {sorted(lengths)}")
    pairs: dict[str, dict[str, float | None]] = {}
    for a, b in itertools.combinations(names, 2):
        xs, ys = list(outcomes[a]), list(outcomes[b])
        percent = sum(x == y for x, y in zip(xs, ys, strict=True)) / len(xs) if xs else None
        pairs[f"{a}|{b}"] = {"percent": percent, "kappa": _kappa(xs, ys)}
    percents = [p["percent"] for p in pairs.values() if p["percent"] is not None]
    kappas = [p["kappa"] for p in pairs.values() if p["kappa"] is not None]
    return {
        "pairs": pairs,
        "percent": sum(percents) / len(percents) if percents else None,
        "kappa": sum(kappas) / len(kappas) if kappas else None,
    }
