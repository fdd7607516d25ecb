"""Scripted policies as LangChain chat models (``scripted:<policy>``).

:class:`ScriptedChatModel` reads the conversation like a model would: it takes the observation
texts (user and tool messages, oldest first), asks the registered policy of that name which
handles the task, and answers with the policy's tag text, or with one tool call when tools are
bound. Its randomness is a generator seeded from (the ``seed`` option mixed with the episode's
env seed, the number of observations, a stable hash of the observations), so a run replays
exactly, two runs with the same seeds give identical records, and episodes with different env
seeds draw independently even when their observations read alike. A policy that declares
``reads_system_prompt = True`` also gets the system prompt's text as the keyword
``system_prompt`` (how the preference-aware ``personal_oracle`` reads a personalization
block); every other policy is called as before.
Token usage is estimated as characters // 4 so the usage paths of the runtime are exercised
offline.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

from agents._chat_base import ToolBindingChatModel
from agents._moves import episode_seed_of, policy_rng, scripted_move
from envs import Policy, PolicyAction, make_policies

__all__ = [
    "ScriptedChatModel",
    "episode_seed_of",
    "message_text",
    "observations_of",
    "policy_rng",
    "scripted_move",
    "tool_call_of",
]


def message_text(message: BaseMessage) -> str:
    """The text of a message whose content may be a string or a list of blocks."""
    content = message.content
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, Mapping) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def observations_of(messages: Sequence[BaseMessage]) -> list[str]:
    """The observation texts of a conversation: its user and tool messages, in order."""
    return [message_text(m) for m in messages if m.type in ("human", "tool")]


def tool_call_of(move: PolicyAction, index: int) -> dict[str, Any]:
    """A LangChain tool call for ``move`` with a deterministic id."""
    return {"name": move.name, "args": dict(move.args), "id": f"call_{index}", "type": "tool_call"}


class ScriptedChatModel(ToolBindingChatModel):
    """A LangChain chat model that plays a registered scripted policy (see the module doc)."""

    policy: str
    """Registered policy name (``oracle``, ``random``, ...)."""
    params: dict[str, Any] = Field(default_factory=dict)
    """The policy's parameters."""
    seed: int = 0
    """Seed of the policy's randomness."""
    episode_seed: int | None = None
    """The env seed of the episode being played, set by :meth:`for_episode`; mixed into every
    draw so that episodes whose first observations read alike still draw independently."""
    _policies: list[Policy] = PrivateAttr(default_factory=list)
    _mixed_seed: int = PrivateAttr(default=0)

    def model_post_init(self, context: Any, /) -> None:
        self._mixed_seed = episode_seed_of(self.seed, self.episode_seed)
        self._policies = make_policies(self.policy, seed=self._mixed_seed, **self.params)

    def for_episode(self, episode_seed: int) -> ScriptedChatModel:
        """This model for one episode (the agent runtime calls it with the env seed)."""
        copy = self.model_copy(update={"episode_seed": episode_seed})
        copy.model_post_init(None)  # the policies take the mixed seed
        return copy

    @property
    def _llm_type(self) -> str:
        return "telic-scripted"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"policy": self.policy, "params": self.params, "seed": self.seed}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        observations = observations_of(messages)
        system = "\n\n".join(message_text(m) for m in messages if m.type == "system")
        move = scripted_move(self._policies, observations, self._mixed_seed, system or None)
        tools = kwargs.get("tools")
        if tools:
            call = tool_call_of(move, len(observations))
            message = AIMessage(content="", tool_calls=[call])
            produced = json.dumps({"name": move.name, "arguments": call["args"]})
        else:
            message = AIMessage(content=move.text)
            produced = move.text
        prompt_chars = sum(len(message_text(m)) for m in messages)
        usage = {
            "input_tokens": prompt_chars // 4,
            "output_tokens": len(produced) // 4,
            "total_tokens": prompt_chars // 4 + len(produced) // 4,
        }
        message.usage_metadata = usage  # type: ignore[assignment]
        return ChatResult(generations=[ChatGeneration(message=message)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Pure computation: no need for the default thread-pool hop.
        return self._generate(messages, stop=stop, **kwargs)
