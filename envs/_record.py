"""The episode record: one JSON object per finished episode.

The agent runtime writes records, the results store appends them to ``episodes.jsonl``, and the
metrics read them. The schema lives in ``envs`` (the bottom layer) so every layer can import it
without depending on the agent runtime. Records carry ``schema_version``; a change that alters
the meaning of a field bumps it and gets a CHANGELOG entry.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = 2
"""Version 2: an action's ``raw`` is left out of the JSON when it is the text of that step's
assistant message (the tags protocol), so each reply is stored once; reading fills it back in.
Version 1 records (``raw`` always written) read the same."""

StopReason = Literal[
    "terminated",
    "truncated",
    "budget_steps",
    "budget_tokens",
    "budget_cost",
    "budget_time",
    "error",
]


class Message(BaseModel):
    """One turn of the conversation, as the model saw or wrote it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["system", "user", "assistant", "tool"]
    """Who wrote it: the system prompt, an environment observation (``user``), the model, or a
    tool result in the tool protocol."""
    content: str
    """The visible text."""
    step: int = 0
    """The env step this turn belongs to (0 for the system prompt and first observation)."""
    reasoning: str | None = None
    """A thinking model's hidden reasoning, when the provider returned it."""
    tool_calls: list[dict[str, Any]] | None = None
    """Native tool calls in the tool protocol: ``{"id", "name", "arguments"}``."""


class ActionRecord(BaseModel):
    """What the model tried at one step and what the environment made of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: int
    """1-based env step."""
    raw: str
    """The env action string: the model's reply (tags) or the encoded tool call (tools)."""
    action: str | None
    """The accepted action as tag text, ``None`` when invalid."""
    valid: bool
    """Whether the environment accepted it."""
    error: str | None = None
    """The environment's error message for an invalid action."""
    perturbed_to: str | None = None
    """The action actually executed when the environment perturbed it."""


class Usage(BaseModel):
    """Token counts summed over the episode's model calls (from the providers' own counts)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    calls: int = 0
    """Model calls made (retries not counted)."""
    cached_calls: int = 0
    """Calls answered by the LLM-call cache."""


class EpisodeRecord(BaseModel):
    """Everything about one finished episode (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_version: int = SCHEMA_VERSION
    """Version of this schema."""
    episode_id: str
    """Deterministic id: the same scenario entry and seed give the same id (resume relies on it)."""
    model: str
    """Model spec string, e.g. ``scripted:oracle`` or ``openai:gpt-4o-mini``."""
    env_id: str
    """Gymnasium ID, e.g. ``telic/Combined-v1``."""
    env_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments passed to ``gymnasium.make``."""
    seed: int
    """Seed passed to ``env.reset``."""
    task: str | None = None
    """The env's task name (``info["task"]``), e.g. ``information_gathering``."""
    n_blocks: int | None = None
    """Number of blocks, for Blocksworld envs."""
    protocol: str = "tags"
    """Action protocol: ``tags`` or ``tools``."""
    variant: str = "neutral"
    """Prompt variant name (neutral, motivating, demotivating, or a custom name)."""
    condition: str | None = None
    """Personalization condition (none, inferred, oracle, placebo, ...) if any."""
    group: str | None = None
    """Id of the stepped-context sequence this episode belongs to, if any."""
    transcript: list[Message] = Field(default_factory=list)
    """The conversation in order."""
    actions: list[ActionRecord] = Field(default_factory=list)
    """One entry per env step."""
    steps: int = 0
    """Env steps taken."""
    terminated: bool = False
    truncated: bool = False
    stop_reason: StopReason = "terminated"
    """Why the episode ended."""
    info: dict[str, Any] = Field(default_factory=dict)
    """The env's last ``info`` (the summary keys included)."""
    completed: bool = False
    """``info["completed"]``: whether the task was carried out to its end."""
    return_: float | None = Field(default=None, alias="return")
    """The task return (``info["return"]``); ``None`` when not completed."""
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None
    """Estimated cost in US dollars, ``None`` when the model's price is unknown."""
    wall_time_s: float = 0.0
    """Wall-clock seconds for the episode."""
    retries: list[dict[str, Any]] = Field(default_factory=list)
    """Every retried provider call: ``{"step", "attempt", "error", "wait_s"}``."""
    errors: list[dict[str, Any]] = Field(default_factory=list)
    """Errors that did not end in a retry success: ``{"step", "kind", "message"}``."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Free-form extras (personalization details, scenario event log, ...)."""

    @model_validator(mode="before")
    @classmethod
    def _fill_raw(cls, data: Any) -> Any:
        """Give back each action the ``raw`` text :meth:`to_json_dict` left out."""
        if not isinstance(data, dict) or not isinstance(data.get("actions"), list):
            return data
        if all(not isinstance(a, dict) or "raw" in a for a in data["actions"]):
            return data
        said = _replies(data.get("transcript") or [])
        data = dict(data)
        data["actions"] = [
            {**a, "raw": said.get(int(a.get("step") or 0), "")}
            if isinstance(a, dict) and "raw" not in a
            else a
            for a in data["actions"]
        ]
        return data

    def to_json_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data, with ``return`` under its public name.

        An action's ``raw`` is left out when it is the text of that step's assistant message,
        so a reply is stored once (reading the record fills it back in)."""
        data = self.model_dump(mode="json", by_alias=True)
        said = _replies(data["transcript"])
        for action in data["actions"]:
            if said.get(action["step"]) == action["raw"]:
                del action["raw"]
        return data


def _replies(transcript: list[Any]) -> dict[int, str]:
    """The text of each step's (last) assistant message, by step."""
    out: dict[int, str] = {}
    for message in transcript:
        if isinstance(message, Message):
            message = message.model_dump()
        if isinstance(message, dict) and message.get("role") == "assistant":
            out[int(message.get("step", 0))] = str(message.get("content", ""))
    return out
