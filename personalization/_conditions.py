"""The one condition vocabulary of personalization runs, and the blocks HyPerAlign builds from it.

A scenario compares conditions on the same seeds (spec 8.1.6, 8.3.6, 11.6). Every env family
reads the same names; :func:`parse_condition` resolves aliases once, and each family says which
conditions it supports:

========================  ========================================================================
``none``                  no hypotheses (HyPerAlign still states the user's public attributes)
``hypotheses``            the user's inferred hypotheses (alias ``inferred``); ``hypotheses:<n>``
                          infers them from ``n`` demonstrations (simulated users)
``swap``                  another user's hypotheses (alias ``placebo``): HyPerAlign takes the next
                          user in sorted order, simulated users the one that disagrees most
``generic``               content-free hypotheses matched in number (and length) to the user's
``few_shot``              the user's demonstrations, no hypotheses (HyPerAlign)
``hypotheses_few_shot``   hypotheses and demonstrations (HyPerAlign)
``oracle``                the simulated user's hidden ground truth stated as hypotheses (alias
                          ``true``); only for users with a ``truth``
========================  ========================================================================

For an agent the personalization reaches the model as one string in its system prompt
(``AgentConfig.personalization``); :func:`condition_block` builds HyPerAlign's,
:func:`build_condition_blocks` every (condition, user) block of a study at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from personalization._render import generic_hypotheses, render_block, user_attributes
from personalization._types import (
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    Provenance,
    UserProfile,
    did_you_mean,
)

#: Every condition, canonical names.
CONDITIONS: tuple[str, ...] = (
    "none",
    "hypotheses",
    "swap",
    "generic",
    "few_shot",
    "hypotheses_few_shot",
    "oracle",
)
#: Other names accepted for a condition.
ALIASES: dict[str, str] = {"inferred": "hypotheses", "placebo": "swap", "true": "oracle"}


class Condition(NamedTuple):
    """A parsed condition name."""

    kind: str
    """The canonical condition (aliases resolved)."""
    n_demonstrations: int | None = None
    """The ``:<n>`` suffix of ``hypotheses:<n>``: demonstrations to infer from."""


def parse_condition(name: str, supported: Iterable[str] = CONDITIONS) -> Condition:
    """The condition ``name`` stands for, aliases resolved, among ``supported`` ones.

    >>> parse_condition("inferred:12")
    Condition(kind='hypotheses', n_demonstrations=12)

    Raises:
        PersonalizationError: an unknown or unsupported condition (with a did-you-mean), or a
            bad ``:<n>`` suffix.
    """
    if not isinstance(name, str) or not name:
        raise PersonalizationError(f"a condition must be a non-empty string, got {name!r}")
    allowed = tuple(supported)
    base, colon, suffix = name.partition(":")
    kind = ALIASES.get(base, base)
    if kind not in allowed:
        aliases = [a for a, k in ALIASES.items() if k in allowed]
        raise did_you_mean(name, [*allowed, *aliases], "personalization condition")
    if not colon:
        return Condition(kind)
    if kind != "hypotheses" or not suffix.isdigit():
        raise PersonalizationError(
            f"only 'inferred' (or 'hypotheses') takes a number of demonstrations, as "
            f"'inferred:8'; got {name!r}"
        )
    return Condition(kind, int(suffix))


def canonical_condition(name: str) -> str:
    """The condition ``name`` stands for (aliases resolved), or a did-you-mean error; the
    ``:<n>`` suffix is not accepted here."""
    condition = parse_condition(name)
    if condition.n_demonstrations is not None:
        raise PersonalizationError(
            f"the HyPerAlign tasks take no number of demonstrations in a condition, got "
            f"{name!r}; set personalization.n_train instead"
        )
    return condition.kind


def swap_partner(user_id: str, user_ids: Sequence[str]) -> str:
    """The user whose hypotheses ``user_id`` gets in the swap placebo (next in sorted order)."""
    ordered = sorted(set(user_ids))
    if user_id not in ordered or len(ordered) < 2:
        raise PersonalizationError(
            f"the swap placebo needs {user_id!r} among at least 2 users, got {ordered}"
        )
    return ordered[(ordered.index(user_id) + 1) % len(ordered)]


def oracle_hypotheses(profile: UserProfile) -> HypothesisSet:
    """The hidden ground truth of a simulated user stated as hypotheses (the oracle condition).

    Raises:
        PersonalizationError: the profile has no ``truth``.
    """
    if not profile.truth:
        raise PersonalizationError(
            f"user {profile.id!r} has no hidden truth; the oracle condition needs simulated users"
        )
    items = []
    for index, (key, value) in enumerate(profile.truth.items(), start=1):
        text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        items.append(
            Hypothesis(
                id=f"H{index}",
                category="preference",
                statement=f"{key.replace('_', ' ').capitalize()}: {text}.",
            )
        )
    return HypothesisSet(
        user_id=profile.id, hypotheses=tuple(items), provenance=Provenance(method="oracle")
    )


def _examples_block(profile: UserProfile, n_examples: int | None) -> str:
    shown = profile.examples[: n_examples or len(profile.examples)]
    parts = [
        f"=== Example {i} ===\nRequest: {e.prompt or '(not recorded)'}\nText:\n{e.text}"
        for i, e in enumerate(shown, start=1)
    ]
    return "Examples of this user's own writing:\n\n" + "\n\n".join(parts)


def _dropped(hset: HypothesisSet) -> str:
    prov = hset.provenance
    if not (prov.dropped_hallucinated_evidence or prov.dropped_without_evidence):
        return ""
    return (
        f" ({prov.dropped_hallucinated_evidence} dropped because their evidence is not in the "
        f"user's texts, {prov.dropped_without_evidence} without evidence)"
    )


def condition_set(
    condition: str,
    profile: UserProfile,
    hypotheses: HypothesisSet | None = None,
    *,
    placebo: HypothesisSet | None = None,
) -> HypothesisSet | None:
    """The hypotheses a condition gives about ``profile`` (``None``: no hypotheses), as
    :func:`condition_block` renders them; arguments as there.

    Raises:
        PersonalizationError: the condition needs hypotheses that were not given.
    """
    condition = canonical_condition(condition)
    needs_own = condition in ("hypotheses", "hypotheses_few_shot", "generic")
    if needs_own and hypotheses is None:
        raise PersonalizationError(f"condition {condition!r} needs the user's hypotheses")
    if needs_own and hypotheses is not None and not hypotheses.hypotheses:
        raise PersonalizationError(
            f"condition {condition!r} needs the user's hypotheses, but the inference for "
            f"{profile.id!r} gave none{_dropped(hypotheses)}"
        )
    if condition in ("hypotheses", "hypotheses_few_shot"):
        return hypotheses
    if condition == "generic":
        return generic_hypotheses(hypotheses)  # type: ignore[arg-type]
    if condition == "swap":
        if placebo is None or placebo.user_id == profile.id:
            raise PersonalizationError("condition 'swap' needs another user's hypotheses")
        if not placebo.hypotheses:
            raise PersonalizationError(
                f"condition 'swap' needs another user's hypotheses, but the inference for "
                f"{placebo.user_id!r} gave none{_dropped(placebo)}"
            )
        return placebo
    if condition == "oracle":
        return oracle_hypotheses(profile)
    return None


def condition_block(
    condition: str,
    profile: UserProfile,
    hypotheses: HypothesisSet | None = None,
    *,
    placebo: HypothesisSet | None = None,
    attributes: Mapping[str, Any] | None = None,
    n_examples: int | None = None,
    cite_ids: bool = False,
) -> str:
    """The personalization string of one user under one condition (module docstring).

    Args:
        condition: a condition or alias.
        profile: the user (demonstrations for the few-shot conditions, truth for the oracle).
        hypotheses: the user's inferred hypotheses (needed by ``hypotheses``,
            ``hypotheses_few_shot`` and ``generic``, which matches their lengths).
        placebo: another user's hypotheses, for ``swap``.
        attributes: public attributes (default: :func:`user_attributes` of the profile).
        n_examples: demonstrations shown by the few-shot conditions (default: all).
        cite_ids: ask the agent to name the hypothesis ids it relied on.
    """
    condition = canonical_condition(condition)
    attrs = dict(attributes) if attributes is not None else user_attributes(profile)
    chosen = condition_set(condition, profile, hypotheses, placebo=placebo)
    block = render_block(chosen, attrs, cite_ids=cite_ids and chosen is not None)
    if condition in ("few_shot", "hypotheses_few_shot"):
        block = "\n\n".join(b for b in (block, _examples_block(profile, n_examples)) if b)
    return block


def build_condition_blocks(
    users: Mapping[str, UserProfile],
    hypotheses: Mapping[str, HypothesisSet],
    conditions: Sequence[str],
    *,
    n_examples: int | None = None,
    cite_ids: bool = False,
) -> dict[str, dict[str, str]]:
    """``{condition: {user_id: block}}`` for every condition (as written) and user.

    ``users`` should hold the demonstrations only (``profile.split(n_train)[0]``) so no
    held-out text leaks into a prompt.
    """
    out: dict[str, dict[str, str]] = {}
    ids = list(users)
    for name in conditions:
        condition = canonical_condition(name)
        out[name] = {}
        for uid, profile in users.items():
            placebo = None
            if condition == "swap":
                partner = swap_partner(uid, ids)
                if partner not in hypotheses:
                    raise PersonalizationError(f"no hypotheses for swap partner {partner!r}")
                placebo = hypotheses[partner]
            out[name][uid] = condition_block(
                condition,
                profile,
                hypotheses.get(uid),
                placebo=placebo,
                n_examples=n_examples,
                cite_ids=cite_ids,
            )
    return out
