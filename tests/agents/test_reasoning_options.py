"""Reasoning models and options that clash with telic's own, checked on the wire."""

from __future__ import annotations

import pytest

from agents import ModelSpecError, is_reasoning_model, make_model, run_episode
from agents.testing import FakeProviderServer


@pytest.fixture(autouse=True)
def _dummy_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-dummy-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-dummy-anthropic")


@pytest.mark.parametrize(
    ("spec", "reasoning"),
    [
        ("openai:o3-mini", True),
        ("openai:o1", True),
        ("openai:o4-mini-2025-04-16", True),
        ("openai:gpt-5-mini", True),
        ("openai:gpt-5-chat-latest", False),
        ("openai:gpt-4o", False),
        ("openai:omni-x", False),
        ("openai-compatible:o3-mini", False),  # someone else's server: its own rules
    ],
)
def test_reasoning_model_names(spec: str, reasoning: bool) -> None:
    assert is_reasoning_model(spec) is reasoning


def _one_body(spec: str, server: FakeProviderServer, **options: object) -> dict:
    base = server.anthropic_base_url if spec.startswith("anthropic") else server.openai_base_url
    model = make_model(spec, base_url=base, max_attempts=1, **options)
    run_episode(env_id="telic/MeasureHeight-v0", env_kwargs={"n_blocks": 3}, seed=1, model=model)
    return server.bodies[0]


def test_o_series_requests_carry_no_temperature_but_the_effort() -> None:
    with FakeProviderServer(policy="oracle") as server:
        body = _one_body("openai:o3-mini", server, temperature=0.2, reasoning_effort="low")
    assert "temperature" not in body
    assert body["reasoning_effort"] == "low"
    with FakeProviderServer(policy="oracle") as server:
        body = _one_body("openai:gpt-4o-mini", server, temperature=0.2)
    assert body["temperature"] == 0.2


def test_anthropic_thinking_budget() -> None:
    with FakeProviderServer(policy="oracle") as server:
        body = _one_body("anthropic:claude-sonnet-4-6", server, thinking_budget=2048,
                         temperature=0.5)  # fmt: skip
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert "temperature" not in body and body["max_tokens"] > 2048


@pytest.mark.parametrize(
    ("spec", "options", "needle"),
    [
        ("openai:gpt-4o", {"max_retries": 0}, "max_attempts"),
        ("anthropic:claude-haiku-4-5", {"max_retries": 3}, "max_attempts"),
        ("openai:gpt-4o", {"model": "gpt-4"}, "model spec"),
        ("openai:gpt-4o", {"rate_limiter": object()}, "rpm"),
        ("openai:gpt-4o", {"thinking_budget": 2048}, "reasoning_effort"),
        ("anthropic:claude-haiku-4-5", {"reasoning_effort": "low"}, "thinking_budget"),
        ("anthropic:claude-haiku-4-5", {"thinking_budget": 100}, "at least 1024"),
        ("anthropic:claude-haiku-4-5", {"thinking_budget": 2048, "max_tokens": 1000}, "exceed"),
        ("openai:gpt-4o", {"price": {"input": "x", "output": 1}}, "numbers"),
    ],
)
def test_refused_options_name_the_fix(spec: str, options: dict, needle: str) -> None:
    with pytest.raises(ModelSpecError, match=needle):
        make_model(spec, **options)


def test_scripted_models_ignore_reasoning_options() -> None:
    model = make_model("scripted:oracle", reasoning_effort="low", thinking_budget=2048)
    assert model.spec == "scripted:oracle"
