"""``scripted:personal_writer``: writes the requested message in the style stated in the prompt.

For ``telic/PersonalizedMessage-v0``; also registered under ``personal_oracle``, so that one
scripted model plays both simulated-user worlds. Like the Blocksworld ``personal_oracle`` it
reads the system prompt's ``telic-preferences:`` line (``reads_system_prompt = True``); with no
line it writes a short, formal message signed with the bare name (a neutral default),
otherwise the length, formality and sign-off the line states. The wording comes from a
generator seeded by the policy's ``seed`` and the episode's first observation, so a run
replays exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from envs import PolicyAction, register_policy
from envs.blocksworld.extend import digest
from personalization.users import _texts as T
from personalization.users._line import parse_preference_line
from personalization.users._profiles import valid_claim


def _first(observations: Sequence[str]) -> str | None:
    for text in reversed(observations):
        if T.MESSAGE_INTRO in text:
            return text
    return None


def _request(first: str) -> T.WritingRequest:
    prompt = next(
        (line[len(T.TASK_LINE) :] for line in first.splitlines() if line.startswith(T.TASK_LINE)),
        "Write a short message.",
    )
    for request in T.WRITING_REQUESTS:
        if request.prompt == prompt:
            return request
    return T.WritingRequest(prompt, "there", (prompt,), (prompt,))


class PersonalWriterPolicy:
    """Writes the message of a ``PersonalizedMessage`` episode (module docstring).

    Args:
        measurements_per_block: ignored; accepted (like ``frugal_measurements``) because this
            policy is also registered under ``personal_oracle``, so that one scripted model
            plays both worlds with the same options.
        frugal_measurements: ignored (see above).
        seed: mixed into the generator of the wording.
    """

    reads_system_prompt: ClassVar[bool] = True

    def __init__(
        self, *, measurements_per_block: int = 10, frugal_measurements: int = 2, seed: int = 0
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        self.seed = seed

    def handles(self, observations: Sequence[str]) -> bool:
        """Whether the conversation holds a personalized-message task."""
        return _first(observations) is not None

    def act(
        self,
        observations: Sequence[str],
        rng: np.random.Generator,
        system_prompt: str | None = None,
    ) -> PolicyAction:
        """The message, in the stated style (the neutral default without a preference line)."""
        first = _first(observations)
        if first is None:
            raise LookupError("no personalized-message task found in the observations")
        prefs = parse_preference_line(system_prompt) or {}
        match = T.SIGN_AS_RE.search(first)
        name = match.group(1) if match else "Me"
        sign_off = prefs.get("sign_off")
        first_digest = digest(first)
        text = T.compose_message(
            _request(first),
            length="long" if prefs.get("length") == "long" else "short",
            formality="casual" if prefs.get("formality") == "casual" else "formal",
            sign_off=sign_off if valid_claim("sign_off", sign_off) else None,
            name=name,
            rng=np.random.default_rng([self.seed % 2**32, first_digest]),
        )
        return PolicyAction(
            name="submit_message", args={"text": text}, text=f"<message>{text}</message>"
        )


def register_writer_policy() -> None:
    """Register ``personal_writer``, and the same policy under ``personal_oracle`` for the
    message env (idempotent)."""
    register_policy(
        "personal_writer",
        PersonalWriterPolicy,
        doc="Users: writes the requested message in the style the personalization block states.",
    )
    register_policy("personal_oracle", PersonalWriterPolicy)
