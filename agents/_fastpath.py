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

Set ``TELIC_OPENAI_FAST_PATH=0`` to send every request through ``create()``.

The Anthropic SDK (2.x) posts its ``messages.create`` body without a conversion step (per call
1.2 ms at 2 messages, 2.0 ms at 160, measured the same way), so it is left as it is.
"""

from __future__ import annotations

import inspect
import os
from functools import cache
from typing import Any

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
    """``with_raw_response`` of the stand-in: ``create`` is ours, the rest the SDK's."""

    def __init__(self, resource: Any, create: Any) -> None:
        self._resource = resource
        self.create = create

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
        self.with_raw_response = _RawResponses(resource, wrapper(self.create))

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
        if self._security:
            option_args["security"] = {"bearer_auth": True}
        return self._resource._post(
            "/chat/completions",
            body=body,
            options=self._make_options(**option_args),
            cast_to=self._cast_to,
            stream=False,
        )


def async_http_client() -> Any:
    """The async HTTP client of one OpenAI-wire model: the SDK's default client, but keeping
    every connection it opens alive (the SDK keeps 100 of its 1,000; with more calls in flight
    than that, each call beyond the 100th opened and closed a connection of its own)."""
    import openai

    default = openai.DEFAULT_CONNECTION_LIMITS
    limits = type(default)(
        max_connections=default.max_connections,
        max_keepalive_connections=default.max_connections,
        keepalive_expiry=default.keepalive_expiry,
    )
    return openai.DefaultAsyncHttpxClient(limits=limits)


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
