"""Between telic's and Inspect's data: messages, tool calls, tool schemas and model output.

Three conversions meet here:

* a telic transcript (:class:`envs.Message`) to Inspect chat messages, for the samples of an
  exported run and for the messages an Inspect task leaves in its sample;
* LangChain messages (what telic's agent graph sends a chat model) to Inspect chat messages and
  OpenAI-style tool schemas to Inspect :class:`~inspect_ai.tool.ToolInfo`, so the graph can call
  a model through Inspect's model API;
* Inspect's :class:`~inspect_ai.model.ModelOutput` to a LangChain ``AIMessage`` and back.

Tool calls whose arguments were not a JSON object (a model's malformed call) travel as Inspect
tool calls with empty arguments and the raw text in ``parse_error``, and come back as LangChain
``invalid_tool_calls``, so the environment still sees (and rejects) what the model sent.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    ContentReasoning,
    ContentText,
    ModelOutput,
    ModelUsage,
)
from inspect_ai.tool import ToolCall, ToolInfo, ToolParams
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from envs import Message


def _text(content: Any) -> str:
    """The visible text of a LangChain message content (a string or a list of blocks)."""
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, Mapping) and block.get("type") == "text":
            parts.append(str(block.get("text", "")))
    return "".join(parts)


def _tool_call(call: Mapping[str, Any], fallback_id: str) -> ToolCall:
    """An Inspect tool call for a telic ``{"id", "name", "arguments"}`` call."""
    call_id = str(call.get("id") or fallback_id)
    name = str(call.get("name") or "")
    arguments = call.get("arguments")
    if isinstance(arguments, Mapping):
        return ToolCall(id=call_id, function=name, arguments=dict(arguments))
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return ToolCall(id=call_id, function=name, arguments={}, parse_error=raw)


def transcript_to_inspect(transcript: Sequence[Message], model: str | None) -> list[ChatMessage]:
    """Inspect chat messages for a telic transcript (tool results answer their calls in order).

    Each message carries its env step in ``metadata["step"]``; hidden reasoning becomes a
    :class:`~inspect_ai.model.ContentReasoning` block before the visible text.
    """
    out: list[ChatMessage] = []
    pending: deque[tuple[str, str]] = deque()
    for message in transcript:
        meta = {"step": message.step}
        if message.role == "system":
            out.append(ChatMessageSystem(content=message.content, metadata=meta))
        elif message.role == "user":
            out.append(ChatMessageUser(content=message.content, metadata=meta))
        elif message.role == "assistant":
            calls = [
                _tool_call(c, f"call_{message.step}_{i}")
                for i, c in enumerate(message.tool_calls or [])
            ]
            pending = deque((c.id, c.function) for c in calls)
            content: str | list[Any] = message.content
            if message.reasoning:
                content = [
                    ContentReasoning(reasoning=message.reasoning),
                    ContentText(text=message.content),
                ]
            out.append(
                ChatMessageAssistant(
                    content=content, tool_calls=calls or None, model=model, metadata=meta
                )
            )
        else:
            call_id, function = pending.popleft() if pending else (None, None)
            out.append(
                ChatMessageTool(
                    content=message.content,
                    tool_call_id=call_id,
                    function=function,
                    metadata=meta,
                )
            )
    return out


def langchain_to_inspect(messages: Sequence[BaseMessage]) -> list[ChatMessage]:
    """Inspect chat messages for the LangChain messages telic's agent graph sends a model."""
    out: list[ChatMessage] = []
    names: dict[str, str] = {}
    for message in messages:
        if isinstance(message, SystemMessage):
            out.append(ChatMessageSystem(content=_text(message.content)))
        elif isinstance(message, HumanMessage):
            out.append(ChatMessageUser(content=_text(message.content)))
        elif isinstance(message, AIMessage):
            calls = [
                ToolCall(id=str(c.get("id")), function=c["name"], arguments=dict(c["args"]))
                for c in message.tool_calls
            ]
            calls += [
                ToolCall(
                    id=str(c.get("id")),
                    function=str(c.get("name") or ""),
                    arguments={},
                    parse_error=str(c.get("args")),
                )
                for c in message.invalid_tool_calls
            ]
            names.update({c.id: c.function for c in calls})
            out.append(
                ChatMessageAssistant(content=_text(message.content), tool_calls=calls or None)
            )
        elif isinstance(message, ToolMessage):
            call_id = str(message.tool_call_id)
            out.append(
                ChatMessageTool(
                    content=_text(message.content),
                    tool_call_id=call_id,
                    function=names.get(call_id),
                )
            )
        else:
            out.append(ChatMessageUser(content=_text(message.content)))
    return out


def inspect_to_langchain(messages: Sequence[ChatMessage]) -> list[BaseMessage]:
    """LangChain messages for Inspect chat messages (what a telic model reads)."""
    out: list[BaseMessage] = []
    for message in messages:
        if isinstance(message, ChatMessageSystem):
            out.append(SystemMessage(content=message.text))
        elif isinstance(message, ChatMessageUser):
            out.append(HumanMessage(content=message.text))
        elif isinstance(message, ChatMessageAssistant):
            valid = []
            invalid = []
            for call in message.tool_calls or []:
                if call.parse_error is not None:
                    invalid.append({"id": call.id, "name": call.function, "args": call.parse_error})
                else:
                    valid.append({"id": call.id, "name": call.function, "args": call.arguments})
            out.append(
                AIMessage(content=message.text, tool_calls=valid, invalid_tool_calls=invalid)
            )
        elif isinstance(message, ChatMessageTool):
            out.append(ToolMessage(content=message.text, tool_call_id=str(message.tool_call_id)))
    return out


def tools_to_inspect(tools: Sequence[Mapping[str, Any]]) -> list[ToolInfo]:
    """Inspect tool descriptions for OpenAI-style function schemas (what envs declare)."""
    infos = []
    for tool in tools:
        function = tool.get("function", tool)
        infos.append(
            ToolInfo(
                name=str(function["name"]),
                description=str(function.get("description") or function["name"]),
                parameters=ToolParams.model_validate(function.get("parameters") or {}),
            )
        )
    return infos


def tools_from_inspect(tools: Sequence[ToolInfo]) -> list[dict[str, Any]]:
    """OpenAI-style function schemas for Inspect tool descriptions."""
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": t.parameters.model_dump(exclude_none=True),
            },
        }
        for t in tools
    ]


def output_to_langchain(output: ModelOutput) -> AIMessage:
    """A LangChain ``AIMessage`` for an Inspect model output (text, reasoning, calls, usage)."""
    message = output.message
    reasoning = []
    if isinstance(message.content, list):
        reasoning = [
            block.reasoning
            for block in message.content
            if isinstance(block, ContentReasoning) and not block.redacted
        ]
    valid = []
    invalid = []
    for call in message.tool_calls or []:
        if call.parse_error is not None:
            invalid.append(
                {"id": call.id, "name": call.function, "args": call.parse_error, "error": None}
            )
        else:
            valid.append({"id": call.id, "name": call.function, "args": dict(call.arguments)})
    extra = {"reasoning_content": "\n\n".join(reasoning)} if reasoning else {}
    ai = AIMessage(
        content=message.text,
        tool_calls=valid,
        invalid_tool_calls=invalid,
        additional_kwargs=extra,
    )
    if output.usage is not None:
        ai.usage_metadata = {
            "input_tokens": output.usage.input_tokens,
            "output_tokens": output.usage.output_tokens,
            "total_tokens": output.usage.total_tokens,
        }
    return ai


def output_from_langchain(message: AIMessage, model: str) -> ModelOutput:
    """An Inspect model output for a LangChain ``AIMessage`` (from a telic model)."""
    calls = [
        ToolCall(id=str(c.get("id")), function=c["name"], arguments=dict(c["args"]))
        for c in message.tool_calls
    ]
    calls += [
        ToolCall(
            id=str(c.get("id")),
            function=str(c.get("name") or ""),
            arguments={},
            parse_error=str(c.get("args")),
        )
        for c in message.invalid_tool_calls
    ]
    usage: Mapping[str, Any] = message.usage_metadata or {}
    return ModelOutput(
        model=model,
        choices=[
            ChatCompletionChoice(
                message=ChatMessageAssistant(
                    content=_text(message.content),
                    tool_calls=calls or None,
                    model=model,
                    source="generate",
                ),
                stop_reason="tool_calls" if calls else "stop",
            )
        ],
        usage=ModelUsage(
            input_tokens=int(usage.get("input_tokens", 0) or 0),
            output_tokens=int(usage.get("output_tokens", 0) or 0),
            total_tokens=int(usage.get("total_tokens", 0) or 0),
        ),
    )
