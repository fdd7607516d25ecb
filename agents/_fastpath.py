"""Chat-completions requests without the openai SDK's request-schema conversion.

``client.chat.completions.create()`` passes its arguments through the SDK's ``maybe_transform``
before posting them. The conversion walks the whole request against the parameter types (to
rename aliased keys, turn iterables into lists, dump pydantic models), so its cost grows with
the conversation: measured at about 0.35 ms per call with 2 messages and 22 ms with 160. telic's
requests are already plain JSON (dicts, lists, strings, numbers) without aliased keys, and for
such a request the conversion returns the same data it was given.

:func:`install_fast_path` swaps a ``ChatOpenAI``'s completions resources for a thin stand-in
whose ``create`` posts the plain request through the SDK's own low-level ``_post`` with the
same path, request options and response type that ``create()`` uses. Everything else stays the
SDK's: the client (base URL, auth and default headers, ``max_retries=0``), the HTTP pool, the
response parsing and the error types. A request that is not plain JSON, or that streams or asks
for a structured output, goes through ``create()`` unchanged. The request bodies are JSON-equal
to what ``create()`` sends (the same keys and values, the key order aside);
``tests/agents/test_fastpath.py`` checks it on the wire for both action protocols, tool calls
and reasoning options.

The async path goes further for a plain ``AsyncOpenAI`` client (:class:`DirectSender`): the
request is built once per set of request options by the SDK and then sent with each call's
body; with telic's own HTTP client (:func:`async_http_client`) it goes out on telic's
kept-alive HTTP/1.1 connections (``agents._http1``) rather than through the HTTP library's
client, with the request line and headers the library writes (``tests/agents/test_http1.py``
compares the headers and bodies a server receives, and the errors raised, with the SDK's own
path).

Set ``TELIC_OPENAI_FAST_PATH=0`` to send every request through ``create()``.

The Anthropic SDK (2.x) posts its ``messages.create`` body without a conversion step (per call
1.2 ms at 2 messages, 2.0 ms at 160, measured the same way), so it is left as it is.
"""

from __future__ import annotations

import datetime
import inspect
import json
import logging
import operator
import os
import time
from collections import OrderedDict
from functools import cache
from typing import Any

from agents._identity import IdentityCache

#: Keyword arguments of ``create()`` that are request options, not body fields.
_OPTION_KEYS = ("extra_headers", "extra_query", "extra_body", "timeout")
#: Requests with these keys go through ``create()`` (validation or conversion it does itself).
_SDK_ONLY_KEYS = frozenset({"response_format", "stream_options"})
ENV_SWITCH = "TELIC_OPENAI_FAST_PATH"


def _plain(value: Any) -> bool:
    """Whether ``value`` is JSON made of dicts (string keys), lists and scalars only."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return True
    if kind is dict:
        return all(type(key) is str and _plain(item) for key, item in value.items())
    if kind is list:
        return all(_plain(item) for item in value)
    return False


@cache
def _sdk_parts() -> tuple[Any, Any, Any, Any, bool] | None:
    """What the stand-in needs from the SDK, or None when this SDK version lacks any of it."""
    try:
        from openai._base_client import make_request_options
        from openai._legacy_response import (
            async_to_raw_response_wrapper,
            to_raw_response_wrapper,
        )
        from openai.types.chat import ChatCompletion
    except ImportError:
        return None
    takes_security = "security" in inspect.signature(make_request_options).parameters
    return (
        make_request_options,
        to_raw_response_wrapper,
        async_to_raw_response_wrapper,
        ChatCompletion,
        takes_security,
    )


def split_request(
    kwargs: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """``create()``'s keyword arguments as (body, request-option arguments), or None when the
    request must go through ``create()`` (it streams, asks for a structured output or is not
    plain JSON)."""
    if kwargs.get("stream") or not _SDK_ONLY_KEYS.isdisjoint(kwargs):
        return None
    body: dict[str, Any] = {}
    options: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in _OPTION_KEYS:
            options[key] = value
        elif _plain(value):
            body[key] = value
        else:
            return None
    if "messages" not in body or "model" not in body:
        return None
    return body, options


class _RawResponses:
    """``with_raw_response`` of the stand-in: ``create`` and ``post_json`` are ours, the rest
    the SDK's."""

    def __init__(self, resource: Any, create: Any, post_json: Any) -> None:
        self._resource = resource
        self.create = create
        self.post_json = post_json

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resource.with_raw_response, name)


class FastCompletions:
    """Stands in for ``client.chat.completions`` (sync or async, as the wrapped resource)."""

    def __init__(self, resource: Any, *, asynchronous: bool) -> None:
        parts = _sdk_parts()
        assert parts is not None
        self._resource = resource
        self._make_options, raw, araw, self._cast_to, self._security = parts
        wrapper = araw if asynchronous else raw
        self.with_raw_response = _RawResponses(
            resource, wrapper(self.create), wrapper(self.post_json)
        )
        self.sent = SentMessages()
        client = getattr(resource, "_client", None)
        self.sender = DirectSender(client) if asynchronous and DirectSender.usable(client) else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resource, name)

    def create(self, **kwargs: Any) -> Any:
        """Post a plain request as it is; anything else goes to the SDK's ``create()``.

        Returns what ``create()`` returns (a coroutine for the async resource).
        """
        split = split_request(kwargs)
        if split is None:
            return self._resource.create(**kwargs)
        body, option_args = split
        return self._post(option_args, body=body)

    def post_json(self, content: bytes, **option_args: Any) -> Any:
        """Post a request body already serialized as the SDK serializes it (see
        :func:`request_body`), with ``create()``'s request options; returns what ``create()``
        returns."""
        return self._post(option_args, content=content)

    def _post(self, option_args: dict[str, Any], **payload: Any) -> Any:
        """The SDK's own post of ``payload`` (``body=`` or ``content=``) with the options."""
        if self._security:
            option_args["security"] = {"bearer_auth": True}
        return self._resource._post(
            "/chat/completions",
            options=self._make_options(**option_args),
            cast_to=self._cast_to,
            stream=False,
            **payload,
        )


def dumps(value: Any) -> bytes:
    """``value`` as the SDK serializes a request body: compact, UTF-8, non-ASCII unescaped,
    NaN refused (the settings of its ``openapi_dumps``; for plain JSON data, the same bytes)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


class SentMessages:
    """The request JSON of messages already sent, by message object.

    An episode sends its conversation again at every step, the earlier messages being the
    same objects each time (``agents._messages.to_langchain`` reuses them), so each is
    converted and serialized once and later bodies are put together from the stored bytes: the
    cost of a call then grows only with the bytes copied, not with the work per message. An
    entry lives as long as its message (a weak reference drops it); messages are not changed
    after they are made, which the stored bytes rely on.
    """

    #: How many conversations' joined messages are kept (the least recently extended go first).
    JOINED = 512
    #: How many messages back from the end a conversation's joined messages are looked for.
    LOOK_BACK = 16

    def __init__(self) -> None:
        self._entries: IdentityCache[bytes] = IdentityCache()
        self._joined: OrderedDict[int, tuple[tuple[Any, ...], bytes]] = OrderedDict()
        self._frame: tuple[list[tuple[str, Any, Any]], Any] | None = None

    def __len__(self) -> int:
        return len(self._entries)

    def joined(self, messages: list[Any]) -> tuple[int, bytes]:
        """``(k, data)``: the first ``k`` of ``messages`` were the whole of an earlier request,
        ``data`` their JSON joined by commas (``k`` is 0 when none was). The earlier list is
        compared by identity, in one pass at C speed, so a conversation sent again with a few
        messages added costs no per-message work for the messages already sent."""
        joined = self._joined
        for k in range(len(messages), max(0, len(messages) - self.LOOK_BACK), -1):
            entry = joined.get(id(messages[k - 1]))
            if (
                entry is not None
                and len(entry[0]) == k
                and all(map(operator.is_, entry[0], messages))
            ):
                # the conversation moves on: only its longest request is kept
                del joined[id(messages[k - 1])]
                return k, entry[1]
        return 0, b""

    def remember(self, messages: list[Any], data: bytes) -> None:
        """Keep ``data`` (``messages``' JSON joined by commas) for :meth:`joined`."""
        if not messages:
            return
        key, joined = id(messages[-1]), self._joined
        joined[key] = (tuple(messages), data)  # the tuple keeps the key's object alive
        joined.move_to_end(key)
        while len(joined) > self.JOINED:
            joined.popitem(last=False)

    def frame(self, payload: dict[str, Any]) -> Any:
        """The frame kept by :meth:`keep_frame` for a payload with the same fields (the same
        keys in the same order, each value the same object, containers still equal to what
        they were), or None. Only the messages may differ."""
        kept = self._frame
        if kept is None or len(kept[0]) != len(payload):
            return None
        for (key, value, copy), (now_key, now_value) in zip(kept[0], payload.items(), strict=True):
            if key != now_key:
                return None
            if key == "messages":
                continue
            if value is not now_value or (copy is not None and copy != now_value):
                return None
        return kept[1]

    def keep_frame(self, payload: dict[str, Any], frame: Any) -> None:
        """Keep ``frame`` (see :func:`_frame`) for later payloads with these fields."""
        import copy

        fields = [
            (key, value, copy.deepcopy(value) if isinstance(value, (dict, list)) else None)
            for key, value in payload.items()
        ]
        for index, (key, _value, _copy) in enumerate(fields):
            if key == "messages":
                fields[index] = (key, None, None)
        self._frame = (fields, frame)

    def get(self, message: Any) -> bytes | None:
        """The JSON stored for ``message`` itself, or None."""
        return self._entries.get(message)

    def put(self, message: Any, data: bytes) -> None:
        """Store ``message``'s JSON (kept while the message lives)."""
        self._entries.put(message, data)


def request_body(
    chat: Any, messages: list[Any], kwargs: dict[str, Any], sent: SentMessages
) -> tuple[bytes, dict[str, Any]] | None:
    """The chat-completions request of ``chat`` for ``messages`` as (body bytes, request-option
    arguments), the bytes equal to those the stand-in's ``create`` posts for the payload
    ``chat._get_request_payload(messages, **kwargs)``; None when that request must go through
    ``create`` (it is not plain JSON, streams, asks for a structured output or uses the
    Responses API).

    Only the messages not in ``sent`` are converted (by ``chat._get_request_payload`` itself,
    which converts each message on its own) and serialized; the others' stored bytes are
    reused, and when the messages extend an earlier request's, that request's joined bytes are
    reused whole (:meth:`SentMessages.joined`). Top-level keys keep the payload's order, and
    ``extra_body`` is merged into the body as the SDK merges it.
    """
    start, head = sent.joined(messages)
    tail = messages[start:]
    stored = [sent.get(m) for m in tail]
    new = [m for m, data in zip(tail, stored, strict=True) if data is None]
    payload = chat._get_request_payload(new, stop=None, **kwargs)
    if "response_format" in payload or chat._use_responses_api(payload):
        return None
    converted = payload.get("messages")
    if not isinstance(converted, list) or len(converted) != len(new):
        return None
    frame = sent.frame(payload)
    if frame is None:
        frame = _frame(payload)
        if frame is None:
            return None
        sent.keep_frame(payload, frame)
    elif not _plain(converted):
        return None
    try:
        fresh = iter([dumps(item) for item in converted])
        parts = []
        if start:
            parts.append(head)
        for message, data in zip(tail, stored, strict=True):
            if data is None:
                data = next(fresh)
                sent.put(message, data)
            parts.append(data)
        joined = b",".join(parts)
    except (TypeError, ValueError):  # not JSON after all: create() decides what happens
        return None
    sent.remember(messages, joined)
    before, after, options = frame
    return before + joined + after, dict(options)


def _frame(payload: dict[str, Any]) -> tuple[bytes, bytes, dict[str, Any]] | None:
    """The body's bytes before and after the messages' JSON (``{..."messages":[`` and
    ``]...}``, top-level keys in the payload's order, ``extra_body`` merged into the body as
    the SDK merges it) and the request-option arguments; None when the request must go through
    ``create()``."""
    split = split_request(payload)
    if split is None:
        return None
    body, options = split
    extra = options.pop("extra_body", None)
    if extra is not None:
        if not isinstance(extra, dict) or "messages" in extra or not _plain(extra):
            return None
        body.update(extra)
    try:
        fields = [
            dumps(key) + b":" + (b"\0" if key == "messages" else dumps(value))
            for key, value in body.items()
        ]
    except (TypeError, ValueError):
        return None
    before, _, after = (b"{" + b",".join(fields) + b"}").partition(b'"messages":\0')
    return before + b'"messages":[', b"]" + after, options


#: Client attributes that change a request per call (token providers, provider runtimes,
#: custom auth, idempotency keys); the sender is used only when each is None.
_PER_CALL_HOOKS = (
    "_provider_runtime",
    "_workload_identity_auth",
    "_api_key_provider",
    "custom_auth",
    "_idempotency_header",
)


class _Template:
    """One set of request options, built once: the URL, headers and extensions of the SDK's
    request, and (when :class:`~agents._http1.Http1Pool` covers it) the origin, timeouts and
    head bytes of the request as sent on the wire."""

    __slots__ = ("extensions", "head", "headers", "origin", "pool", "timeouts", "url")

    def __init__(self, url: Any, headers: Any, extensions: dict[str, Any]) -> None:
        self.url, self.headers, self.extensions = url, headers, extensions
        self.pool: Any = None
        self.origin: tuple[str, str, int] = ("", "", 0)
        self.timeouts: dict[str, Any] = {}
        self.head = b""

    def request(self, content: bytes) -> Any:
        """The HTTP library's request object for ``content`` (the one the SDK would send)."""
        http = _http_module()
        return http.Request("POST", self.url, headers=self.headers, content=content,
                            extensions=dict(self.extensions))  # fmt: skip


def _raw_route(http_client: Any, template: _Template) -> None:
    """Give ``template`` telic's HTTP/1.1 pool when sending through it is what the HTTP
    client would do: the client is :func:`async_http_client`'s (no HTTP/2), the URL is a plain
    ``http``/``https`` one reached without a proxy, and the client has no auth or event hooks.
    (Cookies are checked per call: a client holding any goes through the HTTP library.)"""
    from agents._http1 import Http1Pool

    url = template.url
    transport = getattr(http_client, "_transport", None)
    pool = getattr(transport, "raw", None)
    if not isinstance(pool, Http1Pool) or url.scheme not in ("http", "https"):
        return
    hooks = getattr(http_client, "_event_hooks", None)
    if not isinstance(hooks, dict) or any(hooks.values()):
        return
    if getattr(http_client, "_auth", None) is not None:
        return
    if http_client._transport_for_url(url) is not transport:  # a proxy or a mounted transport
        return
    if "transfer-encoding" in template.headers:
        return
    timeouts = template.extensions.get("timeout")
    if not isinstance(timeouts, dict):
        return
    port = url.port or (443 if url.scheme == "https" else 80)
    lines = [b"POST " + url.raw_path + b" HTTP/1.1\r\n"]
    lines += [name + b": " + value + b"\r\n" for name, value in template.headers.raw]
    template.pool = pool
    template.origin = (url.scheme, url.raw_host.decode("ascii"), port)
    template.timeouts = dict(timeouts)
    template.head = b"".join(lines)


class DirectSender:
    """Posts a ready chat-completions body with the SDK client's own URL and headers, without
    the SDK's per-request machinery.

    The SDK's ``request()`` builds each request from its options (headers merged and
    validated, URL parsed and joined, options copied twice) before sending it. For a client
    whose requests do not change from call to call (a plain ``AsyncOpenAI`` with a fixed API
    key: no token provider, provider runtime, custom auth or idempotency key, retries off) the
    sender builds that request once per set of request options, with the SDK's own
    ``_build_request``, and then sends it with each call's body.

    With telic's own HTTP client (:func:`async_http_client`) the bytes go out through its
    HTTP/1.1 pool (:mod:`agents._http1`): the request's head as the HTTP library would write
    it (the same request line and headers, in the same order, then ``Content-Length``), and
    the answer read without the library's response objects unless they are needed (an error
    status, a body that is not plain JSON, cookies, a redirect, which then take the library's
    own path). Other HTTP clients get the request through their ``send``.

    Errors are the SDK's: a timeout raises ``APITimeoutError``, a failed or lost connection
    ``APIConnectionError``, and a non-2xx answer the status error the SDK makes from it.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._templates: dict[str, _Template] = {}
        self._building: dict[str, tuple[Any, Any]] = {}

    @staticmethod
    def usable(client: Any) -> bool:
        """Whether ``client`` sends every request of the same options with the same headers."""
        try:
            import openai
            from openai._httpx2 import is_httpx2_async_client
        except ImportError:
            return False
        if type(client) is not openai.AsyncOpenAI or getattr(client, "max_retries", 1) != 0:
            return False
        missing = object()
        if any(getattr(client, name, missing) is not None for name in _PER_CALL_HOOKS):
            return False
        return bool(is_httpx2_async_client(getattr(client, "_client", None)))

    def ready(self) -> bool:
        """Whether the next request can go out from a template: not once the HTTP client holds
        cookies (the SDK's request adds them per request; those calls take its path)."""
        return not len(self._client._client.cookies.jar)

    async def _template(self, option_args: dict[str, Any], make_options: Any) -> _Template:
        """The template of these request options, built once: the calls that start together
        (a run's first wave) wait for the one build rather than each making its own."""
        key = repr(sorted(option_args.items()))
        template = self._templates.get(key)
        if template is not None:
            return template
        import asyncio

        loop = asyncio.get_running_loop()
        building = self._building.get(key)
        if building is None or building[0] is not loop:
            task = loop.create_task(self._build(option_args, make_options))
            building = self._building[key] = (loop, task)

            def built(done: asyncio.Task[_Template], key: str = key) -> None:
                if self._building.get(key, (None, None))[1] is done:
                    del self._building[key]
                if not done.cancelled() and done.exception() is None:
                    self._templates[key] = done.result()

            task.add_done_callback(built)
        return await asyncio.shield(building[1])

    async def _build(self, option_args: dict[str, Any], make_options: Any) -> _Template:
        from openai._base_client import FinalRequestOptions, asyncify, get_platform

        client = self._client
        if client._platform is None:  # as the SDK's request() does before its first call
            client._platform = await asyncify(get_platform)()
        options = FinalRequestOptions.construct(
            method="post", url="/chat/completions", content=b"", **make_options(**option_args)
        )
        options = await client._prepare_options(options)
        request = client._build_request(options, retries_taken=0)
        await client._prepare_request(request)
        headers = request.headers.copy()
        headers.pop("content-length", None)
        template = _Template(request.url, headers, dict(request.extensions))
        _raw_route(client._client, template)
        return template

    async def post(
        self, content: bytes, option_args: dict[str, Any], make_options: Any
    ) -> tuple[dict[str, Any] | None, Any]:
        """``(data, None)`` for a 2xx answer whose body is a plain JSON object, else ``(None,
        response)`` with the HTTP library's response (body read) to ``content`` posted with
        ``create()``'s request options; raises the SDK's error."""
        import openai

        template = await self._template(option_args, make_options)
        http_client = self._client._client
        if template.pool is None or http_client.is_closed:  # (a closed client raises its error)
            return None, await self._send(template.request(content))
        from agents._http1 import RawResponse, TimedOut

        data = b"%sContent-Length: %d\r\n\r\n%s" % (template.head, len(content), content)
        started = time.perf_counter()
        try:
            answer: RawResponse = await template.pool.send(template.origin, data,
                                                           template.timeouts)  # fmt: skip
        except TimedOut as err:
            raise openai.APITimeoutError(request=template.request(content)) from err
        except Exception as err:  # ConnectFailed, ProtocolFailed: as a failed request
            raise openai.APIConnectionError(request=template.request(content)) from err
        version = answer.version.decode("ascii", "replace")
        if _HTTP_LOG.isEnabledFor(logging.INFO):  # as the HTTP library logs each request
            _HTTP_LOG.info('HTTP Request: %s %s "%s %d %s"', "POST", template.url, version,
                           answer.status, answer.reason.decode("ascii", "replace"))  # fmt: skip
        if 200 <= answer.status < 300:
            data_object = _plain_json(answer)
            if data_object is not None:
                return data_object, None
        request = template.request(content)
        http = _http_module()
        extensions = {"http_version": answer.version, "reason_phrase": answer.reason}
        response = http.Response(answer.status, headers=answer.headers, content=answer.body,
                                 request=request, extensions=extensions)  # fmt: skip
        response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
        if answer.header(b"set-cookie") is not None:
            http_client.cookies.extract_cookies(response)
        if response.has_redirect_location and http_client.follow_redirects:
            # followed as the HTTP library follows it (the SDK's client follows redirects)
            redirect = http_client._build_redirect_request(request, response)
            return None, await self._send(redirect)
        if not 200 <= response.status_code < 300:
            raise self._client._make_status_error_from_response(response) from None
        return None, response

    async def _send(self, request: Any) -> Any:
        """``request`` through the HTTP library's client, errors turned into the SDK's."""
        import openai
        from openai._httpx2 import request_exceptions, timeout_exceptions

        try:
            response = await self._client._client.send(request, stream=False)
        except timeout_exceptions() as err:
            raise openai.APITimeoutError(request=request) from err
        except openai.OpenAIError:
            raise
        except request_exceptions() as err:
            raise openai.APIConnectionError(request=request) from err
        if not 200 <= response.status_code < 300:
            raise self._client._make_status_error_from_response(response) from None
        return response


#: The HTTP library's logger (it logs each request at INFO; the raw path does the same).
_HTTP_LOG = logging.getLogger("httpx2")


def _plain_json(answer: Any) -> dict[str, Any] | None:
    """The JSON object of an answer that needs no decoding (no content coding, no cookies, a
    JSON content type), or None."""
    content_type = encoding = cookie = None
    for name, value in answer.headers:
        key = name.lower()
        if key == b"content-type":
            content_type = value
        elif key == b"content-encoding":
            encoding = value
        elif key == b"set-cookie":
            cookie = value
    if cookie is not None or content_type is None or b"json" not in content_type:
        return None
    if encoding is not None and encoding.strip().lower() not in (b"", b"identity"):
        return None
    return _dict_of(answer.body)


def _dict_of(body: bytes) -> dict[str, Any] | None:
    """The JSON object ``body`` holds, or None when it holds no JSON object."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@cache
def _langchain_parts() -> tuple[Any, Any, Any, Any] | None:
    """What :func:`ainvoke_direct` borrows from LangChain, or None when a version lacks it."""
    try:
        import openai
        from langchain_core.globals import get_llm_cache
        from langchain_core.tracers.context import _tracing_v2_is_enabled
        from langchain_openai.chat_models.base import (
            _handle_openai_api_error,
            _handle_openai_bad_request,
        )
    except ImportError:
        return None
    handlers = ((openai.BadRequestError, _handle_openai_bad_request),
                (openai.APIError, _handle_openai_api_error))  # fmt: skip
    return get_llm_cache, _tracing_v2_is_enabled, handlers, openai


def direct_kwargs(chat: Any, runnable: Any) -> dict[str, Any] | None:
    """The call's bound keyword arguments when ``runnable`` (``chat`` or ``chat`` with tools
    bound) can be called by :func:`ainvoke_direct`; None when it must go through
    ``ainvoke``.

    The direct call skips LangChain's run machinery (callback managers, run ids, the thread hop
    that parses the reply), so it is taken only when nothing would observe that machinery: the
    fast path is installed, the model streams nothing and has no callbacks, LangChain cache or
    rate limiter of its own, and LangSmith tracing is off.
    """
    parts = _langchain_parts()
    if parts is None or not isinstance(getattr(chat, "async_client", None), FastCompletions):
        return None
    get_llm_cache, tracing, _handlers, _openai = parts
    if chat.streaming or chat.callbacks or chat.verbose or chat.rate_limiter is not None:
        return None
    if chat.output_version == "v1" or chat.cache not in (None, False) or tracing():
        return None
    if chat.cache is None and get_llm_cache() is not None:
        return None
    if runnable is chat:
        return {}
    if getattr(runnable, "bound", None) is not chat or getattr(runnable, "config", None):
        return None
    kwargs = dict(getattr(runnable, "kwargs", {}))
    kwargs.pop("ls_structured_output_format", None)
    return kwargs


async def ainvoke_direct(chat: Any, messages: list[Any], kwargs: dict[str, Any]) -> Any:
    """One chat-completions call of ``chat`` (see :func:`direct_kwargs`), returning its
    ``AIMessage``, or None when the request needs ``ainvoke`` (a structured output, the
    Responses API).

    The request is the one ``ainvoke`` would send (the same payload through the same stand-in
    resource, headers included; its body put together by :func:`request_body`), its errors are
    LangChain's, and the message is made by the model's own ``_create_chat_result`` from the
    reply's JSON (without the SDK's response objects in between), so content, tool calls,
    usage and reasoning fields are the same.
    """
    parts = _langchain_parts()
    assert parts is not None
    handlers = parts[2]
    completions = chat.async_client
    request = request_body(chat, messages, kwargs, completions.sent)
    sender = completions.sender
    try:
        if request is not None and sender is not None and sender.ready():
            options = {**request[1]}
            options["extra_headers"] = {**(options.get("extra_headers") or {}), **_RAW_HEADER}
            if completions._security:
                options["security"] = {"bearer_auth": True}
            data, response = await sender.post(request[0], options, completions._make_options)
            if data is None:
                data = _json_object(response)
            if data is not None:
                return chat._create_chat_result(data).generations[0].message
            raw = _legacy_response(completions, response)
        elif request is not None:
            raw = await completions.with_raw_response.post_json(request[0], **request[1])
        else:
            payload = chat._get_request_payload(messages, stop=None, **kwargs)
            if "response_format" in payload or chat._use_responses_api(payload):
                return None
            raw = await completions.with_raw_response.create(**payload)
    except Exception as exc:
        for kind, handle in handlers:
            if isinstance(exc, kind):
                handle(exc)
                break
        raise
    data = raw.parse(to=object)
    if not isinstance(data, dict):  # a JSON body sent as another content type
        data = raw.parse()
    return chat._create_chat_result(data).generations[0].message


#: The header the SDK's ``with_raw_response`` adds (LangChain calls through it).
_RAW_HEADER = {"X-Stainless-Raw-Response": "true"}


def _json_object(response: Any) -> dict[str, Any] | None:
    """The response's JSON object, or None when its body is not one."""
    if "json" not in response.headers.get("content-type", ""):
        return None
    return _dict_of(response.content)


def _legacy_response(completions: FastCompletions, response: Any) -> Any:
    """The SDK's raw-response object for ``response`` (its parsing decides what an answer
    that is not a JSON object becomes, as on the SDK's own path)."""
    from openai._base_client import FinalRequestOptions
    from openai._legacy_response import LegacyAPIResponse

    client = completions._resource._client
    options = FinalRequestOptions.construct(method="post", url="/chat/completions")
    return LegacyAPIResponse(raw=response, cast_to=completions._cast_to, client=client,
                             stream=False, stream_cls=None, options=options)  # fmt: skip


#: Connections one pool of :func:`async_http_client` holds before the next pool is opened.
SHARD_CONNECTIONS = 8


def _http_module() -> Any:
    """The HTTP library the openai SDK is built on (``httpx`` or its successor)."""
    import sys

    import openai

    base = openai.DefaultAsyncHttpxClient.__mro__[1]
    return sys.modules[base.__module__.partition(".")[0]]


def async_http_client() -> Any:
    """The async HTTP client of one OpenAI-wire model.

    The SDK's default client, with two changes for many calls in flight:

    * every connection it opens is kept alive (the SDK keeps 100 of its 1,000; with more calls
      in flight than that, each call beyond the 100th opened and closed a connection);
    * direct (not proxied) requests go through a few small connection pools instead of one
      large one (:class:`ShardedTransport`). A pool scans all its connections, probing the
      socket of each idle one, whenever a request starts or ends; with 256 connections in one
      pool that scan cost more CPU than the rest of the call.
    """
    import openai

    default = openai.DEFAULT_CONNECTION_LIMITS
    limits = type(default)(
        max_connections=default.max_connections,
        max_keepalive_connections=default.max_connections,
        keepalive_expiry=default.keepalive_expiry,
    )
    return _sharded_client_class()(limits=limits)


@cache
def _sharded_client_class() -> Any:
    import openai

    http = _http_module()

    class ShardedAsyncHttpxClient(openai.DefaultAsyncHttpxClient):  # type: ignore[misc]
        def _init_transport(
            self,
            verify: Any = True,
            cert: Any = None,
            trust_env: bool = True,
            http1: bool = True,
            http2: bool = False,
            limits: Any = None,
            transport: Any = None,
        ) -> Any:
            if transport is not None:
                return transport
            context = http.create_ssl_context(verify=verify, cert=cert, trust_env=trust_env)

            def shard() -> Any:
                return http.AsyncHTTPTransport(
                    verify=context, http1=http1, http2=http2, limits=limits
                )

            raw = None
            if http1 and not http2:
                from agents._http1 import Http1Pool

                raw = Http1Pool(
                    context,
                    max_connections=getattr(limits, "max_connections", None),
                    keepalive_expiry=getattr(limits, "keepalive_expiry", 5.0),
                )
            return transport_class(shard, raw=raw)

    release = type("Release", (_Release, http.AsyncByteStream), {})
    transport_class = type(
        "ShardedTransport", (ShardedTransport, http.AsyncBaseTransport), {"release": release}
    )
    return ShardedAsyncHttpxClient


class _Release:
    """A response body stream that tells its shard when the response is closed."""

    def __init__(self, stream: Any, done: Any) -> None:
        self._stream = stream
        self._done = done

    def __aiter__(self) -> Any:
        return self._stream.__aiter__()

    async def aclose(self) -> None:
        done, self._done = self._done, None
        try:
            await self._stream.aclose()
        finally:
            if done is not None:
                done()


class ShardedTransport:
    """An async transport made of small connection pools (shards), opened as needed.

    A request goes to the first shard with fewer than :data:`SHARD_CONNECTIONS` requests open
    (a request is open until its response is closed); when all are that busy, a new shard is
    opened, up to ``max_shards``, after which the least busy shard takes it. A few calls at a
    time therefore share one pool and its kept-alive connections, as with a single pool, and
    the cost of a pool's bookkeeping stays bounded however many calls are in flight.
    """

    #: The body-stream wrapper (a subclass of the HTTP library's ``AsyncByteStream``).
    release: Any = _Release

    def __init__(
        self, make_shard: Any, *, size: int | None = None, max_shards: int = 64, raw: Any = None
    ) -> None:
        self._make_shard = make_shard
        #: telic's HTTP/1.1 pool for the fast path's posts (``agents._http1``), or None.
        self.raw = raw
        self._size = size or SHARD_CONNECTIONS
        self._max_shards = max_shards
        self._shards: list[Any] = []
        self._open: list[int] = []

    def _pick(self) -> int:
        for index, count in enumerate(self._open):
            if count < self._size:
                return index
        if len(self._shards) < self._max_shards:
            self._shards.append(self._make_shard())
            self._open.append(0)
            return len(self._shards) - 1
        return min(range(len(self._open)), key=self._open.__getitem__)

    async def handle_async_request(self, request: Any) -> Any:
        index = self._pick()
        self._open[index] += 1

        def done() -> None:
            self._open[index] -= 1

        try:
            response = await self._shards[index].handle_async_request(request)
        except BaseException:
            done()
            raise
        response.stream = self.release(response.stream, done)
        return response

    async def aclose(self) -> None:
        if self.raw is not None:
            self.raw.close()
        shards, self._shards, self._open = self._shards, [], []
        for shard in shards:
            await shard.aclose()

    async def __aenter__(self) -> ShardedTransport:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def fast_path_enabled() -> bool:
    """False when ``TELIC_OPENAI_FAST_PATH`` is set to ``0``/``false``/``no``/``off``."""
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in {"0", "false", "no", "off"}


def install_fast_path(chat: Any) -> bool:
    """Give a ``ChatOpenAI`` the stand-in completions resources; returns whether it did.

    Nothing changes when the switch is off, the SDK lacks what the stand-in needs, or the
    model has no completions clients (a custom subclass, an already wrapped one).
    """
    if not fast_path_enabled() or _sdk_parts() is None:
        return False
    sync, asynchronous = getattr(chat, "client", None), getattr(chat, "async_client", None)
    if sync is None or asynchronous is None or isinstance(sync, FastCompletions):
        return False
    if not (hasattr(sync, "_post") and hasattr(asynchronous, "_post")):
        return False
    chat.client = FastCompletions(sync, asynchronous=False)
    chat.async_client = FastCompletions(asynchronous, asynchronous=True)
    return True
