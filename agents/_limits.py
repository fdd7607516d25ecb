"""Per-provider concurrency and request-rate limits.

Each provider (``openai``, ``anthropic``, ``openai-compatible``, ``local``, ``scripted``) has one
:class:`ProviderLimiter` per process: a cap on simultaneous calls (a semaphore, one per event
loop for async callers and a thread semaphore for sync callers) and an optional
requests-per-minute token bucket. Configure them with :func:`configure_limits` or the
``max_concurrency``/``rpm`` options of :func:`agents.make_model`.

The bucket reserves a slot under a thread lock and sleeps outside it, so it is safe for threads
and for many coroutines on one loop alike.
"""

from __future__ import annotations

import contextlib
import threading
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

#: Default simultaneous calls per provider; the embedded model is not thread-safe.
DEFAULT_CONCURRENCY: dict[str, int] = {"local": 1}
FALLBACK_CONCURRENCY = 16


async def async_sleep(delay: float) -> None:
    """``asyncio.sleep``, importing asyncio on first use (commands that never call a model,
    such as ``telic validate``, start without it)."""
    import asyncio

    await asyncio.sleep(delay)


class TokenBucket:
    """A requests-per-minute limiter: ``rpm`` tokens per minute, burst up to ``rpm``."""

    def __init__(self, rpm: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rpm <= 0:
            raise ValueError(f"rpm must be > 0 requests per minute, got {rpm}")
        self.rpm = float(rpm)
        self._rate = self.rpm / 60.0
        self._capacity = max(1.0, self.rpm)
        self._tokens = self._capacity
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take one token; returns how long the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._capacity, self._tokens + (now - self._last) * self._rate)
            self._last = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self._rate


class ProviderLimiter:
    """The concurrency cap and rate limit of one provider."""

    def __init__(
        self,
        provider: str,
        *,
        max_concurrency: int | None = None,
        rpm: float | None = None,
        sleep: Callable[[float], Any] = time.sleep,
        asleep: Callable[[float], Awaitable[Any]] = async_sleep,
    ) -> None:
        concurrency = (
            max_concurrency
            if max_concurrency is not None
            else DEFAULT_CONCURRENCY.get(provider, FALLBACK_CONCURRENCY)
        )
        if not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"max_concurrency must be an integer >= 1, got {concurrency!r}")
        self.provider = provider
        self.max_concurrency = concurrency
        self.bucket = TokenBucket(rpm) if rpm is not None else None
        self._sleep = sleep
        self._asleep = asleep
        self._thread_sem = threading.BoundedSemaphore(concurrency)
        self._loop_sems: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._loop_sems = weakref.WeakKeyDictionary()
        self._last_loop_sem: (
            tuple[weakref.ref[asyncio.AbstractEventLoop], asyncio.Semaphore] | None
        ) = None
        self._guard = threading.Lock()
        self.active = 0
        """Calls in flight right now (for tests and diagnostics)."""
        self.peak = 0
        """Most calls ever in flight at once."""

    def _enter(self) -> None:
        with self._guard:
            self.active += 1
            self.peak = max(self.peak, self.active)

    def _exit(self) -> None:
        with self._guard:
            self.active -= 1

    def _loop_semaphore(self) -> asyncio.Semaphore:
        import asyncio

        loop = asyncio.get_running_loop()
        last = self._last_loop_sem
        if last is not None and last[0]() is loop:  # the usual case: the same loop as before
            return last[1]
        with self._guard:
            sem = self._loop_sems.get(loop)
            if sem is None:
                sem = asyncio.Semaphore(self.max_concurrency)
                self._loop_sems[loop] = sem
            self._last_loop_sem = (weakref.ref(loop), sem)
            return sem

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one call slot (blocking)."""
        with self._thread_sem:
            if self.bucket is not None:
                wait = self.bucket.reserve()
                if wait > 0:
                    self._sleep(wait)
            self._enter()
            try:
                yield
            finally:
                self._exit()

    @contextlib.asynccontextmanager
    async def aslot(self) -> AsyncIterator[None]:
        """Hold one call slot (async)."""
        async with self._loop_semaphore():
            if self.bucket is not None:
                wait = self.bucket.reserve()
                if wait > 0:
                    await self._asleep(wait)
            self._enter()
            try:
                yield
            finally:
                self._exit()


_LIMITERS: dict[str, ProviderLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def configure_limits(
    provider: str,
    *,
    max_concurrency: int | None = None,
    rpm: float | None = None,
) -> ProviderLimiter:
    """Set the concurrency cap and requests-per-minute limit of ``provider``.

    Replaces the provider's limiter for calls started afterwards.

    Args:
        provider: ``openai``, ``anthropic``, ``openai-compatible``, ``local`` or ``scripted``.
        max_concurrency: Most simultaneous calls (default 16; 1 for ``local``).
        rpm: Most requests per minute, or ``None`` for no rate limit.
    """
    limiter = ProviderLimiter(provider, max_concurrency=max_concurrency, rpm=rpm)
    with _LIMITERS_LOCK:
        _LIMITERS[provider] = limiter
    return limiter


def limiter_for(provider: str) -> ProviderLimiter:
    """The current limiter of ``provider`` (created with defaults on first use)."""
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(provider)
        if limiter is None:
            limiter = ProviderLimiter(provider)
            _LIMITERS[provider] = limiter
        return limiter
