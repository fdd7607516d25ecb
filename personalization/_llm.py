"""Calling any LangChain chat model and reading its reply as plain text.

Every model call of the personalization package goes through :func:`call` / :func:`acall`, so
anything implementing LangChain's ``BaseChatModel`` interface works (provider models, telic's
scripted models, a test fake), and so does the ``agents.Model`` wrapper that
``agents.make_model`` returns, whose ``call``/``acall`` add telic's cache, rate limits and
retries (recognised by duck typing; this package does not import ``agents``). Replies whose
content is a list of blocks (Anthropic) are flattened to their text blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage


def messages(system: str, user: str) -> list[BaseMessage]:
    """A system + user message pair."""
    return [SystemMessage(content=system), HumanMessage(content=user)]


def reply_text(reply: Any) -> str:
    """The text of a model reply (an ``AIMessage``, a string, or content blocks)."""
    content = getattr(reply, "content", reply)
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
        return "".join(parts)
    return str(content)


def _is_wrapped(model: Any) -> bool:
    """Whether ``model`` is an ``agents.Model`` (``call``/``acall`` returning a reply object)."""
    return hasattr(model, "chat") and callable(getattr(model, "call", None))


def call(model: Any, prompt: Sequence[BaseMessage]) -> str:
    """``model.invoke(prompt)`` (or ``agents.Model.call``) as text."""
    if _is_wrapped(model):
        return reply_text(model.call(list(prompt)).message)
    return reply_text(model.invoke(list(prompt)))


async def acall(model: Any, prompt: Sequence[BaseMessage]) -> str:
    """``await model.ainvoke(prompt)`` (or ``agents.Model.acall``) as text."""
    if _is_wrapped(model):
        return reply_text((await model.acall(list(prompt))).message)
    return reply_text(await model.ainvoke(list(prompt)))


def model_name(model: Any) -> str:
    """A readable name of ``model`` for provenance (its ``model_name``/``model`` or class)."""
    for attr in ("spec", "model_spec", "model_name", "model"):
        value = getattr(model, attr, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__
