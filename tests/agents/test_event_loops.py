"""Models made in one process keep working across event loops (a second asyncio.run).

Regression: langchain-openai shared one async HTTP client per base URL, bound to the first event
loop, so the second run of a notebook or of run_scenario failed with "Event loop is closed".
"""

from __future__ import annotations

import asyncio

import pytest

from agents import arun_episode, make_model
from agents.testing import FakeProviderServer


@pytest.mark.parametrize("provider", ["openai-compatible", "anthropic"])
def test_a_new_event_loop_gets_a_working_model(provider: str) -> None:
    with FakeProviderServer() as server:
        url = (
            server.openai_base_url if provider == "openai-compatible" else server.anthropic_base_url
        )
        for seed in range(2):
            model = make_model(f"{provider}:fake", base_url=url, api_key="test-key")
            record = asyncio.run(
                arun_episode(
                    env_id="telic/CognitiveEffort-v1",
                    env_kwargs={"n_blocks": 3},
                    seed=seed,
                    model=model,
                )
            )
            assert record.errors == [], record.errors
            assert record.completed
