"""A chat model with telic's call discipline: cache, rate limits and retries.

:class:`Model` wraps any LangChain chat model. Every call goes, in order, through the LLM-call
cache (if one is attached), the provider's concurrency and rate limiter (held per attempt, not
while backing off) and the retry layer. :func:`agents.make_model` builds one from a spec string;
:meth:`Model.wrap` adapts a chat model you built yourself.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from agents._cache import CacheKey, LLMCache
from agents._limits import limiter_for
from agents._retry import MalformedResponseError, RetryPolicy, check_message
from telic.errors import TelicError

T = TypeVar("T")

#: Seconds one call attempt may take, connection and the whole body included, when the model's
#: ``timeout`` option is not given (the SDKs' own default, 600 s, bounds only each read).
DEFAULT_CALL_TIMEOUT_S = 300.0
#: Characters of one reply kept (text, reasoning and each tool call's arguments); the rest is
#: cut and the cut recorded.
DEFAULT_MAX_REPLY_CHARS = 200_000


class CallTimeoutError(TelicError, TimeoutError):
    """One call attempt took longer than its deadline (retried like any timeout)."""


class WallTimeExceeded(TelicError):
    """The episode's wall-time budget ran out during a model call."""


def _within(seconds: float, fn: Callable[[], T], on_timeout: Callable[[], Exception]) -> T:
    """``fn()`` in a worker thread, abandoned after ``seconds`` (blocking calls cannot be
    cancelled; the abandoned one ends on its own, its answer unused)."""
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, daemon=True, name="telic-model-call").start()
    if not done.wait(seconds):
        raise on_timeout()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _direct_kwargs(chat: Any, runnable: Any) -> dict[str, Any] | None:
    """The bound arguments of a call that may skip LangChain's run machinery (only models
    with telic's chat-completions fast path qualify; see ``agents._fastpath``)."""
    if getattr(chat, "async_client", None) is None or "agents._fastpath" not in sys.modules:
        return None
    from agents._fastpath import direct_kwargs

    return direct_kwargs(chat, runnable)


if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, BaseMessage
    from langchain_core.runnables import Runnable

#: Options that configure the transport, not the sampling; they stay out of the cache key.
TRANSPORT_OPTIONS = frozenset(
    {
        "api_key",
        "base_url",
        "timeout",
        "max_retries",
        "default_headers",
        "default_query",
        "http_client",
        "http_async_client",
        "organization",
        "n_ctx",
        "n_threads",
        "model_path",
    }
)


@dataclass(frozen=True)
class ModelReply:
    """One answered model call."""

    message: AIMessage
    """The model's message."""
    cached: bool = False
    """Whether the LLM-call cache answered it."""
    retries: list[dict[str, Any]] = field(default_factory=list)
    """Retries made before the answer: ``{"attempt", "error", "kind", "wait_s"}``."""


@dataclass
class Model:
    """A chat model plus the spec it was made from and how its calls are made.

    Attributes:
        spec: The model spec string (``openai:gpt-4o-mini``, ``scripted:oracle``, ...).
        chat: The LangChain chat model.
        options: Sampling options (part of the cache key).
        retry: The retry policy.
        cache: The LLM-call cache, or ``None``.
        call_timeout_s: Deadline of one call attempt, connection, waiting and the whole body
            included (``None``: none); an attempt past it is retried as a timeout.
        max_reply_chars: Characters of a reply kept (``None``: all); see
            :data:`DEFAULT_MAX_REPLY_CHARS`.
    """

    spec: str
    chat: BaseChatModel
    options: Mapping[str, Any] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    cache: LLMCache | None = None
    call_timeout_s: float | None = None
    max_reply_chars: int | None = DEFAULT_MAX_REPLY_CHARS
    _bound: dict[str, Runnable] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def provider(self) -> str:
        """The provider part of the spec (``openai``, ``scripted``, ...)."""
        return self.spec.split(":", 1)[0]

    @classmethod
    def wrap(
        cls,
        chat: BaseChatModel,
        spec: str,
        *,
        retry: RetryPolicy | None = None,
        cache: LLMCache | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> Model:
        """Adapt a LangChain chat model built elsewhere (limits apply by ``spec``'s provider)."""
        return cls(spec, chat, dict(options or {}), retry or RetryPolicy(), cache)

    def for_episode(self, seed: int) -> Model:
        """The model for one episode: a chat model that takes the env seed (the scripted ones,
        via its ``for_episode``) gets it, and the seed joins the cache key, since such a
        model's answer depends on it and not only on the messages; any other model is returned
        as it is."""
        hook = getattr(self.chat, "for_episode", None)
        if hook is None:
            return self
        options = {**self.options, "episode_seed": seed}
        return dataclasses.replace(self, chat=hook(seed), options=options, _bound={})

    def _runnable(self, tools: Sequence[Mapping[str, Any]] | None) -> Runnable:
        if not tools:
            return self.chat
        key = json.dumps(list(tools), sort_keys=True, default=str)
        with self._lock:
            bound = self._bound.get(key)
            if bound is None:
                bound = self.chat.bind_tools([dict(t) for t in tools])
                self._bound[key] = bound
            return bound

    def _key(
        self,
        messages: Sequence[BaseMessage],
        tools: Sequence[Mapping[str, Any]] | None,
        sample_index: int,
    ) -> CacheKey | None:
        if self.cache is None or self.cache.mode == "off":
            return None
        options = {k: v for k, v in self.options.items() if k not in TRANSPORT_OPTIONS}
        return CacheKey.of(self.spec, messages, tools, options, sample_index)

    @staticmethod
    def _check(result: Any) -> AIMessage:
        from langchain_core.messages import AIMessage

        if not isinstance(result, AIMessage):
            raise MalformedResponseError(
                f"the model returned {type(result).__name__}, not an AIMessage"
            )
        check_message(result)
        return result

    def call(
        self,
        messages: Sequence[BaseMessage],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        sample_index: int = 0,
        time_left_s: float | None = None,
    ) -> ModelReply:
        """Call the model (blocking).

        Args:
            messages: The conversation.
            tools: Tool schemas to bind.
            sample_index: Which sample of the same call (part of the cache key).
            time_left_s: The episode's remaining wall-time budget: the call, its retries
                included, stops when it runs out.

        Raises:
            ProviderError: when the call fails for good.
            CacheMissError: in replay mode, when the call was never recorded.
            WallTimeExceeded: ``time_left_s`` ran out first.
        """
        key = self._key(messages, tools, sample_index)
        if key is not None and self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return ModelReply(hit, cached=True)
        runnable = self._runnable(tools)
        limiter = limiter_for(self.provider)

        end = None if time_left_s is None else time.monotonic() + time_left_s

        def attempt() -> AIMessage:
            with limiter.slot():
                limit, wall = self.call_timeout_s, False
                if end is not None:
                    left = end - time.monotonic()
                    if left <= 0:
                        raise WallTimeExceeded("the wall-time budget ran out before a call")
                    if limit is None or left < limit:
                        limit, wall = left, True
                if limit is None:
                    return self._check(runnable.invoke(list(messages)))
                return self._check(
                    _within(
                        limit,
                        lambda: runnable.invoke(list(messages)),
                        lambda: self._timed_out(limit, wall),
                    )
                )

        message, retries = self.retry.call(attempt)
        if key is not None and self.cache is not None:
            self.cache.put(key, message)
        return ModelReply(message, cached=False, retries=retries)

    def _timed_out(self, seconds: float, wall: bool) -> Exception:
        if wall:
            return WallTimeExceeded(f"the wall-time budget ran out during a call ({seconds:.1f} s)")
        return CallTimeoutError(f"no complete answer within {seconds:g} s")

    async def acall(
        self,
        messages: Sequence[BaseMessage],
        *,
        tools: Sequence[Mapping[str, Any]] | None = None,
        sample_index: int = 0,
        time_left_s: float | None = None,
    ) -> ModelReply:
        """Call the model (async); see :meth:`call`."""
        import asyncio  # here, not at the top: validate and other model-free commands skip it

        key = self._key(messages, tools, sample_index)
        if key is not None and self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                return ModelReply(hit, cached=True)
        runnable = self._runnable(tools)
        limiter = limiter_for(self.provider)
        direct = _direct_kwargs(self.chat, runnable)

        async def invoke() -> Any:
            if direct is not None:
                from agents._fastpath import ainvoke_direct

                message = await ainvoke_direct(self.chat, list(messages), direct)
                if message is not None:
                    return message
            return await runnable.ainvoke(list(messages))

        async def attempt() -> AIMessage:
            async with limiter.aslot():
                if self.call_timeout_s is None:
                    return self._check(await invoke())
                try:
                    async with asyncio.timeout(self.call_timeout_s) as deadline:
                        return self._check(await invoke())
                except TimeoutError:
                    if deadline.expired():
                        raise self._timed_out(self.call_timeout_s, False) from None
                    raise

        if time_left_s is None:
            message, retries = await self.retry.acall(attempt)
        else:
            try:
                async with asyncio.timeout(max(0.0, time_left_s)) as budget:
                    message, retries = await self.retry.acall(attempt)
            except TimeoutError:
                if budget.expired():
                    raise self._timed_out(time_left_s, True) from None
                raise
        if key is not None and self.cache is not None:
            self.cache.put(key, message)
        return ModelReply(message, cached=False, retries=retries)
