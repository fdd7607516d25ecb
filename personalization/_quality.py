"""Hypothesis quality (spec 5.3): grounding and discrimination on held-out texts.

* **Grounding**: does at least one evidence quote really occur in the demonstrations?
* **Discrimination (chat-model judge)**: given only the hypothesis, how often does a model pick
  the user's held-out text over another author's text (both orders; 0.5 = chance)?
* **Discrimination (offline proxy)**: for stylometric hypotheses, does the measured feature
  separate the user's held-out texts from other authors' texts in the stated direction (AUC;
  0.5 = chance)? Needs no model.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from personalization._evidence import check_evidence
from personalization._offline import stylometric_discrimination
from personalization._select import Pair, hypothesis_discrimination
from personalization._types import HypothesisSet, PersonalizationError


@dataclass(frozen=True)
class HypothesisQuality:
    """Quality measurements of one hypothesis."""

    id: str
    """The hypothesis id."""
    statement: str
    """The hypothesis."""
    grounded: bool
    """At least one evidence quote occurs in the demonstrations."""
    discrimination: float | None
    """Chat-model discrimination accuracy on held-out pairs (``None`` without a model)."""
    judgments: int
    """Judgments behind ``discrimination``."""
    proxy: float | None
    """Offline AUC of the stated feature (``None`` for non-stylometric hypotheses)."""


def hypothesis_quality(
    hypotheses: HypothesisSet,
    demonstrations: Sequence[str],
    held_out: Sequence[str],
    others: Sequence[str],
    *,
    model: Any = None,
    rng: np.random.Generator | None = None,
    both_orders: bool = True,
) -> list[HypothesisQuality]:
    """Measure every hypothesis (see the module docstring).

    Args:
        hypotheses: the set to assess.
        demonstrations: the texts the hypotheses were inferred from (for grounding).
        held_out: the user's texts not used for inference.
        others: texts by other authors (distractors).
        model: a chat model for the judged discrimination (skipped when ``None``).
        rng: draws one distractor per held-out text (required with a model).
        both_orders: judge each pair in both orders.
    """
    if model is not None and rng is None:
        raise PersonalizationError("a model-judged quality check needs rng to draw distractors")
    pairs: list[Pair] = []
    if model is not None:
        if not held_out or not others:
            raise PersonalizationError("judged discrimination needs held-out and other texts")
        picks = rng.integers(len(others), size=len(held_out))  # type: ignore[union-attr]
        pairs = [Pair(t, others[int(i)]) for t, i in zip(held_out, picks, strict=True)]
    out = []
    for h in hypotheses.hypotheses:
        grounded = any(check_evidence(q, demonstrations) for q in h.evidence)
        accuracy, judgments = None, 0
        if model is not None:
            result = hypothesis_discrimination(model, h, pairs, both_orders=both_orders, rng=rng)
            accuracy, judgments = result.accuracy, result.judgments
        proxy = stylometric_discrimination(h, held_out, others)
        out.append(
            HypothesisQuality(
                h.id,
                h.statement,
                grounded,
                accuracy,
                judgments,
                None if math.isnan(proxy) else proxy,
            )
        )
    return out


def quality_summary(rows: Sequence[HypothesisQuality]) -> dict[str, Any]:
    """Grounding rate and mean discrimination (judged and proxy) over hypotheses."""

    def mean(values: list[float | None]) -> float | None:
        clean = [v for v in values if v is not None and not math.isnan(v)]
        return statistics.fmean(clean) if clean else None

    return {
        "n": len(rows),
        "grounding_rate": mean([1.0 if r.grounded else 0.0 for r in rows]),
        "discrimination": mean([r.discrimination for r in rows]),
        "proxy_discrimination": mean([r.proxy for r in rows]),
        "hypotheses": [asdict(r) for r in rows],
    }
