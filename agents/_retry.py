"""telic's own retry layer for model calls.

The LangChain clients are built with ``max_retries=0``; this layer retries instead, so every
retry is visible and ends up in the episode record. It retries rate limits (429), server errors
(5xx, including Anthropic's 529 "overloaded"), timeouts, connection errors and malformed
responses, with exponential backoff and full jitter: before retry ``k`` it waits a uniform
random time in ``[0, min(max_wait_s, base_wait_s * 2**(k-1))]``. A ``Retry-After`` header (in
seconds or as an HTTP date; also ``retry-after-ms``) on a 429 or 503 replaces the random wait.
Other errors (a 400, a bad key) are not retried.

The clock, the sleep functions and the random generator are injectable, so tests run without
waiting.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from agents._errors import ProviderError
from agents._limits import async_sleep
from telic.errors import TelicError

if TYPE_CHECKING:
    import numpy as np

T = TypeVar("T")

#: Modules whose exceptions come from a provider call (SDKs, HTTP stack, LangChain adapters).
_PROVIDER_MODULES = (
    "openai",
    "anthropic",
    "httpx",
    "httpcore",
    "h11",
    "langchain_openai",
    "langchain_anthropic",
)
RETRYABLE_KINDS = frozenset({"rate_limit", "server", "timeout", "connection", "malformed"})


class MalformedResponseError(TelicError, RuntimeError):
    """A provider answered, but the answer could not be read (retryable)."""


def check_openai_body(data: Any) -> None:
    """Raise :class:`MalformedResponseError` for a chat-completions body that carries no
    answer: no ``choices``, a choice without its ``message``, or a message with neither
    content nor tool calls nor a refusal (an empty string is an answer: the model said
    nothing, which the env sees as an invalid action)."""
    if not isinstance(data, dict):
        raise MalformedResponseError(f"the response body is {type(data).__name__}, not an object")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        raise MalformedResponseError("the response has no choices")
    for choice in choices:
        message = choice.get("message") if isinstance(choice, dict) else None
        if not isinstance(message, dict):
            raise MalformedResponseError("a choice of the response has no message")
        said = message.get("content") is not None or message.get("refusal")
        if not said and not message.get("tool_calls"):
            raise MalformedResponseError("the response message has no content")


def check_message(message: Any) -> None:
    """Raise :class:`MalformedResponseError` for an ``AIMessage`` that carries no answer: an
    empty list of content blocks and no tool calls (Anthropic's ``content: []``), the same
    rule :func:`check_openai_body` applies to the other wire."""
    content = getattr(message, "content", None)
    empty = content is None or (isinstance(content, list) and not content)
    if empty and not getattr(message, "tool_calls", None):
        raise MalformedResponseError("the response has no content blocks")


class NonRetryableModelError(TelicError, RuntimeError):
    """A model failure that retrying cannot fix (e.g. the prompt exceeds the context)."""


def _from_provider(exc: BaseException) -> bool:
    if type(exc).__module__.split(".")[0] in _PROVIDER_MODULES:
        return True
    tb = exc.__traceback__
    while tb is not None:
        name = str(tb.tb_frame.f_globals.get("__name__", ""))
        if name.split(".")[0] in _PROVIDER_MODULES:
            return True
        tb = tb.tb_next
    return False


def classify_error(exc: BaseException) -> str | None:
    """The failure kind of an exception raised by a model call, ``None`` if it is not a
    provider failure (a bug, which the runtime lets propagate).

    Kinds: ``rate_limit``, ``server``, ``timeout``, ``connection``, ``malformed`` (retried) and
    ``client`` (not retried).
    """
    if isinstance(exc, MalformedResponseError):
        return "malformed"
    if isinstance(exc, NonRetryableModelError):
        return "client"
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        if status == 429:
            return "rate_limit"
        if status == 408:
            return "timeout"
        if status in (409, 425) or status >= 500:
            return "server"
        return "client"
    # Class names along the MRO cover the SDKs' and httpx's hierarchies without importing
    # them (httpx.ConnectError is a TransportError, openai.APITimeoutError a "Timeout", ...).
    names = " ".join(cls.__name__ for cls in type(exc).__mro__)
    if isinstance(exc, TimeoutError) or "Timeout" in names:  # asyncio's is this one
        return "timeout"
    connection_words = ("Connection", "Connect", "Transport", "Network", "Protocol")
    if isinstance(exc, ConnectionError) or any(word in names for word in connection_words):
        return "connection"
    name = type(exc).__name__
    if isinstance(exc, json.JSONDecodeError) or "Validation" in name or "Decod" in name:
        return "malformed"
    if _from_provider(exc):
        # An SDK or adapter choked on the response body (a missing field, a bad type).
        if isinstance(exc, KeyError | TypeError | ValueError | AttributeError | IndexError):
            return "malformed"
        return "client"
    return None


def retry_after_seconds(exc: BaseException, now: float | None = None) -> float | None:
    """The wait a 429/503 response asks for via ``Retry-After``/``retry-after-ms``, if any.

    Args:
        exc: The exception; its ``response.headers`` are read when present.
        now: Current Unix time, for HTTP-date values (defaults to ``time.time()``).
    """
    status = getattr(exc, "status_code", None)
    if status not in (429, 503):
        return None
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # an HTTP date: rare, and the module is slow to import

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _fresh_rng() -> np.random.Generator:
    """An unseeded generator (numpy is imported when a policy is made, not with the module)."""
    import numpy as np

    return np.random.default_rng()


@dataclass(frozen=True)
class RetryPolicy:
    """How failed model calls are retried (see the module docstring)."""

    max_attempts: int = 6
    """Attempts in total, the first included (1 disables retries)."""
    base_wait_s: float = 1.0
    """Backoff scale: the cap of the random wait before retry k is ``base_wait_s * 2**(k-1)``."""
    max_wait_s: float = 60.0
    """Longest single wait, ``Retry-After`` included."""
    sleep: Callable[[float], Any] = time.sleep
    """Blocking sleep used by synchronous calls."""
    asleep: Callable[[float], Awaitable[Any]] = async_sleep
    """Sleep used by asynchronous calls."""
    clock: Callable[[], float] = time.time
    """Unix-time clock, for ``Retry-After`` HTTP dates."""
    rng: np.random.Generator = field(default_factory=_fresh_rng)
    """Randomness of the jitter."""

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError(f"max_attempts must be an integer >= 1, got {self.max_attempts!r}")
        if self.base_wait_s < 0 or self.max_wait_s < 0:
            raise ValueError(
                f"waits must be >= 0 seconds, got base_wait_s={self.base_wait_s}, "
                f"max_wait_s={self.max_wait_s}"
            )

    def wait_before(self, retry: int, exc: BaseException) -> float:
        """Seconds to wait before retry number ``retry`` (1-based) after ``exc``."""
        asked = retry_after_seconds(exc, now=self.clock())
        if asked is not None:
            return min(self.max_wait_s, asked)
        cap = min(self.max_wait_s, self.base_wait_s * 2 ** (retry - 1))
        return float(self.rng.uniform(0.0, cap)) if cap > 0 else 0.0

    def _decide(self, attempt: int, exc: BaseException, retries: list[dict[str, Any]]) -> float:
        kind = classify_error(exc)
        if kind is None:
            raise exc
        if kind not in RETRYABLE_KINDS or attempt >= self.max_attempts:
            suffix = f" after {attempt} attempts" if kind in RETRYABLE_KINDS else " (not retryable)"
            raise ProviderError(kind, _describe(exc) + suffix, retries=retries) from exc
        wait = self.wait_before(attempt, exc)
        retries.append({"attempt": attempt, "error": _describe(exc), "kind": kind, "wait_s": wait})
        return wait

    def call(self, fn: Callable[[], T]) -> tuple[T, list[dict[str, Any]]]:
        """Run ``fn`` with retries; returns its result and the retries made.

        Raises:
            ProviderError: when the call fails for good (its ``retries`` lists the retries).
        """
        retries: list[dict[str, Any]] = []
        attempt = 1
        while True:
            try:
                return fn(), retries
            except Exception as exc:
                wait = self._decide(attempt, exc, retries)
            self.sleep(wait)
            attempt += 1

    async def acall(self, fn: Callable[[], Awaitable[T]]) -> tuple[T, list[dict[str, Any]]]:
        """Async version of :meth:`call`."""
        retries: list[dict[str, Any]] = []
        attempt = 1
        while True:
            try:
                return await fn(), retries
            except Exception as exc:
                wait = self._decide(attempt, exc, retries)
            await self.asleep(wait)
            attempt += 1
