"""Test doubles of the personalization tests: a small fake chat model answering via a function."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

os.environ.setdefault("LANGCHAIN_TRACING_V2", "false")

FIXTURES = Path(__file__).parent / "fixtures"


class FakeChat(BaseChatModel):
    """Answers each call with ``respond(messages)``; records every prompt it was sent."""

    respond: Callable[[list[BaseMessage]], str]
    """Maps the prompt to the reply text."""
    calls: list[list[BaseMessage]] = Field(default_factory=list)
    """Every prompt received, in order."""
    model_name: str = "fake-chat"

    @property
    def _llm_type(self) -> str:
        return "fake-chat"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.calls.append(list(messages))
        text = self.respond(list(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def fixed(text: str, name: str = "fake-chat") -> FakeChat:
    """A fake model that always answers ``text``."""
    return FakeChat(respond=lambda _m: text, model_name=name)


def scripted(replies: Sequence[str]) -> FakeChat:
    """A fake model that answers ``replies`` in turn (cycling)."""
    state = {"i": 0}

    def respond(_m: list[BaseMessage]) -> str:
        reply = replies[state["i"] % len(replies)]
        state["i"] += 1
        return reply

    return FakeChat(respond=respond)


def user_text(messages: Sequence[BaseMessage]) -> str:
    """The text of the last user message of a prompt."""
    return str(messages[-1].content)
