"""The retry layer (classification, backoff, Retry-After) and the provider limiters."""

from __future__ import annotations

import asyncio
import email.utils
import json

import httpx
import numpy as np
import pytest

from agents import ProviderError, RetryPolicy, configure_limits
from agents._limits import ProviderLimiter, TokenBucket, limiter_for
from agents._retry import MalformedResponseError, classify_error, retry_after_seconds


class _Status(Exception):
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"status {status}")
        self.status_code = status
        self.response = httpx.Response(status, headers=headers or {})


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (_Status(429), "rate_limit"),
        (_Status(500), "server"),
        (_Status(503), "server"),
        (_Status(529), "server"),
        (_Status(408), "timeout"),
        (_Status(400), "client"),
        (_Status(401), "client"),
        (TimeoutError(), "timeout"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (httpx.ConnectError("refused"), "connection"),
        (ConnectionResetError(), "connection"),
        (json.JSONDecodeError("bad", "{", 0), "malformed"),
        (MalformedResponseError("x"), "malformed"),
        (ZeroDivisionError(), None),
        (KeyError("bug"), None),
    ],
)
def test_classify_error(exc: BaseException, kind: str | None) -> None:
    assert classify_error(exc) == kind


def test_retry_after_in_seconds_milliseconds_and_http_dates() -> None:
    assert retry_after_seconds(_Status(429, {"retry-after": "12"})) == 12.0
    assert retry_after_seconds(_Status(429, {"retry-after-ms": "1500"})) == 1.5
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_seconds(_Status(503, {"retry-after": date}), now=1_000_000) == 30.0
    assert retry_after_seconds(_Status(500, {"retry-after": "12"})) is None  # only 429/503
    assert retry_after_seconds(_Status(429, {"retry-after": "soon"})) is None
    assert retry_after_seconds(_Status(429)) is None


def test_backoff_is_full_jitter_capped_by_max_wait() -> None:
    policy = RetryPolicy(base_wait_s=1.0, max_wait_s=5.0, rng=np.random.default_rng(0))
    for retry in range(1, 8):
        cap = min(5.0, 2 ** (retry - 1))
        waits = [policy.wait_before(retry, _Status(500)) for _ in range(200)]
        assert all(0.0 <= w <= cap for w in waits)
        assert max(waits) > 0.7 * cap  # the whole range is used, not a fixed delay
    assert policy.wait_before(1, _Status(429, {"retry-after": "100"})) == 5.0  # capped


def test_call_retries_then_succeeds_and_reports_each_retry() -> None:
    slept: list[float] = []
    outcomes = iter([_Status(429, {"retry-after": "3"}), httpx.ConnectError("x"), "ok"])

    def flaky() -> str:
        value = next(outcomes)
        if isinstance(value, Exception):
            raise value
        return value

    result, retries = RetryPolicy(sleep=slept.append).call(flaky)
    assert result == "ok"
    assert [r["kind"] for r in retries] == ["rate_limit", "connection"]
    assert [r["attempt"] for r in retries] == [1, 2]
    assert slept[0] == 3.0 and slept == [r["wait_s"] for r in retries]


def test_call_gives_up_after_max_attempts_and_not_on_client_errors() -> None:
    calls = []

    def down() -> None:
        calls.append(1)
        raise _Status(500)

    with pytest.raises(ProviderError) as info:
        RetryPolicy(max_attempts=4, sleep=lambda s: None).call(down)
    assert len(calls) == 4 and len(info.value.retries) == 3 and info.value.kind == "server"
    calls.clear()

    def denied() -> None:
        calls.append(1)
        raise _Status(401)

    with pytest.raises(ProviderError, match="not retryable"):
        RetryPolicy(sleep=lambda s: None).call(denied)
    assert len(calls) == 1


def test_async_call_uses_the_async_sleep() -> None:
    slept: list[float] = []

    async def asleep(seconds: float) -> None:
        slept.append(seconds)

    outcomes = iter([_Status(503, {"retry-after": "2"}), "ok"])

    async def flaky() -> str:
        value = next(outcomes)
        if isinstance(value, Exception):
            raise value
        return value

    result, retries = asyncio.run(RetryPolicy(asleep=asleep).acall(flaky))
    assert result == "ok" and slept == [2.0] and retries[0]["kind"] == "server"


def test_retry_policy_is_validated() -> None:
    with pytest.raises(ValueError, match="max_attempts must be an integer >= 1, got 0"):
        RetryPolicy(max_attempts=0)


def test_token_bucket_allows_a_burst_then_paces() -> None:
    now = [0.0]
    bucket = TokenBucket(60, clock=lambda: now[0])  # one per second, burst 60
    assert [bucket.reserve() for _ in range(60)] == [0.0] * 60
    assert bucket.reserve() == pytest.approx(1.0)
    assert bucket.reserve() == pytest.approx(2.0)
    now[0] = 10.0
    assert bucket.reserve() == 0.0
    with pytest.raises(ValueError, match="rpm must be > 0"):
        TokenBucket(0)


def test_limiter_sleeps_when_the_rate_is_exceeded() -> None:
    slept: list[float] = []
    limiter = ProviderLimiter("test", rpm=1, sleep=slept.append)
    with limiter.slot():
        pass
    with limiter.slot():
        pass
    assert len(slept) == 1 and slept[0] == pytest.approx(60.0, rel=0.01)


def test_async_limiter_caps_concurrency_per_loop() -> None:
    limiter = ProviderLimiter("test", max_concurrency=3)

    async def work() -> None:
        async with limiter.aslot():
            await asyncio.sleep(0.01)

    async def main() -> None:
        await asyncio.gather(*(work() for _ in range(12)))

    asyncio.run(main())
    asyncio.run(main())  # a second event loop gets its own semaphore
    assert limiter.peak == 3 and limiter.active == 0


def test_configure_limits_replaces_the_provider_limiter() -> None:
    try:
        configured = configure_limits("anthropic", max_concurrency=4, rpm=100)
        assert limiter_for("anthropic") is configured
        assert configured.max_concurrency == 4 and configured.bucket is not None
        with pytest.raises(ValueError, match="max_concurrency must be an integer >= 1"):
            configure_limits("anthropic", max_concurrency=0)
    finally:
        configure_limits("anthropic")
    assert limiter_for("local").max_concurrency == 1
