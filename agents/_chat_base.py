"""The base of telic's own chat models (scripted policies, the embedded local model).

Neither has native tool calling, so binding tools only records their schemas for the call;
each model's ``_generate`` decides how a bound tool shows up in its reply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable
from langchain_core.utils.function_calling import convert_to_openai_tool


class ToolBindingChatModel(BaseChatModel):
    """A chat model whose ``bind_tools`` passes OpenAI-style schemas as the ``tools`` kwarg."""

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable | Any],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools: ``_generate`` receives them as ``tools`` (OpenAI function schemas)."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)
