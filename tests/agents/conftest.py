"""Shared fixtures of the agent-runtime tests: the toy env, offline environment variables."""

from __future__ import annotations

from collections.abc import Iterator

import agent_toy
import pytest


@pytest.fixture(autouse=True)
def _offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No tracing, no real keys, no stray base URL from the machine's environment."""
    monkeypatch.setenv("LANGCHAIN_TRACING_V2", "false")
    monkeypatch.setenv("LANGSMITH_TRACING", "false")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module", autouse=True)
def _toy_registered() -> Iterator[None]:
    """The toy env and policies exist only while a module of this folder runs."""
    agent_toy.register()
    yield
    agent_toy.unregister()
