"""What an episode run is configured with: the agent's prompt options, budgets and events.

These are frozen, validated data; the logic that uses them lives in the graph and the runner.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: The motivational sentences of spec 4.4, in our own words. ``neutral`` adds nothing.
PROMPT_VARIANTS: MappingProxyType[str, str | None] = MappingProxyType(
    {
        "neutral": None,
        "motivating": "Give this your very best effort and make every action count.",
        "demotivating": "Don't worry much about this; how it turns out doesn't really matter.",
    }
)

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class Budget(BaseModel):
    """Limits that stop an episode early (``None`` means no limit).

    Each limit is checked before every model call; an episode that hits one ends with
    ``stop_reason`` ``budget_steps``, ``budget_tokens``, ``budget_cost`` or ``budget_time``.
    The env's own step cap always applies as well (``stop_reason="truncated"``).
    """

    model_config = _FROZEN

    max_steps: int | None = Field(default=None, ge=1)
    """Most env steps the agent may take."""
    max_tokens: int | None = Field(default=None, ge=1)
    """Most tokens (input plus output, summed over calls) the episode may use."""
    max_cost_usd: float | None = Field(default=None, gt=0)
    """Most estimated US dollars the episode may cost (needs a known model price)."""
    max_wall_time_s: float | None = Field(default=None, gt=0)
    """Most wall-clock seconds the episode may take."""


class AgentConfig(BaseModel):
    """How the agent is prompted and limited in one episode."""

    model_config = _FROZEN

    extra_prompt: str | None = None
    """A sentence appended to the system prompt after a blank line (see
    :data:`PROMPT_VARIANTS`); ``None`` for the neutral prompt."""
    personalization: str | None = None
    """A personalization block (e.g. rendered hypotheses about the user), appended to the system
    prompt as its own paragraph, separate from the task instructions."""
    history_window: int | None = Field(default=None, ge=1)
    """Keep only this many most recent turns (one reply plus the observation answering it) after
    the system prompt and the episode's first observation; ``None`` keeps the full history."""
    budget: Budget = Field(default_factory=Budget)
    """Limits that end the episode early."""
    sample_index: int = Field(default=0, ge=0)
    """Which sample of the same conversation this is (repeated runs of one seed); part of the
    LLM-call cache key so repeated samples are not answered from one cached call."""
    system_prompt: str | None = None
    """Replace the built-in system prompt entirely (the extra prompt and personalization block
    are still appended). ``None`` uses the built-in one for the env's protocol."""


EventKind = Literal["user_message", "perturb", "set_prompt"]


class Event(BaseModel):
    """A scripted scenario event, applied at one env step.

    * ``user_message``: ``text`` is appended (after a blank line) to the observation that step
      ``at_step`` returns (``at_step=0`` is the first observation).
    * ``perturb``: ``env.unwrapped.force_perturbation()`` is called before step ``at_step``,
      so that step's action is perturbed (an error is recorded if the env cannot do that).
    * ``set_prompt``: ``text`` replaces the extra prompt from the model call that produces
      step ``at_step`` on (an empty text removes it).
    """

    model_config = _FROZEN

    at_step: int = Field(ge=0)
    """The env step the event belongs to (1-based; 0 is the reset)."""
    kind: EventKind
    """What happens."""
    text: str = ""
    """The message (``user_message``) or the new extra prompt (``set_prompt``)."""

    @model_validator(mode="after")
    def _check(self) -> Event:
        if self.kind == "perturb" and self.at_step < 1:
            raise ValueError(
                f"a perturb event perturbs the action of a step, so at_step must be >= 1, "
                f"got {self.at_step}"
            )
        if self.kind == "user_message" and not self.text:
            raise ValueError("a user_message event needs a non-empty text")
        return self


def variant_name(extra_prompt: str | None) -> str:
    """The :data:`PROMPT_VARIANTS` name of an extra prompt, or ``custom``."""
    for name, text in PROMPT_VARIANTS.items():
        if text == extra_prompt:
            return name
    return "custom"
