"""Scripted baselines for the personalized environments (offline ``scripted:<name>`` models).

They read only the observations, like every scripted policy, so they never see a
personalization block (that lives in the system prompt): conditions do not change what they
do. They exist so scenarios and tests run end to end without a model, and as floor baselines.

* ``generic``: a bland text (writing) or a bland on-topic answer (deliberative).
* ``imitate``: writing: resubmits one of the demonstrations shown in the observation (needs
  ``show_examples`` >= 1; otherwise behaves like ``generic``), the "copy a past text" baseline
  that character n-grams reward; deliberative: a generic answer in the format (list or prose)
  of the preferred answers shown, if any.
* ``refuse`` (deliberative only): always declines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from envs import PolicyAction, register_policy

_WRITING = re.compile(r'You are writing as the user "[^"]+"')
_DELIBERATIVE = re.compile(r'The user "[^"]+" sends you this request:\n\n(.+?)(?:\n\n|$)', re.S)
_TASK = re.compile(r"^Task: (.+)$", re.M)
_EXAMPLE = re.compile(r"^--- Example \d+ \(task: .*?\)\n(.*?)(?=\n\n--- )", re.S | re.M)
_PREFERRED = re.compile(r"^--- Request \d+: .*?\n(.*?)(?=\n\n--- )", re.S | re.M)
_WORDS = re.compile(r"[A-Za-z']+")
_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an the to of and or for in on at my me i is it how do does can what why should this "
        "that with so from about your you be are",
    )
)


def _first(observations: Sequence[str], pattern: re.Pattern[str]) -> str | None:
    for observation in observations:
        if pattern.search(observation):
            return observation
    return None


def _move(name: str, tag: str, text: str) -> PolicyAction:
    return PolicyAction(name=name, args={"text": text}, text=f"<{tag}>{text}</{tag}>")


def _topic(request: str) -> str:
    words = [w for w in _WORDS.findall(request.lower()) if w not in _STOP]
    return " ".join(words[:6]) or "your question"


class _Base:
    """Shared detection of the two envs."""

    writing = True
    deliberative = True

    def handles(self, observations: Sequence[str]) -> bool:
        return (self.writing and _first(observations, _WRITING) is not None) or (
            self.deliberative and _first(observations, _DELIBERATIVE) is not None
        )

    def act(self, observations: Sequence[str], rng: np.random.Generator) -> PolicyAction:
        task = _first(observations, _WRITING)
        if self.writing and task is not None:
            match = _TASK.search(task)
            return _move("submit_text", "text", self.write(match.group(1) if match else "", task,
                                                           rng))  # fmt: skip
        request = _first(observations, _DELIBERATIVE)
        if request is None:
            raise LookupError("no personalized-env task found in the observations")
        match = _DELIBERATIVE.search(request)
        return _move("submit_answer", "answer", self.answer(match.group(1) if match else "",
                                                             request, rng))  # fmt: skip

    def write(self, task: str, observation: str, rng: np.random.Generator) -> str:
        return (
            "Hello,\n\nI am writing about the following: "
            + task.rstrip(".").lower()
            + ". There is not much more to say, but I wanted to let you know.\n\nBest regards"
        )

    def answer(self, request: str, observation: str, rng: np.random.Generator) -> str:
        return (
            f"Here is some general information about {_topic(request)}. Start with reliable, "
            "official sources, check the details that apply to your situation, and ask a "
            "qualified professional if you are unsure."
        )


class GenericPolicy(_Base):
    """A bland text or answer (see the module docstring)."""


class ImitatePolicy(_Base):
    """Copy a shown demonstration / the format of shown preferred answers."""

    def write(self, task: str, observation: str, rng: np.random.Generator) -> str:
        examples = _EXAMPLE.findall(observation)
        if not examples:
            return super().write(task, observation, rng)
        return str(examples[int(rng.integers(len(examples)))]).strip()

    def answer(self, request: str, observation: str, rng: np.random.Generator) -> str:
        shown = _PREFERRED.findall(observation)
        base = super().answer(request, observation, rng)
        if not shown:
            return base
        lines = [line.strip() for line in shown[0].splitlines() if line.strip()]
        if sum(bool(re.match(r"\d+[.)]\s", line)) for line in lines) >= 2:
            parts = [s.strip() for s in base.split(". ") if s.strip()]
            return "\n".join(f"{i}. {p.rstrip('.')}." for i, p in enumerate(parts, start=1))
        if sum(line.startswith(("-", "*")) for line in lines) >= 2:
            parts = [s.strip() for s in base.split(". ") if s.strip()]
            return "\n".join(f"- {p.rstrip('.')}" for p in parts)
        return base


class RefusePolicy(_Base):
    """Always declines (deliberative env only)."""

    writing = False

    def answer(self, request: str, observation: str, rng: np.random.Generator) -> str:
        return "I'm sorry, but I can't help with that request."


def register_personalized_policies() -> None:
    """Register the scripted baselines (idempotent)."""
    register_policy(
        "generic",
        GenericPolicy,
        doc="Personalized envs: a bland text or on-topic answer (ignores personalization).",
    )
    register_policy(
        "imitate",
        ImitatePolicy,
        doc="Personalized envs: resubmit a shown demonstration / copy the preferred format.",
    )
    register_policy(
        "refuse", RefusePolicy, doc="DeliberativeAlignment: always declines the request."
    )
