"""Between telic's transcript (:class:`envs.Message`) and LangChain messages.

* :func:`read_reply` reads a model's ``AIMessage``: visible text, hidden reasoning (content
  blocks of type ``thinking``/``reasoning`` or ``additional_kwargs["reasoning_content"]``),
  tool calls (valid and unparsable ones) and token usage.
* :func:`action_string` turns a reply into the env's action string for a protocol.
* :func:`select_context` applies the sliding window; :func:`to_langchain` builds the messages a
  chat model receives (one system message first, tool results answering their calls).
"""

from __future__ import annotations

import json
import operator
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from agents._identity import IdentityCache
from envs import Message, encode_tool_call


@dataclass(frozen=True)
class Reply:
    """What one model reply contains, provider-independently."""

    text: str
    """The visible text (text blocks joined)."""
    reasoning: str | None = None
    """Hidden reasoning the provider returned, if any."""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """``{"id", "name", "arguments"}``; ``arguments`` is the raw string for unparsable calls."""
    native: Any = None
    """The provider's content when it is a list of blocks (sent back verbatim next turn)."""
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


def _block_reasoning(block: Mapping[str, Any]) -> str:
    for key in ("thinking", "reasoning", "text"):
        value = block.get(key)
        if isinstance(value, str) and value:
            return value
    summary = block.get("summary")
    if isinstance(summary, list):
        return "\n".join(
            str(item.get("text", "")) for item in summary if isinstance(item, Mapping)
        ).strip()
    return ""


def read_reply(message: BaseMessage) -> Reply:
    """Read an ``AIMessage`` into a :class:`Reply`."""
    content = message.content
    texts: list[str] = []
    thoughts: list[str] = []
    native = None
    if isinstance(content, str):
        texts.append(content)
    else:
        native = content
        for block in content:
            if isinstance(block, str):
                texts.append(block)
            elif isinstance(block, Mapping):
                kind = block.get("type")
                if kind == "text":
                    texts.append(str(block.get("text", "")))
                elif kind in ("thinking", "reasoning"):
                    thoughts.append(_block_reasoning(block))
    extra = getattr(message, "additional_kwargs", {}) or {}
    for key in ("reasoning_content", "reasoning"):
        value = extra.get(key)
        if isinstance(value, str) and value.strip():
            thoughts.append(value)
    calls: list[dict[str, Any]] = []
    for call in getattr(message, "tool_calls", []) or []:
        calls.append({"id": call.get("id"), "name": call["name"], "arguments": call["args"]})
    for call in getattr(message, "invalid_tool_calls", []) or []:
        calls.append(
            {"id": call.get("id"), "name": call.get("name") or "", "arguments": call.get("args")}
        )
    usage = getattr(message, "usage_metadata", None) or {}
    reasoning = "\n\n".join(t for t in thoughts if t.strip()) or None
    return Reply(
        text="".join(texts),
        reasoning=reasoning,
        tool_calls=calls,
        native=native,
        input_tokens=int(usage.get("input_tokens", 0) or 0),
        output_tokens=int(usage.get("output_tokens", 0) or 0),
        total_tokens=int(usage.get("total_tokens", 0) or 0),
    )


def _call_json(call: Mapping[str, Any]) -> str:
    args = call.get("arguments")
    if isinstance(args, Mapping):
        return encode_tool_call(str(call.get("name") or ""), args)
    # Unparsable or non-object arguments travel as they are; the env rejects them.
    return json.dumps({"name": call.get("name") or "", "arguments": args}, sort_keys=True)


def action_string(reply: Reply, protocol: str) -> str:
    """The ``env.step`` action of a reply.

    Tags: the whole reply text. Tools: the encoded call when there is exactly one; an empty
    string for no call and a JSON list of the calls for several (both rejected by the env, so
    they become its error observation and are counted as invalid actions).
    """
    if protocol != "tools":
        return reply.text
    if not reply.tool_calls:
        return ""
    if len(reply.tool_calls) == 1:
        return _call_json(reply.tool_calls[0])
    return json.dumps([json.loads(_call_json(c)) for c in reply.tool_calls], sort_keys=True)


Entry = tuple[Message, Any]


def select_context(
    transcript: Sequence[Message],
    native: Sequence[Any],
    prior: Sequence[Message],
    window: int | None,
    prior_entries: Sequence[Entry] | None = None,
) -> list[Entry]:
    """The messages the model sees, as (message, native content) pairs.

    One system message leads (the transcript's latest, so a ``set_prompt`` event takes
    effect), then the prior transcript's non-system messages, then this episode's. With a
    ``window``, the prior messages are dropped and only the episode's first observation and its
    ``window`` most recent turns (a reply plus the observation(s) answering it) are kept.
    ``prior_entries``: the prior's entries already made (:meth:`Conversation.prior_entries`).
    """
    system: Entry | None = None
    body: list[Entry] = []
    for message, content in zip(transcript, native, strict=True):
        if message.role == "system":
            system = (message, None)
        else:
            body.append((message, content))
    head: list[Entry] = [system] if system is not None else []
    if window is None:
        if prior_entries is None:
            prior_entries = [(m, None) for m in prior if m.role != "system"]
        return [*head, *prior_entries, *body]
    first, rest = body[:1], body[1:]
    turns: list[list[Entry]] = []
    for entry in rest:
        if entry[0].role == "assistant" or not turns:
            turns.append([entry])
        else:
            turns[-1].append(entry)
    kept = [entry for turn in turns[-window:] for entry in turn]
    return head + first + kept


class MadeMessages(IdentityCache[BaseMessage]):
    """LangChain messages made for transcript messages, by transcript message object.

    A transcript message is immutable (``envs.Message`` is frozen) and the LangChain message
    made for it depends on it alone, so the one made for an earlier call (of this episode, or
    of an earlier one whose transcript prefixes this one) is reused; it is then the same
    object at every call, which lets the request path reuse its serialized form too
    (``agents._fastpath.SentMessages``). An entry lives as long as its transcript message (a
    weak reference drops it).
    """


#: The process's :class:`MadeMessages` (every episode's context uses it).
MADE = MadeMessages()


def to_langchain(entries: Sequence[Entry], made: MadeMessages | None = None) -> list[BaseMessage]:
    """LangChain messages for ``entries`` (see :func:`select_context`).

    ``made``: the LangChain messages made for earlier calls (:class:`MadeMessages`); the
    system, user and assistant messages found there are reused rather than made again, so a
    step costs the same however long the conversation is. Tool messages are always made afresh
    (their call ids depend on the messages before them), and so are assistant messages with
    native content.
    """
    out: list[BaseMessage] = []
    _extend_langchain(out, deque(), entries, made)
    return out


def _extend_langchain(
    out: list[BaseMessage], pending: deque[str], entries: Sequence[Entry], made: MadeMessages | None
) -> None:
    """Append the LangChain messages of ``entries`` to ``out``; ``pending`` holds the tool-call
    ids of the last assistant message not yet answered (updated in place)."""
    for message, content in entries:
        known = None if made is None or content is not None else made.get(message)
        reused = known is not None
        if message.role == "system":
            known = known or SystemMessage(content=message.content)
            out.append(known)
        elif message.role == "user":
            known = known or HumanMessage(content=message.content)
            out.append(known)
        elif message.role == "assistant":
            pending.clear()
            if known is not None:
                for call in message.tool_calls or []:
                    pending.append(str(call.get("id") or f"call_{message.step}_{len(pending)}"))
                out.append(known)
                continue
            valid, invalid = [], []
            for call in message.tool_calls or []:
                call_id = str(call.get("id") or f"call_{message.step}_{len(pending)}")
                pending.append(call_id)
                args = call.get("arguments")
                if isinstance(args, dict):
                    valid.append({"id": call_id, "name": call["name"], "args": args})
                else:
                    raw = args if isinstance(args, str) else json.dumps(args)
                    invalid.append(
                        {"id": call_id, "name": call["name"], "args": raw, "error": None}
                    )
            known = AIMessage(
                content=content if content is not None else message.content,
                tool_calls=valid,
                invalid_tool_calls=invalid,
            )
            out.append(known)
        else:
            known = None
            call_id = pending.popleft() if pending else f"call_{message.step}_orphan"
            out.append(ToolMessage(content=message.content, tool_call_id=call_id))
        if made is not None and known is not None and content is None and not reused:
            made.put(message, known)


#: LangChain messages of recent priors (see :meth:`Conversation.langchain`), by the identity
#: of the prior's last message: (the prior's messages, their LangChain messages, the tool-call
#: ids left unanswered at its end).
_PRIOR_VIEWS: OrderedDict[int, tuple[tuple[Message, ...], list[BaseMessage], tuple[str, ...]]]
_PRIOR_VIEWS = OrderedDict()
PRIOR_VIEWS_KEPT = 16


class Conversation:
    """One episode's LangChain messages, extended step by step.

    An episode sends its conversation again at every step with a few messages added at the
    end. :meth:`langchain` returns what :func:`to_langchain` returns for the entries, but when
    the entries of the previous call lead the new ones (one list comparison at C speed, each
    entry compared by identity first) it converts only the entries added since, so a step's
    Python work does not grow with the conversation. The prior's LangChain messages are made
    once and shared by the episodes that carry the same prior (the same message objects, as
    a stepped-context sequence or a benchmark passes them), so an episode's first step does
    not walk the prior either.
    """

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._out: list[BaseMessage] = []
        self._pending: deque[str] = deque()
        self._prior: tuple[Sequence[Message], list[Entry], tuple[Message, ...]] | None = None

    def prior_entries(self, prior: Sequence[Message]) -> list[Entry]:
        """The entries of ``prior``'s non-system messages (made once per prior)."""
        if self._prior is None or self._prior[0] is not prior:
            entries = [(m, None) for m in prior if m.role != "system"]
            self._prior = (prior, entries, tuple(m for m, _ in entries))
        return self._prior[1]

    def langchain(
        self, entries: Sequence[Entry], made: MadeMessages | None = None
    ) -> list[BaseMessage]:
        """:func:`to_langchain` of ``entries``, reusing the previous call's messages."""
        done = len(self._entries)
        if not (done and len(entries) >= done and self._entries == entries[:done]):
            done, self._out, self._pending = 0, [], deque()
            if made is not None:
                done = self._start_with_prior(entries, made)
        self._entries = list(entries)
        _extend_langchain(self._out, self._pending, entries[done:], made)
        return list(self._out)

    def _start_with_prior(self, entries: Sequence[Entry], made: MadeMessages) -> int:
        """Put the LangChain messages of the head (a system message) and of the prior's entries
        in ``_out`` when ``entries`` begin with them, from :data:`_PRIOR_VIEWS` if the same
        prior was made before; returns how many entries that covers (0: none)."""
        if self._prior is None or not self._prior[1]:
            return 0
        _, block, messages = self._prior
        size = len(block)
        for start in (1, 0):  # after a system message, or first
            if len(entries) >= start + size and entries[start : start + size] == block:
                break
        else:
            return 0
        _extend_langchain(self._out, self._pending, entries[:start], made)
        if self._pending:
            return start
        key = id(messages[-1])
        view = _PRIOR_VIEWS.get(key)
        if view is None or len(view[0]) != size or not all(map(operator.is_, view[0], messages)):
            out: list[BaseMessage] = []
            pending: deque[str] = deque()
            _extend_langchain(out, pending, block, made)
            view = (messages, out, tuple(pending))
            _PRIOR_VIEWS[key] = view
            while len(_PRIOR_VIEWS) > PRIOR_VIEWS_KEPT:
                _PRIOR_VIEWS.popitem(last=False)
        _PRIOR_VIEWS.move_to_end(key)
        self._out.extend(view[1])
        self._pending.extend(view[2])
        return start + size


def observation_messages(
    reply: Reply | None, observation: str, step: int, protocol: str
) -> list[Message]:
    """The transcript messages carrying an env observation after ``reply``.

    In the tools protocol every tool call of the reply is answered by a tool message (the
    providers require an answer per call); a reply without calls is answered by a user message.
    In the tags protocol the observation is a user message.
    """
    if protocol == "tools" and reply is not None and reply.tool_calls:
        return [Message(role="tool", content=observation, step=step) for _ in reply.tool_calls]
    return [Message(role="user", content=observation, step=step)]
