"""Step A of HyPerAlign: infer hypotheses about a user from their examples with a chat model.

Spec 2.2 and 2.5: one batched call by default, showing ``k`` of the user's examples (prompt and
text) and asking for ``N`` numbered, testable hypotheses about their communication strategies,
personality and writing style, each with a short evidence quote copied from the texts. The
output is parsed robustly (numbered list or JSON, :mod:`personalization._parse`), and every
evidence quote is checked against the examples the model saw: hallucinated quotes are dropped
and counted, hypotheses left without evidence are dropped and counted (``Provenance``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage

from personalization._evidence import check_evidence, normalize_text
from personalization._llm import acall, call, messages, model_name
from personalization._parse import ParsedHypothesis, guess_category, parse_hypotheses
from personalization._types import (
    CATEGORIES,
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    Provenance,
    UserProfile,
)

INFERENCE_SYSTEM = (
    "You are an expert in stylometry and in how people communicate. You read texts closely "
    "and describe their author in specific, checkable terms."
)
_CATEGORY_WORDS = {
    "communication_strategy": "communication strategies",
    "personality": "personality",
    "writing_style": "writing style",
    "preference": "preferences (what they want from the person or assistant they write to)",
}
DEFAULT_CATEGORIES: tuple[str, ...] = ("communication_strategy", "personality", "writing_style")
MAX_EXAMPLE_CHARS = 6000


def _choose_indices(
    profile: UserProfile, k: int | None, example_indices: Sequence[int] | None
) -> list[int]:
    total = len(profile.examples)
    if total == 0:
        raise PersonalizationError(f"user {profile.id!r} has no examples to infer from")
    if example_indices is not None:
        indices = list(example_indices)
        bad = [i for i in indices if not 0 <= i < total]
        if bad or not indices:
            raise PersonalizationError(
                f"example_indices must be non-empty indices between 0 and {total - 1}, got "
                f"{list(example_indices)}"
            )
        return indices
    if k is None:
        return list(range(total))
    if not 1 <= k <= total:
        raise PersonalizationError(
            f"k must be between 1 and {total} (examples of user {profile.id!r}), got {k}"
        )
    return list(range(k))


def _check_categories(categories: Sequence[str]) -> tuple[str, ...]:
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown or not categories:
        raise PersonalizationError(
            f"categories must be a non-empty subset of {list(CATEGORIES)}, got {list(categories)}"
        )
    return tuple(categories)


def build_inference_messages(
    profile: UserProfile,
    *,
    n: int = 8,
    k: int | None = None,
    example_indices: Sequence[int] | None = None,
    categories: Sequence[str] = DEFAULT_CATEGORIES,
) -> list[BaseMessage]:
    """The inference prompt (system + user message) for ``profile`` (spec 2.5)."""
    if n < 1:
        raise PersonalizationError(f"n (hypotheses to ask for) must be at least 1, got {n}")
    categories = _check_categories(categories)
    indices = _choose_indices(profile, k, example_indices)
    blocks = []
    for number, index in enumerate(indices, start=1):
        example = profile.examples[index]
        text = example.text[:MAX_EXAMPLE_CHARS]
        request = example.prompt or "(not recorded)"
        blocks.append(f"=== Text {number} ===\nRequest: {request}\nText:\n{text}")
    about = ", ".join(_CATEGORY_WORDS[c] for c in categories)
    user = (
        f"Here are {len(indices)} texts written by the same person, each with the request it "
        "answered.\n\n" + "\n\n".join(blocks) + "\n\n"
        f"Propose {n} specific, testable hypotheses about this person's {about}. Each "
        "hypothesis must be specific enough to tell this person apart from a typical writer, "
        "and must cite as evidence a short phrase copied exactly, word for word, from the "
        "texts above.\n\n"
        "Return a numbered list, one hypothesis per item, in this format:\n"
        '1. [category] The hypothesis. Evidence: "exact quote from the texts"\n'
        f"where category is one of: {', '.join(categories)}."
    )
    return messages(INFERENCE_SYSTEM, user)


def hypotheses_from_outputs(
    outputs: Sequence[str],
    profile: UserProfile,
    *,
    n: int,
    example_indices: Sequence[int],
    model: str | None,
    keep: int | None = None,
    method: str = "llm",
) -> HypothesisSet:
    """Parse model outputs into a checked :class:`HypothesisSet` (pure; no model call).

    Evidence is checked against the examples at ``example_indices`` (what the model saw).
    Duplicates across outputs are merged; at most ``keep`` (default ``n`` times the number of
    outputs) hypotheses are kept, in order (grounded ones beyond that are counted in
    ``notes["over_limit"]``).
    """
    shown = [profile.examples[i].text for i in example_indices]
    parsed: list[ParsedHypothesis] = []
    seen: set[str] = set()
    for output in outputs:
        for item in parse_hypotheses(output):
            key = normalize_text(item.statement)
            if key not in seen:
                seen.add(key)
                parsed.append(item)
    kept: list[Hypothesis] = []
    rejected: list[dict[str, Any]] = []
    hallucinated = without = over_limit = 0
    limit = keep if keep is not None else n * max(1, len(outputs))
    for item in parsed:
        grounded = [q for q in item.evidence if check_evidence(q, shown)]
        bad = [q for q in item.evidence if q not in grounded]
        hallucinated += len(bad)
        if not grounded:
            without += 1
            reason = "hallucinated evidence" if bad else "no evidence"
            rejected.append({"statement": item.statement, "evidence": bad, "reason": reason})
            continue
        if len(kept) >= limit:
            over_limit += 1
            continue
        kept.append(
            Hypothesis(
                id=f"H{len(kept) + 1}",
                category=item.category or guess_category(item.statement),  # type: ignore[arg-type]
                statement=item.statement,
                evidence=tuple(grounded),
            )
        )
    provenance = Provenance(
        method=method,
        model=model,
        example_indices=tuple(example_indices),
        n_requested=n,
        n_parsed=len(parsed),
        dropped_hallucinated_evidence=hallucinated,
        dropped_without_evidence=without,
        calls=len(outputs),
        notes={"rejected": rejected, "over_limit": over_limit, "raw_outputs": list(outputs)},
    )
    return HypothesisSet(user_id=profile.id, hypotheses=tuple(kept), provenance=provenance)


def _check_calls(calls: int) -> None:
    if calls < 1:
        raise PersonalizationError(f"calls must be at least 1, got {calls}")


def infer_hypotheses(
    model: Any,
    profile: UserProfile,
    *,
    n: int = 8,
    k: int | None = None,
    example_indices: Sequence[int] | None = None,
    calls: int = 1,
    categories: Sequence[str] = DEFAULT_CATEGORIES,
    model_label: str | None = None,
) -> HypothesisSet:
    """Infer up to ``n`` evidence-checked hypotheses about ``profile`` with a chat model.

    Args:
        model: any LangChain chat model (``model.invoke(messages)``).
        profile: the user; their first ``k`` examples are shown (all when ``k`` is ``None``),
            or exactly ``example_indices``.
        n: hypotheses to ask for per call (default 8).
        k: examples to show.
        example_indices: explicit examples to show (overrides ``k``).
        calls: independent calls (oversampling for selection); their hypotheses are merged.
        categories: which categories to ask about (add ``preference`` for agent users).
        model_label: the name stored in the provenance (default: read from the model).

    Returns:
        The hypothesis set; the provenance counts dropped evidence and hypotheses.
    """
    _check_calls(calls)
    indices = _choose_indices(profile, k, example_indices)
    prompt = build_inference_messages(profile, n=n, example_indices=indices, categories=categories)
    outputs = [call(model, prompt) for _ in range(calls)]
    return hypotheses_from_outputs(
        outputs, profile, n=n, example_indices=indices, model=model_label or model_name(model)
    )


async def ainfer_hypotheses(
    model: Any,
    profile: UserProfile,
    *,
    n: int = 8,
    k: int | None = None,
    example_indices: Sequence[int] | None = None,
    calls: int = 1,
    categories: Sequence[str] = DEFAULT_CATEGORIES,
    model_label: str | None = None,
) -> HypothesisSet:
    """Async :func:`infer_hypotheses` (``await model.ainvoke``; calls run one after another)."""
    _check_calls(calls)
    indices = _choose_indices(profile, k, example_indices)
    prompt = build_inference_messages(profile, n=n, example_indices=indices, categories=categories)
    outputs = [await acall(model, prompt) for _ in range(calls)]
    return hypotheses_from_outputs(
        outputs, profile, n=n, example_indices=indices, model=model_label or model_name(model)
    )
