"""Pairwise LLM-as-judge for authorship (spec 5.1), in both orders, with ties.

For each item (a user, a test prompt, a candidate output and a baseline output) the judge sees
a few of the user's *training* demonstrations (never the held-out text), the prompt and the
two outputs, and answers A or B: which is more likely written by this user. Every item is
judged twice, with the candidate first and then second. A win counts only if both orders
agree; a split verdict (or an unreadable answer) is a tie worth 0.5. With several judges the
report gives each judge's win rate, their agreement, and a combined win rate over the
per-item mean score. ``mode="reference"`` is the optional reference-based check (5.1.6): the
judge sees the held-out gold text and picks the closer candidate; report it separately.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage
from pydantic import BaseModel, ConfigDict

from personalization._llm import acall, call, messages, model_name
from personalization._parse import parse_choice
from personalization._stats import WinRate, judge_agreement, win_rate
from personalization._types import PersonalizationError

PAIRWISE_SYSTEM = (
    "You are an expert in authorship analysis. You compare candidate texts with texts known "
    "to be written by one person and judge which candidate that person wrote."
)
REFERENCE_SYSTEM = "You compare two candidate texts with a reference text written by a person."
MODES = ("authorship", "reference")


class PairwiseItem(BaseModel):
    """One comparison: a candidate and a baseline output for the same user and prompt."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    """Item id (e.g. ``<user>/<prompt id>``)."""
    user_id: str
    """Whose voice the outputs try to match (per-user breakdowns use it)."""
    prompt: str
    """The task prompt both outputs answer."""
    candidate: str
    """Output of the method under test (e.g. HyPerAlign)."""
    baseline: str
    """Output of the baseline (zero-shot, few-shot, DITTO, ...)."""
    demonstrations: tuple[str, ...] = ()
    """Training texts of the user shown to the judge (never the held-out text)."""
    reference: str | None = None
    """The held-out gold text, only for ``mode="reference"``."""


def build_pairwise_messages(
    demonstrations: Sequence[str], prompt: str, text_a: str, text_b: str
) -> list[BaseMessage]:
    """The authorship-judge prompt for one order."""
    known = "\n\n".join(
        f"=== Known text {i} ===\n{t}" for i, t in enumerate(demonstrations, start=1)
    )
    user = (
        f"Here are texts known to be written by one person:\n\n{known}\n\n"
        f'This person was then asked: "{prompt}"\n\n'
        "Two candidate responses follow.\n\n"
        f"=== Output A ===\n{text_a}\n\n=== Output B ===\n{text_b}\n\n"
        "Which output is more likely to have been written by this person, judging by style, "
        "tone and habits? Answer with exactly one letter: A or B."
    )
    return messages(PAIRWISE_SYSTEM, user)


def build_reference_messages(
    reference: str, prompt: str, text_a: str, text_b: str
) -> list[BaseMessage]:
    """The reference-based judge prompt for one order."""
    user = (
        f'A person answered the request "{prompt}" with this text:\n\n'
        f"=== Reference ===\n{reference}\n\n"
        f"=== Output A ===\n{text_a}\n\n=== Output B ===\n{text_b}\n\n"
        "Which output is closer to the reference in style and voice? Answer with exactly one "
        "letter: A or B."
    )
    return messages(REFERENCE_SYSTEM, user)


@dataclass(frozen=True)
class PairwiseJudgement:
    """One judge's verdicts on one item, in both orders."""

    first: str | None
    """Verdict with the candidate as A (``A``, ``B`` or ``None`` if unreadable)."""
    second: str | None
    """Verdict with the candidate as B."""
    outcome: str
    """For the candidate: ``win`` (both orders), ``loss`` (both orders) or ``tie``."""
    score: float
    """1, 0 or 0.5."""
    raw: tuple[str, str] = ("", "")
    """The judge's two replies."""

    @property
    def unparseable(self) -> int:
        """How many of the two replies could not be read."""
        return (self.first is None) + (self.second is None)


def judgement_from_verdicts(
    first: str | None, second: str | None, raw: tuple[str, str] = ("", "")
) -> PairwiseJudgement:
    """Combine the two orders' verdicts (pure).

    ``first`` is the verdict when the candidate was A, ``second`` when it was B.
    """
    candidate_first = first == "A"
    candidate_second = second == "B"
    baseline_first = first == "B"
    baseline_second = second == "A"
    if candidate_first and candidate_second:
        return PairwiseJudgement(first, second, "win", 1.0, raw)
    if baseline_first and baseline_second:
        return PairwiseJudgement(first, second, "loss", 0.0, raw)
    return PairwiseJudgement(first, second, "tie", 0.5, raw)


def _prompts(item: PairwiseItem, mode: str) -> tuple[list[BaseMessage], list[BaseMessage]]:
    if mode not in MODES:
        raise PersonalizationError(f"mode must be one of {list(MODES)}, got {mode!r}")
    if mode == "reference":
        if not item.reference:
            raise PersonalizationError(f"item {item.id!r} has no reference text for mode=reference")
        return (
            build_reference_messages(item.reference, item.prompt, item.candidate, item.baseline),
            build_reference_messages(item.reference, item.prompt, item.baseline, item.candidate),
        )
    if not item.demonstrations:
        raise PersonalizationError(
            f"item {item.id!r} has no demonstrations; the judge needs the user's training texts"
        )
    demos = item.demonstrations
    return (
        build_pairwise_messages(demos, item.prompt, item.candidate, item.baseline),
        build_pairwise_messages(demos, item.prompt, item.baseline, item.candidate),
    )


def judge_pairwise(
    judge: Any, item: PairwiseItem, *, mode: str = "authorship"
) -> PairwiseJudgement:
    """Judge one item in both orders with a chat model."""
    one, two = _prompts(item, mode)
    raw = (call(judge, one), call(judge, two))
    return judgement_from_verdicts(parse_choice(raw[0]), parse_choice(raw[1]), raw)


async def ajudge_pairwise(
    judge: Any, item: PairwiseItem, *, mode: str = "authorship"
) -> PairwiseJudgement:
    """Async :func:`judge_pairwise` (both orders concurrently)."""
    one, two = _prompts(item, mode)
    raw = tuple(await asyncio.gather(acall(judge, one), acall(judge, two)))
    return judgement_from_verdicts(parse_choice(raw[0]), parse_choice(raw[1]), (raw[0], raw[1]))


@dataclass
class PairwiseReport:
    """Win rates of the candidate over the baseline, per judge, per user and combined."""

    items: list[PairwiseItem]
    """The items judged, in order."""
    judgements: dict[str, list[PairwiseJudgement]]
    """Per judge name, one judgement per item."""
    per_judge: dict[str, WinRate]
    """Win rate per judge."""
    per_user: dict[str, dict[str, WinRate]]
    """Per judge (and ``combined``), win rate per user."""
    combined: WinRate
    """Win rate over the per-item mean score across judges."""
    agreement: dict[str, Any] = field(default_factory=dict)
    """Judge agreement (:func:`~personalization.judge_agreement`); empty with one judge."""
    mode: str = "authorship"
    """``authorship`` or ``reference``."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (without the raw replies)."""
        return {
            "mode": self.mode,
            "n_items": len(self.items),
            "per_judge": {k: v.to_dict() for k, v in self.per_judge.items()},
            "per_user": {
                j: {u: w.to_dict() for u, w in users.items()} for j, users in self.per_user.items()
            },
            "combined": self.combined.to_dict(),
            "agreement": self.agreement,
            "unparseable": {j: sum(x.unparseable for x in js) for j, js in self.judgements.items()},
        }


def _judges(judges: Any) -> dict[str, Any]:
    if isinstance(judges, Mapping):
        if not judges:
            raise PersonalizationError("judges is empty; give at least one chat model")
        return dict(judges)
    if isinstance(judges, list | tuple):
        named: dict[str, Any] = {}
        for judge in judges:
            name = model_name(judge)
            while name in named:
                name += "'"
            named[name] = judge
        if not named:
            raise PersonalizationError("judges is empty; give at least one chat model")
        return named
    return {model_name(judges): judges}


def report_from_judgements(
    items: Sequence[PairwiseItem],
    judgements: Mapping[str, Sequence[PairwiseJudgement]],
    *,
    mode: str = "authorship",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairwiseReport:
    """Aggregate judgements into a :class:`PairwiseReport` (pure)."""
    opts: dict[str, Any] = {"n_resamples": n_resamples, "confidence": confidence, "seed": seed}
    per_judge = {j: win_rate([x.score for x in js], **opts) for j, js in judgements.items()}
    names = list(judgements)
    mean_scores = [
        sum(judgements[j][i].score for j in names) / len(names) for i in range(len(items))
    ]
    users = sorted({item.user_id for item in items})
    per_user: dict[str, dict[str, WinRate]] = {}
    for j in [*names, "combined"]:
        scores = mean_scores if j == "combined" else [x.score for x in judgements[j]]
        per_user[j] = {
            u: win_rate([s for s, it in zip(scores, items, strict=True) if it.user_id == u], **opts)
            for u in users
        }
    agreement = (
        judge_agreement({j: [x.outcome for x in js] for j, js in judgements.items()})
        if len(names) > 1
        else {}
    )
    return PairwiseReport(
        items=list(items),
        judgements={j: list(js) for j, js in judgements.items()},
        per_judge=per_judge,
        per_user=per_user,
        combined=win_rate(mean_scores, **opts),
        agreement=agreement,
        mode=mode,
    )


def evaluate_pairwise(
    judges: Any,
    items: Sequence[PairwiseItem],
    *,
    mode: str = "authorship",
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairwiseReport:
    """Judge every item with every judge (both orders) and aggregate.

    Args:
        judges: one chat model, a list of them, or ``{name: model}`` (use at least two from
            different providers in real studies, spec 5.1.4).
        items: the comparisons.
        mode: ``authorship`` (demonstrations) or ``reference`` (held-out gold text).
    """
    named = _judges(judges)
    judgements = {
        name: [judge_pairwise(model, item, mode=mode) for item in items]
        for name, model in named.items()
    }
    return report_from_judgements(
        items, judgements, mode=mode, n_resamples=n_resamples, confidence=confidence, seed=seed
    )


async def aevaluate_pairwise(
    judges: Any,
    items: Sequence[PairwiseItem],
    *,
    mode: str = "authorship",
    max_concurrency: int = 4,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairwiseReport:
    """Async :func:`evaluate_pairwise`, at most ``max_concurrency`` items judged at once."""
    if max_concurrency < 1:
        raise PersonalizationError(f"max_concurrency must be at least 1, got {max_concurrency}")
    named = _judges(judges)
    gate = asyncio.Semaphore(max_concurrency)

    async def one(model: Any, item: PairwiseItem) -> PairwiseJudgement:
        async with gate:
            return await ajudge_pairwise(model, item, mode=mode)

    judgements = {}
    for name, model in named.items():
        judgements[name] = list(await asyncio.gather(*(one(model, it) for it in items)))
    return report_from_judgements(
        items, judgements, mode=mode, n_resamples=n_resamples, confidence=confidence, seed=seed
    )
