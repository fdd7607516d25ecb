"""Wire formats of the fake provider: reading requests and writing responses.

Covers what telic's clients send and read: OpenAI chat completions (``messages``, ``tools``,
``tool_calls`` with JSON-string arguments, ``usage``) and Anthropic messages (``system``,
content blocks, ``tool_use``/``tool_result`` blocks, ``usage``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FakeRequest:
    """A chat request as the responder sees it."""

    api: str
    """``openai`` or ``anthropic``."""
    model: str
    """The ``model`` field of the request."""
    observations: list[str]
    """User and tool-result texts, oldest first (what a scripted policy reads)."""
    tools: list[str] | None
    """Names of the tools bound, ``None`` when there are none."""
    body: dict[str, Any]
    """The decoded request body."""
    index: int
    """0-based number of this request on the server."""


@dataclass(frozen=True)
class FakeReply:
    """What the responder answers; the server writes it in the request's wire format."""

    text: str = ""
    """The visible text."""
    tool_calls: Sequence[tuple[str, Any]] = field(default_factory=tuple)
    """``(name, arguments)`` pairs; arguments a dict, or (OpenAI only) a raw string sent as is."""
    reasoning: str | None = None
    """Hidden reasoning: a ``thinking`` block (Anthropic) or ``reasoning_content`` (OpenAI)."""


def _parts_text(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    out = []
    for part in content or []:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Mapping) and part.get("type") == "text":
            out.append(str(part.get("text", "")))
    return ["".join(out)] if out else []


def openai_observations(body: Mapping[str, Any]) -> list[str]:
    """Observation texts of an OpenAI chat-completions request."""
    out: list[str] = []
    for message in body.get("messages", []):
        if message.get("role") in ("user", "tool"):
            out.extend(_parts_text(message.get("content")) or [""])
    return out


def anthropic_observations(body: Mapping[str, Any]) -> list[str]:
    """Observation texts of an Anthropic messages request (each user block is one)."""
    out: list[str] = []
    for message in body.get("messages", []):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            out.append(content)
            continue
        for block in content or []:
            if not isinstance(block, Mapping):
                continue
            if block.get("type") == "text":
                out.append(str(block.get("text", "")))
            elif block.get("type") == "tool_result":
                out.append("".join(_parts_text(block.get("content"))))
    return out


def tool_names(body: Mapping[str, Any]) -> list[str] | None:
    """Names of the tools in a request of either format."""
    tools = body.get("tools")
    if not tools:
        return None
    names = []
    for tool in tools:
        fn = tool.get("function", tool)
        names.append(str(fn.get("name")))
    return names


def _tokens(body: Mapping[str, Any], reply: FakeReply) -> tuple[int, int]:
    prompt = len(json.dumps(body.get("messages", []))) // 4 + len(str(body.get("system", ""))) // 4
    produced = reply.text + "".join(f"{n}{json.dumps(a)}" for n, a in reply.tool_calls)
    return max(1, prompt), max(1, len(produced) // 4)


def openai_response(body: Mapping[str, Any], reply: FakeReply, index: int) -> dict[str, Any]:
    """A chat-completions response body."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.reasoning:
        message["reasoning_content"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{index}_{i}",
                "type": "function",
                "function": {
                    "name": name,
                    "arguments": args if isinstance(args, str) else json.dumps(args),
                },
            }
            for i, (name, args) in enumerate(reply.tool_calls)
        ]
    prompt, completion = _tokens(body, reply)
    return {
        "id": f"chatcmpl-fake-{index}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": str(body.get("model", "fake")),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def anthropic_response(body: Mapping[str, Any], reply: FakeReply, index: int) -> dict[str, Any]:
    """A messages response body."""
    content: list[dict[str, Any]] = []
    if reply.reasoning:
        content.append({"type": "thinking", "thinking": reply.reasoning, "signature": "fake"})
    if reply.text or not reply.tool_calls:
        content.append({"type": "text", "text": reply.text})
    for i, (name, args) in enumerate(reply.tool_calls):
        value = args if isinstance(args, Mapping) else {"raw": args}
        content.append({"type": "tool_use", "id": f"toolu_{index}_{i}", "name": name,
                        "input": dict(value)})  # fmt: skip
    prompt, completion = _tokens(body, reply)
    return {
        "id": f"msg_fake_{index}",
        "type": "message",
        "role": "assistant",
        "model": str(body.get("model", "fake")),
        "content": content,
        "stop_reason": "tool_use" if reply.tool_calls else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": prompt, "output_tokens": completion},
    }


def error_body(api: str, status: int, message: str) -> dict[str, Any]:
    """An error body in the API's format."""
    kinds = {429: "rate_limit_error", 500: "api_error", 503: "overloaded_error"}
    kind = kinds.get(status, "invalid_request_error")
    if api == "anthropic":
        return {"type": "error", "error": {"type": kind, "message": message}}
    return {"error": {"message": message, "type": kind, "code": str(status)}}
