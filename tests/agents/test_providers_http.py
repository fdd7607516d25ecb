"""Real OpenAI and Anthropic SDKs (via ChatOpenAI/ChatAnthropic) against the fake server."""

from __future__ import annotations

import asyncio
import email.utils

import pytest
from agent_toy import ENV_ID, comparable

from agents import RetryPolicy, arun_episode, configure_limits, make_model, run_episode
from agents._limits import limiter_for
from agents.testing import FakeProviderServer, FakeReply, Fault

pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

APIS = ["openai", "anthropic", "openai-compatible"]
SPECS = {
    "openai": "openai:gpt-4o-mini",
    "anthropic": "anthropic:claude-sonnet-4-20250514",
    "openai-compatible": "openai-compatible:served-model",
}
NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _dummy_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-dummy-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-dummy-anthropic")


def _model(api: str, server: FakeProviderServer, waits: list[float] | None = None, **options):
    url = server.anthropic_base_url if api == "anthropic" else server.openai_base_url
    retry = RetryPolicy(max_attempts=options.pop("max_attempts", 6), clock=lambda: NOW,
                        sleep=(waits if waits is not None else []).append)  # fmt: skip
    options.setdefault("timeout", 30)  # never met by a call that answers, on any machine
    return make_model(SPECS[api], base_url=url, retry=retry, **options)


def _strip_ids(record) -> dict:
    data = comparable(record)
    for message in data["transcript"]:
        for call in message.get("tool_calls") or []:
            call.pop("id")
    for key in ("model", "usage", "cost_usd", "episode_id"):
        data.pop(key)
    return data


MATCH_CASES = [
    *[(api, protocol, "telic/PlanAndExecute-v1") for api in APIS for protocol in ("tags", "tools")],
    ("openai", "tags", "telic/Combined-v1"),
    ("anthropic", "tools", "telic/Combined-v1"),
]


@pytest.mark.parametrize(("api", "protocol", "env_id"), MATCH_CASES)
def test_full_blocksworld_episode_over_http_matches_the_scripted_model(
    api: str, protocol: str, env_id: str
) -> None:
    kwargs = {"env_id": env_id, "seed": 10,
              "env_kwargs": {"n_blocks": 3, "protocol": protocol}}  # fmt: skip
    offline = run_episode(model=make_model("scripted:oracle", seed=0), **kwargs)
    with FakeProviderServer(policy="oracle", seed=0) as server:
        online = run_episode(model=_model(api, server), **kwargs)
        assert server.requests == online.usage.calls == online.steps
    assert online.stop_reason == "terminated" and online.completed
    assert _strip_ids(online) == _strip_ids(offline)
    assert online.usage.input_tokens > 0 and online.usage.output_tokens > 0
    if api == "openai-compatible":
        assert online.cost_usd is None
    else:
        assert online.cost_usd is not None and online.cost_usd > 0
    if protocol == "tools":
        body = server.bodies[-1]
        assert {t.get("name") or t["function"]["name"] for t in body["tools"]} >= {"stack"}


RETRIED = [
    (Fault("rate_limit", retry_after=2), "rate_limit", 2.0),
    (Fault("overloaded", retry_after=email.utils.formatdate(NOW + 7, usegmt=True)), "server", 7.0),
    (Fault("server_error"), "server", None),
    (Fault("timeout", delay_s=60.0), "timeout", None),
    (Fault("truncated"), "malformed", None),
]


@pytest.mark.parametrize(
    ("fault", "kind", "wait"), RETRIED, ids=[f[1] + "-" + f[0].kind for f in RETRIED]
)
@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_transient_faults_end_in_a_successful_retry(api, fault, kind, wait) -> None:
    waits: list[float] = []
    with FakeProviderServer(policy="toy_oracle") as server:
        server.inject(fault)
        # the faulty call waits out a deadline; the others must never meet it, even on a loaded
        # machine, or the episode would show a retry more than the one served
        timeout = 3 if fault.kind == "timeout" else 30
        record = run_episode(
            env_id=ENV_ID, seed=1, model=_model(api, server, waits, timeout=timeout)
        )
        assert server.requests == record.steps + 1
    assert record.stop_reason == "terminated" and record.completed
    assert len(record.retries) == 1
    retry = record.retries[0]
    assert retry["step"] == 1 and retry["attempt"] == 1 and retry["kind"] == kind
    assert waits == [retry["wait_s"]]
    if wait is not None:
        assert retry["wait_s"] == pytest.approx(wait, abs=1.0)
    else:
        assert 0.0 <= retry["wait_s"] <= 1.0  # full jitter below base_wait_s * 2**0
    assert record.errors == []


@pytest.mark.parametrize("protocol", ["tags", "tools"])
@pytest.mark.parametrize("fault", ["bad_tool_args", "empty"])
@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_bad_replies_from_the_wire_are_invalid_actions(api, fault, protocol) -> None:
    with FakeProviderServer(policy="toy_oracle") as server:
        server.inject(fault)
        env_kwargs = {"protocol": protocol}
        record = run_episode(
            env_id=ENV_ID, env_kwargs=env_kwargs, seed=1, model=_model(api, server)
        )
    assert record.retries == [] and record.errors == []
    assert not record.actions[0].valid and all(a.valid for a in record.actions[1:])
    assert record.info["invalid_actions"] == 1
    assert record.completed and record.return_ == record.info["target"] - 1


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_retries_exhausted_end_the_episode_with_a_recorded_error(api: str) -> None:
    with FakeProviderServer(policy="toy_oracle") as server:
        server.inject(*["server_error"] * 5)
        record = run_episode(env_id=ENV_ID, seed=1, model=_model(api, server, max_attempts=3))
        assert server.requests == 3
    assert record.stop_reason == "error" and record.steps == 0
    assert [r["attempt"] for r in record.retries] == [1, 2]
    assert (
        record.errors[0]["kind"] == "server" and "after 3 attempts" in record.errors[0]["message"]
    )
    assert [m.role for m in record.transcript] == ["system", "user"]


def test_a_client_error_is_not_retried() -> None:
    with FakeProviderServer(policy="toy_oracle") as server:
        model = make_model(SPECS["openai"], base_url=server.url + "/wrong/v1")
        record = run_episode(env_id=ENV_ID, seed=1, model=model)
        assert server.requests == 0  # the 404 comes before the responder
    assert record.stop_reason == "error" and record.retries == []
    assert record.errors[0]["kind"] == "client" and "not retryable" in record.errors[0]["message"]


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_hidden_reasoning_survives_the_wire(api: str) -> None:
    def responder(request):
        return FakeReply(text="Done. <done>", reasoning="private chain of thought")

    with FakeProviderServer(responder=responder) as server:
        record = run_episode(env_id=ENV_ID, seed=1, model=_model(api, server))
    said = record.transcript[2]
    assert said.content == "Done. <done>" and said.reasoning == "private chain of thought"


@pytest.fixture
def _limits():
    yield
    configure_limits("openai-compatible")


@pytest.mark.usefixtures("_limits")
def test_async_episodes_share_the_provider_concurrency_limit() -> None:
    configure_limits("openai-compatible", max_concurrency=2)

    async def main(server):
        model = _model("openai-compatible", server)
        return await asyncio.gather(
            *(arun_episode(env_id=ENV_ID, seed=s, model=model) for s in range(5))
        )

    with FakeProviderServer(policy="toy_oracle", latency_s=0.02) as server:
        records = asyncio.run(main(server))
        assert server.requests == sum(r.usage.calls for r in records)
    assert all(r.completed for r in records)
    assert limiter_for("openai-compatible").peak == 2


def test_async_and_sync_agree_over_http() -> None:
    with FakeProviderServer(policy="toy_oracle") as server:
        model = _model("anthropic", server)
        sync = run_episode(env_id=ENV_ID, seed=4, model=model)
        asynchronous = asyncio.run(arun_episode(env_id=ENV_ID, seed=4, model=model))
    assert _strip_ids(sync) == _strip_ids(asynchronous)
