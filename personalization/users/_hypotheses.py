"""Preference hypotheses about simulated users: stated, inferred, scored against the truth.

A simulated user (:class:`~personalization.users.SimulatedUser`) has a hidden profile of claims
(``{"measurement_cost": "high", ...}``). This module turns claims into
:class:`~personalization.Hypothesis` objects of category ``preference`` that carry the claim in
machine-readable form (``Hypothesis.claim``), and

* states the true profile as hypotheses (:func:`profile_hypotheses`: the ``oracle`` condition;
  another user's: the ``placebo``);
* infers hypotheses from the user's demonstrations offline, by reading the choices, corrections
  and messages back and taking a strict majority per key (:func:`infer_preferences_offline`), or
  with any chat model (:func:`infer_preferences_llm`: claims outside the schema and evidence
  that does not occur in the demonstrations are dropped and counted);
* scores hypotheses against the hidden profile (:func:`score_hypotheses`: precision and recall
  of the true claims).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from personalization._evidence import check_evidence
from personalization._llm import call, messages, model_name
from personalization._parse import parse_hypotheses
from personalization._types import (
    Example,
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    Provenance,
    UserProfile,
)
from personalization.users import (
    PREFERENCE_KEYS,
    SimulatedUser,
    claim_statement,
    demonstrations,
    keys_of,
    message_features,
    valid_claim,
)
from personalization.users import _texts as T

#: Marker of "no preference" votes in the offline inferer.
_NO_PREFERENCE = "<none>"


def demonstration_profile(user: SimulatedUser, n: int, seed: int = 0) -> UserProfile:
    """``n`` demonstrations of ``user`` for ``seed`` as a :class:`UserProfile` (the hidden
    profile goes into ``truth``, which is never rendered)."""
    demos = demonstrations(user, n, seed)
    return UserProfile(
        id=user.id,
        examples=tuple(
            Example(prompt=d.prompt, text=d.text, genre=d.kind, id=f"{user.id}/{seed}/{i}")
            for i, d in enumerate(demos)
        ),
        truth=dict(user.claims),
        source="simulated",
        synthetic=True,
    )


def claim_hypothesis(
    index: int,
    key: str,
    value: str,
    evidence: Sequence[str] = (),
    score: float | None = None,
    statement: str | None = None,
) -> Hypothesis:
    """The hypothesis ``H<index>`` stating ``key = value`` (statement from the schema)."""
    return Hypothesis(
        id=f"H{index}",
        category="preference",
        statement=statement or claim_statement(key, value),
        evidence=tuple(evidence),
        score=score,
        feature=key,
        claim={key: value},
    )


def profile_hypotheses(user: SimulatedUser, *, method: str = "oracle") -> HypothesisSet:
    """The user's true profile stated as hypotheses (one per claim, schema order)."""
    hyps = tuple(
        claim_hypothesis(i, key, value) for i, (key, value) in enumerate(user.claims.items(), 1)
    )
    notes = {"profile": user.profile_id}
    return HypothesisSet(
        user_id=user.id, hypotheses=hyps, provenance=Provenance(method=method, notes=notes)
    )


def hypothesis_claims(hypotheses: HypothesisSet | Iterable[Hypothesis] | None) -> dict[str, str]:
    """The structured claims of ``hypotheses`` merged into one dict (first claim per key)."""
    items = hypotheses.hypotheses if isinstance(hypotheses, HypothesisSet) else hypotheses or ()
    merged: dict[str, str] = {}
    for hyp in items:
        for key, value in hyp.claim.items():
            merged.setdefault(key, value)
    return merged


# ---------------------------------------------------------------- offline inference
def _blocksworld_votes(text: str) -> list[tuple[str, str, str]]:
    """``(key, value or NO_PREFERENCE, evidence span)`` read from one demonstration."""
    votes = []
    for match in T.PLAN_CHOICE_RE.finditer(text):
        few, many, chosen = (int(g) for g in match.groups())
        value = "high" if chosen <= min(few, many) else "low"
        votes.append(("measurement_cost", value, match.group(0)))
    for key, pattern in (("top_block", T.TOP_CORRECTION_RE), ("base_block", T.BASE_CORRECTION_RE)):
        for match in pattern.finditer(text):
            votes.append((key, match.group(1), match.group(0)))
    for key, marker in (
        ("top_block", "did not mind which block was at the top"),
        ("base_block", "did not mind which block stood at the bottom"),
    ):
        if marker in text:
            votes.append((key, _NO_PREFERENCE, marker))
    averse = next((q for q in T.AVERSE_QUOTES if q in text), None)
    if averse is not None:
        votes.append(("risk", "averse", averse))
    elif T.NEUTRAL_MARK in text:
        votes.append(("risk", "neutral", T.NEUTRAL_MARK))
    for match in T.REPORT_CHOICE_RE.finditer(text):
        picked = match.group(1).strip()
        for value, option in T.REPORT_OPTIONS.items():
            if picked == option:
                votes.append(("report", value, match.group(0)))
    return votes


def _writing_votes(text: str) -> list[tuple[str, str, str]]:
    features = message_features(text)
    votes = []
    words = int(features["words"])  # type: ignore[call-overload]
    lines = [line for line in text.strip().splitlines() if line.strip()]
    first_line = lines[0].strip() if lines else ""
    if words <= T.SHORT_MAX:
        votes.append(("length", "short", first_line))
    elif words >= T.LONG_MIN:
        votes.append(("length", "long", first_line))
    marks = int(features["contractions"]) + int(features["exclamations"])  # type: ignore[call-overload]
    greeting = str(features["greeting"]).lower()
    if greeting in ("hi", "hey") or (marks > 0 and greeting != "dear"):
        votes.append(("formality", "casual", first_line))
    elif greeting == "dear" and marks == 0:
        votes.append(("formality", "formal", first_line))
    sign_off = features["sign_off"]
    if isinstance(sign_off, str) and valid_claim("sign_off", sign_off):
        votes.append(("sign_off", sign_off, f"{sign_off},"))
    return votes


def infer_preferences_offline(
    profile: UserProfile, world: str = "blocksworld", *, min_votes: int = 1
) -> HypothesisSet:
    """Rule-based hypotheses from the demonstrations in ``profile`` (no model).

    Each demonstration is read back into votes ``key = value`` (or "no preference"); a key gets
    a hypothesis when one value has at least ``min_votes`` votes and strictly more than every
    other value and than "no preference". The hypothesis's score is the value's vote share;
    its evidence, the demonstration phrases that voted for it.

    Raises:
        PersonalizationError: ``world`` is not ``blocksworld`` or ``writing``.
    """
    if world not in ("blocksworld", "writing"):
        raise PersonalizationError(f"world must be 'blocksworld' or 'writing', got {world!r}")
    read = _blocksworld_votes if world == "blocksworld" else _writing_votes
    counts: dict[str, Counter[str]] = {key: Counter() for key in keys_of(world)}
    evidence: dict[tuple[str, str], list[str]] = {}
    for example in profile.examples:
        for key, value, span in read(example.text):
            counts[key][value] += 1
            spans = evidence.setdefault((key, value), [])
            if span not in spans:
                spans.append(span)
    hyps: list[Hypothesis] = []
    for key in keys_of(world):
        ranked = counts[key].most_common()
        if not ranked:
            continue
        value, votes = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        if value == _NO_PREFERENCE or votes < min_votes or votes <= runner_up:
            continue
        share = votes / sum(counts[key].values())
        hyps.append(
            claim_hypothesis(len(hyps) + 1, key, value, evidence[(key, value)][:3], round(share, 3))
        )
    provenance = Provenance(
        method="offline_rules",
        example_indices=tuple(range(len(profile.examples))),
        n_parsed=len(hyps),
        notes={"votes": {k: dict(c) for k, c in counts.items() if c}, "world": world},
    )
    return HypothesisSet(user_id=profile.id, hypotheses=tuple(hyps), provenance=provenance)


# ---------------------------------------------------------------- LLM inference
PREFERENCE_SYSTEM = (
    "You study how a person behaves and infer what they want, stating only what their own "
    "choices and words support."
)
_CLAIM = re.compile(r"Claim\s*:\s*\**\s*([a-z_]+)\s*=\s*(.+?)\s*(?:\.\s|\.$|$|\s+Evidence\b)", re.I)


def build_preference_messages(profile: UserProfile, world: str = "blocksworld") -> list[Any]:
    """The prompt asking a chat model for one claim per preference key the demonstrations
    support (keys and allowed values from :data:`personalization.users.PREFERENCE_KEYS`)."""
    if not profile.examples:
        raise PersonalizationError(f"user {profile.id!r} has no demonstrations to infer from")
    shown = "\n\n".join(
        f"=== Demonstration {i} ===\n{e.text}" for i, e in enumerate(profile.examples, 1)
    )
    keys = "\n".join(
        f"- {k}: one of {', '.join(PREFERENCE_KEYS[k].values)}. {PREFERENCE_KEYS[k].question}"
        for k in keys_of(world)
    )
    user = (
        f"Here are {len(profile.examples)} demonstrations of one user: what they chose, corrected "
        f"or wrote.\n\n{shown}\n\nThe preferences that matter are:\n{keys}\n\n"
        "For each preference the demonstrations give evidence for, write one numbered "
        "hypothesis in this format:\n"
        '1. [preference] The hypothesis in plain words. Claim: key=value. Evidence: "a short '
        'phrase copied exactly from the demonstrations"\n'
        "Leave out preferences without evidence. Demonstrations can disagree: follow the "
        "majority."
    )
    return messages(PREFERENCE_SYSTEM, user)


def preferences_from_output(
    output: str, profile: UserProfile, *, model: str | None, world: str = "blocksworld"
) -> HypothesisSet:
    """Parse a model's answer into claim-carrying hypotheses (pure; never raises on output).

    Items without a readable claim, with a claim outside the schema, with no evidence quote
    that occurs in the demonstrations, or repeating a key already claimed are dropped and
    counted in the provenance.
    """
    texts = [e.text for e in profile.examples]
    allowed = set(keys_of(world))
    kept: list[Hypothesis] = []
    dropped = {"no_claim": 0, "invalid_claim": 0, "ungrounded": 0, "duplicate_key": 0}
    hallucinated = 0
    parsed = parse_hypotheses(output)
    for item in parsed:
        match = _CLAIM.search(item.statement)
        if match is None:
            dropped["no_claim"] += 1
            continue
        key = match.group(1).strip().lower()
        value = match.group(2).strip().strip("\"'`*").rstrip(".")
        if key in PREFERENCE_KEYS:  # accept any capitalisation of an allowed value
            known = PREFERENCE_KEYS[key].values
            value = next((v for v in known if v.lower() == value.lower()), value)
        if key not in allowed or not valid_claim(key, value):
            dropped["invalid_claim"] += 1
            continue
        grounded = [q for q in item.evidence if check_evidence(q, texts)]
        hallucinated += len(item.evidence) - len(grounded)
        if not grounded:
            dropped["ungrounded"] += 1
            continue
        if key in hypothesis_claims(kept):
            dropped["duplicate_key"] += 1
            continue
        statement = item.statement[: match.start()].strip() or claim_statement(key, value)
        kept.append(claim_hypothesis(len(kept) + 1, key, value, grounded, statement=statement))
    provenance = Provenance(
        method="llm",
        model=model,
        example_indices=tuple(range(len(profile.examples))),
        n_parsed=len(parsed),
        dropped_hallucinated_evidence=hallucinated,
        dropped_without_evidence=dropped["ungrounded"],
        calls=1,
        notes={"dropped": dropped, "raw_outputs": [output], "world": world},
    )
    return HypothesisSet(user_id=profile.id, hypotheses=tuple(kept), provenance=provenance)


def infer_preferences_llm(
    model: Any, profile: UserProfile, world: str = "blocksworld", *, model_label: str | None = None
) -> HypothesisSet:
    """Claim-carrying hypotheses about ``profile`` from one call of any chat model."""
    output = call(model, build_preference_messages(profile, world))
    return preferences_from_output(
        output, profile, model=model_label or model_name(model), world=world
    )


# ---------------------------------------------------------------- scoring
@dataclass(frozen=True)
class ClaimScore:
    """How well hypotheses state a user's hidden profile."""

    precision: float | None
    """True claims among the claims made (``None`` when no claim was made)."""
    recall: float | None
    """Claims made among the true claims (``None`` when the profile has none)."""
    true_positives: int
    """Claims made that are true."""
    n_claims: int
    """Claims made (distinct key = value pairs)."""
    n_true: int
    """Claims in the hidden profile."""

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall (``None`` if either is undefined or both 0)."""
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields plus ``f1``."""
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "true_positives": self.true_positives,
            "n_claims": self.n_claims,
            "n_true": self.n_true,
        }


def score_claims(claims: Iterable[tuple[str, str]], truth: Mapping[str, str]) -> ClaimScore:
    """Precision and recall of the ``(key, value)`` claims against the true profile."""
    made = {(str(k), str(v)) for k, v in claims}
    true = {(str(k), str(v)) for k, v in truth.items()}
    hits = len(made & true)
    return ClaimScore(
        precision=hits / len(made) if made else None,
        recall=hits / len(true) if true else None,
        true_positives=hits,
        n_claims=len(made),
        n_true=len(true),
    )


def score_hypotheses(
    hypotheses: HypothesisSet | Iterable[Hypothesis] | None, user: SimulatedUser | Mapping[str, str]
) -> ClaimScore:
    """:func:`score_claims` of every structured claim in ``hypotheses`` against ``user``'s
    hidden profile (hypotheses without a claim do not count as claims)."""
    items = hypotheses.hypotheses if isinstance(hypotheses, HypothesisSet) else hypotheses or ()
    pairs = [(k, v) for h in items for k, v in h.claim.items()]
    truth = user.claims if isinstance(user, SimulatedUser) else user
    return score_claims(pairs, truth)
