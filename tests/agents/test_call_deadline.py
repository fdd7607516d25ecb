"""A call's deadline bounds the whole call (a reply dripping in included), and the episode's
wall-time budget bounds the call it falls in, on both wires and both call paths."""

from __future__ import annotations

import asyncio

import pytest
from agent_toy import ENV_ID

from agents import AgentConfig, Budget, RetryPolicy, arun_episode, make_model, run_episode
from agents._model import DEFAULT_CALL_TIMEOUT_S
from agents.testing import FakeProviderServer, Fault

pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")
SPECS = {"openai": "openai:gpt-4o-mini", "anthropic": "anthropic:claude-sonnet-4-20250514"}


def _model(api: str, server: FakeProviderServer, **options):
    url = server.anthropic_base_url if api == "anthropic" else server.openai_base_url
    retry = RetryPolicy(base_wait_s=0.0)
    return make_model(SPECS[api], base_url=url, api_key="test-dummy", retry=retry, **options)


def _play(mode: str, **kwargs):
    if mode == "async":
        return asyncio.run(arun_episode(**kwargs))
    return run_episode(**kwargs)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("api", list(SPECS))
def test_timeout_bounds_a_reply_that_drips_in(api: str, mode: str) -> None:
    # The deadline is generous for the calls that answer at once (a loaded machine must not
    # time them out) and far below the drip's 60 s, whose bytes come every ~0.1 s, always
    # within the SDK's read timeout: only the whole-call deadline can cut that reply.
    with FakeProviderServer(policy="toy_oracle") as server:
        server.inject(Fault("drip", delay_s=60.0))
        record = _play(mode, env_id=ENV_ID, seed=1, model=_model(api, server, timeout=2))
    assert record.completed and record.stop_reason == "terminated"
    assert record.retries and {r["kind"] for r in record.retries} == {"timeout"}
    assert "within 2 s" in record.retries[0]["error"]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("api", list(SPECS))
def test_the_wall_time_budget_stops_a_call_in_progress(api: str, mode: str) -> None:
    with FakeProviderServer(policy="toy_oracle") as server:
        server.inject(None, Fault("timeout", delay_s=30.0))  # the second call hangs
        # the budget leaves the first call (~0.2 s of CPU) ample room on a loaded machine
        config = AgentConfig(budget=Budget(max_wall_time_s=8.0))
        record = _play(
            mode, env_id=ENV_ID, seed=1, model=_model(api, server, timeout=30), config=config
        )
    # waited out, the second call would have answered and been played (steps == 2) before the
    # budget check; cut, the episode ends inside it with the first call's usage kept
    assert record.stop_reason == "budget_time" and record.steps == 1
    assert record.errors == [] and record.usage.calls == 1


def test_network_models_get_a_whole_call_deadline_by_default() -> None:
    model = make_model("openai:gpt-4o-mini", api_key="test-dummy")
    assert model.call_timeout_s == DEFAULT_CALL_TIMEOUT_S
    assert model.chat.request_timeout == DEFAULT_CALL_TIMEOUT_S  # not the SDK's 600 s
    assert make_model("openai:gpt-4o-mini", api_key="x", timeout=7).call_timeout_s == 7.0
    assert make_model("scripted:oracle").call_timeout_s is None
