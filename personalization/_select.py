"""Discrimination accuracy of hypotheses, and HypoGeniC-style selection (an ablation).

A hypothesis is *functionally valid* when a model that is given only that hypothesis can pick
the user's text out of a pair (user text, distractor text) (spec 5.3). This module measures that
accuracy (:func:`hypothesis_discrimination`) and uses it to select hypotheses
(:func:`select_by_discrimination`, spec 2.4 and 7.2). **The selection is an ablation modelled on
HypoGeniC, not the HyPerAlign paper's method**, which (as far as is known) stops at one batched
generation call.

Every pair is judged in both orders by default (user text as A, then as B), so a judge with a
position bias cannot score above chance by it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.messages import BaseMessage

from personalization._llm import call, messages, model_name
from personalization._parse import parse_choice
from personalization._types import (
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    Provenance,
    UserProfile,
)

DISCRIMINATION_SYSTEM = (
    "You decide which of two texts was written by a particular person, using only a "
    "description of how that person writes."
)
ABLATION_NOTE = (
    "HypoGeniC-style selection by discrimination (spec 2.4/7.2): an ablation, not the "
    "HyPerAlign paper's method"
)


@dataclass(frozen=True)
class Pair:
    """One discrimination trial: the user's text and a distractor for the same kind of task."""

    user_text: str
    """Text written by the user."""
    other_text: str
    """Text by someone else (another author, or a base model's generation)."""
    prompt: str = ""
    """The request both texts answer (may be empty)."""


@dataclass(frozen=True)
class DiscriminationResult:
    """How often a model, given one hypothesis, picked the user's text."""

    correct: int
    """Judgments that picked the user's text."""
    judgments: int
    """Judgments made (pairs × orders)."""
    unparseable: int
    """Judgments whose answer could not be read (counted as wrong)."""

    @property
    def accuracy(self) -> float:
        """``correct / judgments`` (``nan`` with no judgments)."""
        return self.correct / self.judgments if self.judgments else math.nan


def make_pairs(
    profile: UserProfile, distractors: Sequence[str], rng: np.random.Generator
) -> list[Pair]:
    """One pair per example of ``profile``, each with a distractor drawn from ``distractors``."""
    if not distractors:
        raise PersonalizationError("distractors is empty; give texts by other authors")
    picks = rng.integers(len(distractors), size=len(profile.examples))
    return [
        Pair(example.text, distractors[int(i)], example.prompt)
        for example, i in zip(profile.examples, picks, strict=True)
    ]


def build_discrimination_messages(
    statement: str, prompt: str, text_a: str, text_b: str
) -> list[BaseMessage]:
    """The prompt asking which of two texts fits a hypothesis about its author."""
    request = f'Both texts answer the request: "{prompt}"\n\n' if prompt else ""
    user = (
        "Here is a hypothesis about how a particular person writes:\n"
        f"{statement}\n\n"
        "Exactly one of the two texts below was written by this person. "
        f"{request}"
        f"=== Text A ===\n{text_a}\n\n=== Text B ===\n{text_b}\n\n"
        "Which text was written by this person? Answer with one letter: A or B."
    )
    return messages(DISCRIMINATION_SYSTEM, user)


def _judge_once(model: Any, statement: str, pair: Pair, user_first: bool) -> bool | None:
    a, b = (pair.user_text, pair.other_text) if user_first else (pair.other_text, pair.user_text)
    choice = parse_choice(call(model, build_discrimination_messages(statement, pair.prompt, a, b)))
    if choice is None:
        return None
    return (choice == "A") == user_first


def hypothesis_discrimination(
    model: Any,
    hypothesis: Hypothesis | str,
    pairs: Sequence[Pair],
    *,
    both_orders: bool = True,
    rng: np.random.Generator | None = None,
) -> DiscriminationResult:
    """Judge every pair with only ``hypothesis`` as the description of the user.

    With ``both_orders=False`` each pair is judged once, in an order drawn from ``rng``
    (required then).
    """
    statement = hypothesis.statement if isinstance(hypothesis, Hypothesis) else hypothesis
    if not both_orders and rng is None:
        raise PersonalizationError("both_orders=False needs an rng to draw the order")
    correct = judgments = unparseable = 0
    for pair in pairs:
        orders = [True, False] if both_orders else [bool(rng.integers(2))]  # type: ignore[union-attr]
        for user_first in orders:
            verdict = _judge_once(model, statement, pair, user_first)
            judgments += 1
            if verdict is None:
                unparseable += 1
            elif verdict:
                correct += 1
    return DiscriminationResult(correct, judgments, unparseable)


def select_by_discrimination(
    model: Any,
    candidates: HypothesisSet,
    pairs: Sequence[Pair],
    *,
    n: int = 8,
    ucb: bool = False,
    alpha: float = 0.5,
    per_step: int | None = None,
) -> HypothesisSet:
    """Keep the ``n`` candidates that best pick the user's text (ablation; see module docstring).

    Exhaustive mode scores every candidate on every pair (both orders) and keeps the top ``n``
    by accuracy. ``ucb=True`` follows HypoGeniC's online loop (7.2): at pair ``t`` only the
    ``per_step`` (default ``n``) candidates with the highest reward
    ``acc + alpha·sqrt(ln t / n_h)`` are judged (untried ones first), and the top ``n`` by final
    reward are kept. Ties keep the original order. ``score`` holds each kept hypothesis's
    accuracy.
    """
    if n < 1:
        raise PersonalizationError(f"n must be at least 1, got {n}")
    if not pairs:
        raise PersonalizationError("pairs is empty; build them with make_pairs(...)")
    hyps = list(candidates.hypotheses)
    correct = [0] * len(hyps)
    seen = [0] * len(hyps)
    if not ucb:
        for i, h in enumerate(hyps):
            result = hypothesis_discrimination(model, h, pairs)
            correct[i], seen[i] = result.correct, result.judgments
        order = sorted(range(len(hyps)), key=lambda i: (-(correct[i] / max(seen[i], 1)), i))
        rewards = [correct[i] / max(seen[i], 1) for i in range(len(hyps))]
    else:
        step = per_step or n
        rewards = [math.inf] * len(hyps)
        for t, pair in enumerate(pairs, start=1):
            top = sorted(range(len(hyps)), key=lambda i: (-rewards[i], i))[:step]
            for i in top:
                result = hypothesis_discrimination(model, hyps[i], [pair])
                correct[i] += result.correct
                seen[i] += result.judgments
            for i in range(len(hyps)):
                if seen[i]:
                    acc = correct[i] / seen[i]
                    rewards[i] = acc + alpha * math.sqrt(math.log(t) / seen[i])
        order = sorted(range(len(hyps)), key=lambda i: (-rewards[i], i))
    kept = []
    for rank, i in enumerate(order[:n], start=1):
        accuracy = correct[i] / seen[i] if seen[i] else None
        kept.append(hyps[i].model_copy(update={"id": f"H{rank}", "score": accuracy}))
    notes = dict(candidates.provenance.notes)
    notes.update(
        selection=ABLATION_NOTE,
        selection_mode="ucb" if ucb else "exhaustive",
        selection_alpha=alpha if ucb else None,
        candidate_accuracy={
            h.statement: (correct[i] / seen[i] if seen[i] else None) for i, h in enumerate(hyps)
        },
        selection_judgments=sum(seen),
        selector_model=model_name(model),
    )
    provenance = candidates.provenance.model_copy(
        update={"method": f"{candidates.provenance.method}+discrimination", "notes": notes}
    )
    return HypothesisSet(
        user_id=candidates.user_id,
        hypotheses=tuple(kept),
        provenance=Provenance.model_validate(provenance.model_dump()),
    )
