"""The chat-completions fast path sends what ``create()`` sends.

Each case makes the same call twice through ``ChatOpenAI``, once with telic's stand-in
completions resource and once with the SDK's own ``create()`` (the switch off), and captures
the HTTP requests at the transport. The bodies must be JSON-equal (same keys, same values; the
SDK's key order differs, so not byte-identical) and of the same length in bytes (same
separators and escaping), and every header must match. Both action protocols (tags: plain
messages; tools: tool schemas, assistant tool calls and tool results), reasoning options and
extra bodies are covered, sync and async.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agents import make_model
from agents._fastpath import ENV_SWITCH, FastCompletions, split_request

_REPLY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 0,
    "model": "fake",
    "choices": [
        {
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {
                "role": "assistant",
                "content": "thinking <action>move(A, B)</action>",
                "reasoning_content": "A is clear",
                "tool_calls": [
                    {
                        "id": "call_9",
                        "type": "function",
                        "function": {"name": "move", "arguments": '{"block": "A", "to": "B"}'},
                    }
                ],
            },
        }
    ],
    "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
}

_TOOL = {
    "type": "function",
    "function": {
        "name": "move",
        "description": "Move a clear block onto another block or the table.",
        "parameters": {
            "type": "object",
            "properties": {"block": {"type": "string"}, "to": {"type": "string"}},
            "required": ["block", "to"],
        },
    },
}


def _history(n_turns: int, *, tools: bool) -> list[Any]:
    messages: list[Any] = [SystemMessage('You stack blocks. Ünïcode and "quotes" stay as sent.')]
    messages.append(HumanMessage("Observation: A on table, B on table."))
    for i in range(n_turns):
        if tools:
            call = {"name": "move", "args": {"block": "A", "to": "B"}, "id": f"call_{i}"}
            messages.append(AIMessage("", tool_calls=[call]))
            messages.append(ToolMessage(f"Observation {i}: moved.", tool_call_id=f"call_{i}"))
        else:
            messages.append(AIMessage(f"<action>move(A, B)</action> #{i}"))
            messages.append(HumanMessage(f"Observation {i}: moved."))
    return messages


class _Capture:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return httpx2.Response(200, json=_REPLY)


def _model(capture: _Capture, monkeypatch: pytest.MonkeyPatch, fast: bool, **options: Any) -> Any:
    monkeypatch.setenv(ENV_SWITCH, "1" if fast else "0")
    transport = httpx2.MockTransport(capture)
    model = make_model(
        "openai-compatible:fake",
        base_url="http://127.0.0.1:9/v1",
        api_key="sk-test",
        http_client=httpx2.Client(transport=transport),
        http_async_client=httpx2.AsyncClient(transport=transport),
        **options,
    )
    assert isinstance(model.chat.client, FastCompletions) is fast
    if fast:  # the fast path must not fall back to create() for any of these requests

        def fell_back(**kwargs: Any) -> Any:
            raise AssertionError(f"fell back to create(): {sorted(kwargs)}")

        monkeypatch.setattr(model.chat.client._resource, "create", fell_back)
        monkeypatch.setattr(model.chat.async_client._resource, "create", fell_back)
    return model


def _send(model: Any, messages: list[Any], tools: bool, asynchronous: bool) -> AIMessage:
    runnable = model.chat.bind_tools([_TOOL]) if tools else model.chat
    if asynchronous:
        return asyncio.run(runnable.ainvoke(messages))
    return runnable.invoke(messages)


CASES = {
    "tags": ({}, False),
    "tools": ({}, True),
    "tags+sampling": ({"temperature": 0.3, "max_tokens": 64, "seed": 7, "stop": ["</x>"]}, False),
    "tools+reasoning_effort": ({"reasoning_effort": "low", "max_completion_tokens": 99}, True),
    "tags+extra_body": ({"extra_body": {"reasoning": {"effort": "high"}, "top_k": 5}}, False),
    "tools+model_kwargs": ({"model_kwargs": {"parallel_tool_calls": False, "user": "u1"}}, True),
}


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("case", list(CASES))
def test_request_is_json_equal_to_create(
    case: str, asynchronous: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    options, tools = CASES[case]
    replies, sent = [], []
    for fast in (True, False):
        capture = _Capture()
        model = _model(capture, monkeypatch, fast, **options)
        for turns in (0, 3, 40):
            replies.append(_send(model, _history(turns, tools=tools), tools, asynchronous))
        sent.append(capture.requests)
    fast_requests, sdk_requests = sent
    assert len(fast_requests) == len(sdk_requests) == 3
    for ours, theirs in zip(fast_requests, sdk_requests, strict=True):
        assert ours.method == theirs.method == "POST"
        assert str(ours.url) == str(theirs.url) == "http://127.0.0.1:9/v1/chat/completions"
        assert json.loads(ours.content) == json.loads(theirs.content)
        assert len(ours.content) == len(theirs.content)
        assert dict(ours.headers) == dict(theirs.headers)
        assert ours.headers["authorization"] == "Bearer sk-test"
    # and the parsed replies are the same messages
    half = len(replies) // 2
    for ours_reply, sdk_reply in zip(replies[:half], replies[half:], strict=True):
        assert ours_reply.content == sdk_reply.content
        assert ours_reply.tool_calls == sdk_reply.tool_calls
        assert ours_reply.additional_kwargs == sdk_reply.additional_kwargs
        assert ours_reply.usage_metadata == sdk_reply.usage_metadata


def test_errors_keep_the_sdk_types(monkeypatch: pytest.MonkeyPatch) -> None:
    import openai

    def refuse(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(429, headers={"retry-after": "3"}, json={"error": {"message": "x"}})

    monkeypatch.setenv(ENV_SWITCH, "1")
    model = make_model(
        "openai-compatible:fake",
        base_url="http://127.0.0.1:9/v1",
        http_client=httpx2.Client(transport=httpx2.MockTransport(refuse)),
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(refuse)),
    )
    assert isinstance(model.chat.client, FastCompletions)
    with pytest.raises(openai.RateLimitError) as caught:
        model.chat.invoke([HumanMessage("hi")])
    assert caught.value.response.headers["retry-after"] == "3"
    with pytest.raises(openai.RateLimitError):
        asyncio.run(model.chat.ainvoke([HumanMessage("hi")]))


def test_requests_that_are_not_plain_go_through_create() -> None:
    plain = {"model": "m", "messages": [{"role": "user", "content": "x"}], "timeout": 5}
    assert split_request(plain) == (
        {"model": "m", "messages": [{"role": "user", "content": "x"}]},
        {"timeout": 5},
    )
    assert split_request({**plain, "stream": True}) is None
    assert split_request({**plain, "response_format": {"type": "json_object"}}) is None
    assert split_request({**plain, "messages": ({"role": "user", "content": "x"},)}) is None
    assert split_request({**plain, "metadata": {1: "non-string key"}}) is None
    assert split_request({"model": "m"}) is None


@pytest.mark.parametrize("case", list(CASES))
def test_model_calls_skip_langchain_run_machinery_with_the_same_requests(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Model.acall`` on a fast-path model posts without ``ainvoke`` (no callback managers, no
    thread hop) and still sends what ``create()`` sends and reads the same message."""
    from langchain_core.language_models.chat_models import BaseChatModel

    options, tools = CASES[case]
    replies, sent = [], []
    for fast in (True, False):
        capture = _Capture()
        model = _model(capture, monkeypatch, fast, **options)
        if fast:

            async def no_agenerate(*args: Any, **kwargs: Any) -> Any:
                raise AssertionError("went through LangChain's agenerate")

            monkeypatch.setattr(BaseChatModel, "agenerate", no_agenerate)
        for turns in (0, 3, 40):
            call = model.acall(_history(turns, tools=tools), tools=[_TOOL] if tools else None)
            replies.append(asyncio.run(call).message)
        monkeypatch.undo()
        sent.append(capture.requests)
    fast_requests, sdk_requests = sent
    assert len(fast_requests) == len(sdk_requests) == 3
    for ours, theirs in zip(fast_requests, sdk_requests, strict=True):
        assert json.loads(ours.content) == json.loads(theirs.content)
        assert len(ours.content) == len(theirs.content)
        assert dict(ours.headers) == dict(theirs.headers)
    for ours_reply, sdk_reply in zip(replies[:3], replies[3:], strict=True):
        assert ours_reply.content == sdk_reply.content
        assert ours_reply.tool_calls == sdk_reply.tool_calls
        assert ours_reply.invalid_tool_calls == sdk_reply.invalid_tool_calls
        assert ours_reply.usage_metadata == sdk_reply.usage_metadata
        assert ours_reply.additional_kwargs.get("reasoning_content") == "A is clear"
        assert sdk_reply.additional_kwargs.get("reasoning_content") == "A is clear"


def test_direct_calls_keep_langchain_error_types(monkeypatch: pytest.MonkeyPatch) -> None:
    from agents._fastpath import ainvoke_direct

    def refuse(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(429, headers={"retry-after": "3"}, json={"error": {"message": "x"}})

    monkeypatch.setenv(ENV_SWITCH, "1")
    model = make_model(
        "openai-compatible:fake",
        base_url="http://127.0.0.1:9/v1",
        http_async_client=httpx2.AsyncClient(transport=httpx2.MockTransport(refuse)),
    )
    with pytest.raises(Exception) as direct:
        asyncio.run(ainvoke_direct(model.chat, [HumanMessage("hi")], {}))
    with pytest.raises(Exception) as through_langchain:
        asyncio.run(model.chat.ainvoke([HumanMessage("hi")]))
    assert type(direct.value) is type(through_langchain.value)
    assert direct.value.response.headers["retry-after"] == "3"  # type: ignore[attr-defined]


def test_direct_path_is_not_taken_when_langchain_would_observe_the_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from agents._fastpath import direct_kwargs

    monkeypatch.setenv(ENV_SWITCH, "1")
    model = make_model("openai-compatible:fake", base_url="http://127.0.0.1:9/v1")
    chat = model.chat
    assert direct_kwargs(chat, chat) == {}
    bound = chat.bind_tools([_TOOL])
    assert direct_kwargs(chat, bound) == dict(bound.kwargs)
    from langsmith import tracing_context

    with tracing_context(enabled=True):  # traced: LangChain's run machinery reports the call
        assert direct_kwargs(chat, chat) is None
    streaming = make_model("openai-compatible:fake", base_url="http://127.0.0.1:9/v1",
                           streaming=True)  # fmt: skip
    assert direct_kwargs(streaming.chat, streaming.chat) is None
    monkeypatch.setenv(ENV_SWITCH, "0")
    plain = make_model("openai-compatible:fake", base_url="http://127.0.0.1:9/v1")
    assert direct_kwargs(plain.chat, plain.chat) is None


def test_many_calls_in_flight_are_spread_over_small_pools() -> None:
    """With more calls in flight than one pool's share, the client opens further pools; calls
    made one at a time stay on the first pool and its kept-alive connection."""
    from agents._fastpath import SHARD_CONNECTIONS, async_http_client
    from agents.testing import FakeProviderServer, FakeReply

    async def run(base_url: str, in_flight: int) -> Any:
        client = async_http_client()
        url = f"{base_url}/chat/completions"
        body = {"model": "fake", "messages": [{"role": "user", "content": "hi"}]}

        async def one() -> int:
            response = await client.post(url, json=body)
            return response.status_code

        for _ in range(3):
            codes = await asyncio.gather(*(one() for _ in range(in_flight)))
            assert codes == [200] * in_flight
        transport = client._transport
        pools = len(transport._shards)
        await client.aclose()
        return pools

    with FakeProviderServer(responder=lambda r: FakeReply(text="ok"), latency_s=0.05,
                            keep_bodies=False) as server:  # fmt: skip
        assert asyncio.run(run(server.openai_base_url, 1)) == 1
        many = 3 * SHARD_CONNECTIONS
        assert asyncio.run(run(server.openai_base_url, many)) == 3
        assert server.requests == 3 + 3 * many


def _grow(messages: list[Any], turn: int, tools: bool) -> None:
    """Append one turn (the model's reply and the env's answer) to ``messages`` in place."""
    if tools:
        call = {"name": "move", "args": {"block": "B", "to": "A"}, "id": f"call_g{turn}"}
        messages.append(AIMessage(f"turn {turn} «é»", tool_calls=[call]))
        messages.append(ToolMessage(f"Observation g{turn}: moved.", tool_call_id=f"call_g{turn}"))
    else:
        messages.append(AIMessage(f'<action>move(B, A)</action> "g{turn}" «é»'))
        messages.append(HumanMessage(f"Observation g{turn}: moved.\n\ttab"))


@pytest.mark.parametrize("name", ["fake", "o3-mini"])
@pytest.mark.parametrize("case", list(CASES))
def test_direct_bodies_reuse_sent_messages_and_keep_the_bytes(
    case: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One conversation grown step by step (the same message objects, as an episode sends
    them): the direct path converts only the new messages, and its bodies are byte-identical
    to the stand-in's ``create`` (which serializes the whole payload) and JSON-equal to the
    SDK's ``create()``, headers included."""
    from langchain_openai import ChatOpenAI

    import agents._fastpath as fastpath

    options, tools = CASES[case]
    converted: list[int] = []
    original = ChatOpenAI._get_request_payload

    def counting(self: Any, input_: Any, **kwargs: Any) -> Any:
        converted.append(len(input_))
        return original(self, input_, **kwargs)

    sent: dict[str, list[httpx2.Request]] = {}
    replies: dict[str, list[Any]] = {}
    for how in ("direct", "whole payload", "sdk create"):
        monkeypatch.setenv(ENV_SWITCH, "0" if how == "sdk create" else "1")
        capture = _Capture()
        transport = httpx2.MockTransport(capture)
        model = make_model(
            f"openai-compatible:{name}", base_url="http://127.0.0.1:9/v1", api_key="sk-test",
            http_async_client=httpx2.AsyncClient(transport=transport), **options,
        )  # fmt: skip
        if how == "whole payload":
            monkeypatch.setattr(fastpath, "request_body", lambda *a, **k: None)
        if how == "direct":
            monkeypatch.setattr(ChatOpenAI, "_get_request_payload", counting)
        messages = _history(0, tools=tools)
        replies[how] = []
        for turn in range(6):
            call = model.acall(list(messages), tools=[_TOOL] if tools else None)
            replies[how].append(asyncio.run(call).message)
            _grow(messages, turn, tools)
        if how == "direct":
            assert len(model.chat.async_client.sent) == len(messages) - 2
            assert model.chat.async_client.sender is not None  # the SDK's request() skipped
        monkeypatch.undo()
        sent[how] = capture.requests
    assert converted == [2] + [2] * 5  # the first call: both messages; then each turn's two
    for ours, whole, theirs in zip(*sent.values(), strict=True):
        assert ours.content == whole.content
        assert json.loads(ours.content) == json.loads(theirs.content)
        assert len(ours.content) == len(theirs.content)
        assert dict(ours.headers) == dict(whole.headers) == dict(theirs.headers)
    if name.startswith("o3"):
        assert json.loads(sent["direct"][-1].content)["messages"][0]["role"] == "developer"
    for ours_reply, sdk_reply in zip(replies["direct"], replies["sdk create"], strict=True):
        assert ours_reply.content == sdk_reply.content
        assert ours_reply.tool_calls == sdk_reply.tool_calls
        assert ours_reply.usage_metadata == sdk_reply.usage_metadata


def test_sent_messages_are_dropped_with_their_message() -> None:
    import gc

    from agents._fastpath import SentMessages

    sent = SentMessages()
    kept, dropped = HumanMessage("kept"), HumanMessage("dropped")
    sent.put(kept, b"1")
    sent.put(dropped, b"2")
    assert sent.get(kept) == b"1" and sent.get(dropped) == b"2" and len(sent) == 2
    del dropped
    gc.collect()
    assert len(sent) == 1 and sent.get(kept) == b"1"
    assert sent.get(HumanMessage("kept")) is None  # an equal message is not the same one


def _failing(kind: str) -> Any:
    def answer(request: httpx2.Request) -> httpx2.Response:
        if kind == "timeout":
            raise httpx2.ReadTimeout("slow", request=request)
        if kind == "refused":
            raise httpx2.ConnectError("refused", request=request)
        if kind == "html":
            return httpx2.Response(200, headers={"content-type": "text/html"}, text="<p>hi</p>")
        if kind == "not an object":
            return httpx2.Response(200, json=["a", "list"])
        return httpx2.Response(503, json={"error": {"message": "busy"}})

    return answer


@pytest.mark.parametrize("kind", ["timeout", "refused", "html", "not an object", "503"])
def test_the_direct_sender_fails_as_the_sdk_does(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Transport failures, error statuses and answers that are not a JSON object end a direct
    call with the exception LangChain's own call raises."""
    from agents._fastpath import ainvoke_direct

    monkeypatch.setenv(ENV_SWITCH, "1")
    transport = httpx2.MockTransport(_failing(kind))
    model = make_model(
        "openai-compatible:fake",
        base_url="http://127.0.0.1:9/v1",
        http_async_client=httpx2.AsyncClient(transport=transport),
    )
    assert model.chat.async_client.sender is not None
    with pytest.raises(Exception) as direct:
        asyncio.run(ainvoke_direct(model.chat, [HumanMessage("hi")], {}))
    with pytest.raises(Exception) as through_langchain:
        asyncio.run(model.chat.ainvoke([HumanMessage("hi")]))
    assert type(direct.value) is type(through_langchain.value)
    assert str(direct.value) == str(through_langchain.value)


def test_the_direct_sender_is_used_only_for_requests_that_do_not_change() -> None:
    import openai

    from agents._fastpath import DirectSender

    assert DirectSender.usable(openai.AsyncOpenAI(api_key="sk-x", max_retries=0))
    assert not DirectSender.usable(openai.AsyncOpenAI(api_key="sk-x", max_retries=2))

    async def key() -> str:
        return "sk-rotating"

    assert not DirectSender.usable(openai.AsyncOpenAI(api_key=key, max_retries=0))
    azure = openai.AsyncAzureOpenAI(api_key="k", api_version="2024-06-01",
                                    azure_endpoint="https://x.example", max_retries=0)  # fmt: skip
    assert not DirectSender.usable(azure)


def test_sent_messages_reuse_an_earlier_request_only_when_it_leads() -> None:
    from agents._fastpath import SentMessages

    sent = SentMessages()
    first = [HumanMessage("a"), HumanMessage("b")]
    sent.remember(first, b"A,B")
    extended = [*first, HumanMessage("c"), HumanMessage("d")]
    assert sent.joined(extended) == (2, b"A,B")
    assert sent.joined(extended) == (0, b"")  # taken by the conversation that moved on
    sent.remember(first, b"A,B")
    assert sent.joined([HumanMessage("a"), *first[1:], HumanMessage("c")]) == (0, b"")
    assert sent.joined([first[1], HumanMessage("c")]) == (0, b"")  # not the whole earlier list
    assert sent.joined(list(first)) == (2, b"A,B")  # the same list sent again


@pytest.mark.parametrize("tools", [False, True], ids=["tags", "tools"])
def test_the_body_frame_is_reused_until_a_field_changes(
    tools: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The body's fields around the messages are serialized once per set of fields: later
    calls with the same fields reuse them, and a changed field (a new temperature, a tool
    schema edited in place) is serialized again and sent."""
    import agents._fastpath as fastpath

    framed: list[int] = []
    original = fastpath._frame

    def counting(payload: dict[str, Any]) -> Any:
        framed.append(1)
        return original(payload)

    monkeypatch.setattr(fastpath, "_frame", counting)
    capture = _Capture()
    model = _model(capture, monkeypatch, True, temperature=0.5)
    tool = json.loads(json.dumps(_TOOL))
    messages = _history(0, tools=tools)

    async def calls(n: int) -> None:
        for turn in range(n):
            await model.acall(list(messages), tools=[tool] if tools else None)
            _grow(messages, turn, tools)

    asyncio.run(calls(3))
    assert len(framed) == 1
    model.chat.temperature = 0.9
    asyncio.run(calls(1))
    assert len(framed) == 2
    assert json.loads(capture.requests[-1].content)["temperature"] == 0.9
    if tools:
        bound = model._runnable([tool]).kwargs["tools"]
        bound[0]["function"]["description"] = "Edited in place."
        asyncio.run(calls(1))
        assert len(framed) == 3
        sent = json.loads(capture.requests[-1].content)["tools"][0]["function"]["description"]
        assert sent == "Edited in place."
    bodies = [json.loads(r.content) for r in capture.requests]
    assert [len(b["messages"]) for b in bodies] == [2 + 2 * i for i in range(len(bodies))]
