"""The offline hypothesis inferer: measured stylometry stated as plain-language hypotheses.

Spec 11.2. The user's texts are measured (:mod:`personalization._stylometry`) and compared with
a reference corpus (by default the other bundled synthetic users): for each feature,
``z = (user - median) / spread`` over the reference authors' mean values, where ``spread`` is
the scaled MAD, floored so that a feature nobody in the reference uses does not give an
infinite z. The features with the largest
``|z|`` (at least ``min_abs_z``) become hypotheses such as "Writes short, clipped sentences (5.6
words per sentence on average, against 13.9 for a typical reference writer)", each with the numbers
in ``measurements`` and a verbatim quote from the user's texts as evidence. It needs no model
and no API key, and it is a real baseline for the LLM inferer.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Literal

from personalization._evidence import check_evidence
from personalization._feature_texts import FEATURE_TEXTS
from personalization._stylometry import FEATURE_NAMES, example_quote, mean_features, text_features
from personalization._types import (
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    Provenance,
    UserProfile,
)


def reference_stats(reference: Sequence[Sequence[str]]) -> dict[str, tuple[float, float]]:
    """``{feature: (median, spread)}`` across the reference authors' mean features.

    The spread is the scaled median absolute deviation (``1.4826·MAD``, the SD of a normal
    distribution), so one extreme reference author (a second exclamation-heavy writer) does not
    hide what makes the user unusual compared with a typical writer.
    """
    if len(reference) < 2:
        raise PersonalizationError(
            f"the reference corpus needs at least 2 authors to estimate spread, got "
            f"{len(reference)}"
        )
    means = [mean_features(texts) for texts in reference]
    stats = {}
    for name in FEATURE_NAMES:
        values = [m[name] for m in means]
        centre = statistics.median(values)
        spread = 1.4826 * statistics.median(abs(v - centre) for v in values)
        stats[name] = (centre, spread)
    return stats


def feature_z_scores(
    texts: Sequence[str], stats: Mapping[str, tuple[float, float]]
) -> dict[str, dict[str, float]]:
    """Per feature: ``user`` value, ``reference_median``, ``reference_spread`` (floored), ``z``."""
    user = mean_features(texts)
    out = {}
    for name in FEATURE_NAMES:
        centre, spread = stats[name]
        floor = max(spread, FEATURE_TEXTS[name].floor, 0.1 * abs(centre))
        out[name] = {
            "user": user[name],
            "reference_median": centre,
            "reference_spread": floor,
            "z": (user[name] - centre) / floor,
        }
    return out


def _bundled_reference(exclude: str) -> list[UserProfile]:
    """The other users of the bundled corpus ``exclude`` belongs to (the deliberative users for
    a deliberative user, otherwise the synthetic authors)."""
    from personalization.hyperalign._loaders import load_deliberative_users, load_synthetic_users

    deliberative = load_deliberative_users()
    pool = deliberative if exclude in deliberative else load_synthetic_users()
    return [p for uid, p in pool.items() if uid != exclude]


def infer_offline(
    profile: UserProfile,
    reference: Sequence[UserProfile] | None = None,
    *,
    n: int = 8,
    min_abs_z: float = 1.0,
    example_indices: Sequence[int] | None = None,
) -> HypothesisSet:
    """Up to ``n`` stylometric hypotheses about ``profile`` (see the module docstring).

    Args:
        profile: the user; all examples are measured, or ``example_indices``.
        reference: other authors (default: the other users of the bundled corpus this user
            belongs to: the deliberative users, or else the synthetic authors).
        n: most hypotheses to state.
        min_abs_z: only features at least this many reference SDs from the mean are stated.
        example_indices: which examples to measure.

    Returns:
        A set with ``method="offline_stylometry"``; fewer than ``n`` hypotheses when fewer
        features are distinctive. ``provenance.notes["z_scores"]`` has every feature.
    """
    if n < 1:
        raise PersonalizationError(f"n must be at least 1, got {n}")
    if reference is None:
        reference = _bundled_reference(profile.id)
    indices = (
        list(example_indices) if example_indices is not None else list(range(len(profile.examples)))
    )
    if not indices or any(not 0 <= i < len(profile.examples) for i in indices):
        raise PersonalizationError(
            f"example_indices must be non-empty indices between 0 and "
            f"{len(profile.examples) - 1}, got {indices}"
        )
    texts = [profile.examples[i].text for i in indices]
    stats = reference_stats([p.texts for p in reference])
    scores = feature_z_scores(texts, stats)
    ranked = sorted(FEATURE_NAMES, key=lambda f: (-abs(scores[f]["z"]), f))
    hypotheses: list[Hypothesis] = []
    for feature in ranked:
        if len(hypotheses) >= n or abs(scores[feature]["z"]) < min_abs_z:
            break
        measured = scores[feature]
        direction: Literal["high", "low"] = "high" if measured["z"] > 0 else "low"
        quote = example_quote(feature, direction, texts)
        if quote is None or not check_evidence(quote, texts):
            continue
        spec = FEATURE_TEXTS[feature]
        if direction == "high":
            template = spec.high
        elif measured["user"] > spec.rare_below and spec.less:
            template = spec.less
        else:
            template = spec.low
        statement = template.format(
            user=format(measured["user"], spec.fmt),
            ref=format(measured["reference_median"], spec.fmt),
        )
        hypotheses.append(
            Hypothesis(
                id=f"H{len(hypotheses) + 1}",
                category=spec.category,  # type: ignore[arg-type]
                statement=statement,
                evidence=(quote,),
                score=round(abs(measured["z"]), 3),
                feature=feature,
                direction=direction,
                measurements={k: round(v, 4) for k, v in measured.items()},
            )
        )
    provenance = Provenance(
        method="offline_stylometry",
        model=None,
        example_indices=tuple(indices),
        n_requested=n,
        n_parsed=len(FEATURE_NAMES),
        notes={
            "reference_users": [p.id for p in reference],
            "min_abs_z": min_abs_z,
            "z_scores": {f: round(scores[f]["z"], 3) for f in FEATURE_NAMES},
        },
    )
    return HypothesisSet(user_id=profile.id, hypotheses=tuple(hypotheses), provenance=provenance)


def stylometric_discrimination(
    hypothesis: Hypothesis, user_texts: Sequence[str], other_texts: Sequence[str]
) -> float:
    """Offline validity proxy: does the hypothesis's feature separate the user's texts?

    The probability that a random text of the user lies on the hypothesised side of a random
    text by another author (ties count half), i.e. the AUC of the feature in the stated
    direction. 0.5 is chance. Returns ``nan`` for a hypothesis without a measured feature or
    when either side has no texts.
    """
    if hypothesis.feature is None or hypothesis.direction is None:
        return math.nan
    if not user_texts or not other_texts:
        return math.nan
    mine = [text_features(t)[hypothesis.feature] for t in user_texts]
    theirs = [text_features(t)[hypothesis.feature] for t in other_texts]
    sign = 1.0 if hypothesis.direction == "high" else -1.0
    wins = 0.0
    for a in mine:
        for b in theirs:
            diff = sign * (a - b)
            wins += 1.0 if diff > 0 else 0.5 if diff == 0 else 0.0
    return wins / (len(mine) * len(theirs))
