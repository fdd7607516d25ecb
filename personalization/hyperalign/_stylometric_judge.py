"""``scripted:stylometric_judge``: an offline stand-in for a pairwise authorship judge.

It answers the pairwise judge prompt of :mod:`personalization._judge` (and the reference mode)
without a language model: of outputs A and B it names the one whose character 3–5-gram
profile is closer (cosine) to the known texts of the user (or to the reference text), and
answers ``A`` when both are equally close (so a tie in both orders becomes a split verdict,
which the judge protocol scores as a tie). This is the same measurement as the writing env's
offline reward, so a win rate judged by it is a plumbing check of the judging pipeline, not
evidence about a method: it cannot see content, coherence or anything but character n-grams.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from envs import PolicyAction, register_policy
from personalization.hyperalign._authorship import char_ngrams, cosine

_KNOWN = re.compile(
    r"=== Known text \d+ ===\n(.*?)(?=\n\n=== |\n\nThis person was then asked)", re.S
)
_REFERENCE = re.compile(r"=== Reference ===\n(.*?)\n\n=== Output A ===", re.S)
_OUTPUT_A = re.compile(r"=== Output A ===\n(.*?)\n\n=== Output B ===", re.S)
_OUTPUT_B = re.compile(r"=== Output B ===\n(.*?)\n\n(?:Which output)", re.S)


def _profile(texts: Sequence[str]) -> dict[str, float]:
    counts = char_ngrams("\n".join(texts))
    return {k: float(v) for k, v in counts.items()}


def closer_output(known: Sequence[str], text_a: str, text_b: str) -> str:
    """``A`` or ``B``: which text's n-gram profile is closer to ``known`` (``A`` on a tie)."""
    target = _profile(known)
    sim_a = cosine(_profile([text_a]), target)
    sim_b = cosine(_profile([text_b]), target)
    return "B" if sim_b > sim_a else "A"


class StylometricJudgePolicy:
    """Answers pairwise authorship judge prompts by n-gram similarity (module docstring)."""

    def handles(self, observations: Sequence[str]) -> bool:
        last = observations[-1] if observations else ""
        return "=== Output A ===" in last and "=== Output B ===" in last

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        prompt = observations[-1]
        known = _KNOWN.findall(prompt) or _REFERENCE.findall(prompt)
        a, b = _OUTPUT_A.search(prompt), _OUTPUT_B.search(prompt)
        if not known or a is None or b is None:
            raise LookupError("not a pairwise judge prompt")
        choice = closer_output(known, a.group(1), b.group(1))
        return PolicyAction(name="answer", args={"choice": choice}, text=choice)


def register_stylometric_judge() -> None:
    """Register ``scripted:stylometric_judge`` (idempotent)."""
    register_policy(
        "stylometric_judge",
        StylometricJudgePolicy,
        doc="Pairwise authorship judge prompts: picks the output whose character n-grams are "
        "closer to the known texts (offline stand-in for a judge; a plumbing check).",
    )
