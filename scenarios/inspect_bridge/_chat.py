"""Inspect's model API as a LangChain chat model, so telic's agent graph can play through it.

:class:`InspectChatModel` forwards every call of the agent graph to an Inspect
:class:`~inspect_ai.model.Model` (``generate`` with the env's tools in the tools protocol).
Inspect then does what it does for any model call: its own retries, rate limits, caching,
usage accounting and a model event in the sample's transcript. Only the async path exists,
because Inspect's solvers are async (:func:`agents.arun_episode` uses it).

When the Inspect model is telic's own provider (``telic/<spec>``), the env seed of the episode
is passed on as the generation seed, which that provider hands to the telic model's
``for_episode`` as ``telic run`` does: a scripted policy then draws exactly what it draws in
``telic run``. Other providers never get a seed from telic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from inspect_ai.model import GenerateConfig, Model
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict

from scenarios.inspect_bridge._convert import (
    langchain_to_inspect,
    output_to_langchain,
    tools_to_inspect,
)


class InspectChatModel(BaseChatModel):
    """A LangChain chat model whose calls go to an Inspect model (see the module doc)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: Model
    """The Inspect model (``get_model()`` inside a solver: the model under evaluation)."""
    config: GenerateConfig = GenerateConfig()
    """Generation options for every call (Inspect merges them with the eval's)."""
    episode_seed: int | None = None
    """The env seed of the episode (set by :meth:`for_episode`)."""

    def for_episode(self, episode_seed: int) -> InspectChatModel:
        """This model for one episode (telic's agent runtime calls it with the env seed)."""
        return self.model_copy(update={"episode_seed": episode_seed})

    def _call_config(self) -> GenerateConfig:
        from scenarios.inspect_bridge._provider import TelicModelAPI

        if self.episode_seed is not None and isinstance(self.model.api, TelicModelAPI):
            return self.config.merge(GenerateConfig(seed=self.episode_seed))
        return self.config

    @property
    def _llm_type(self) -> str:
        return "inspect"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable | Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools: each call passes them to Inspect's ``generate``."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        raise RuntimeError(
            "InspectChatModel only answers async calls (Inspect solvers are async); "
            "play the episode with agents.arun_episode"
        )

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = tools_to_inspect(kwargs.get("tools") or [])
        output = await self.model.generate(
            langchain_to_inspect(messages), tools=tools, config=self._call_config()
        )
        if output.error and not output.choices:
            raise RuntimeError(f"the Inspect model returned an error: {output.error}")
        return ChatResult(generations=[ChatGeneration(message=output_to_langchain(output))])
