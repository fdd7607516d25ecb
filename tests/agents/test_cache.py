"""The SQLite LLM-call cache: record, replay offline, explain misses, share across coroutines."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from agent_toy import ENV_ID, comparable
from langchain_core.messages import HumanMessage, SystemMessage

from agents import (
    AgentConfig,
    Budget,
    CacheMissError,
    LLMCache,
    arun_episode,
    make_model,
    run_episode,
)
from agents._cache import CacheKey, describe_difference
from agents.testing import FakeProviderServer


@pytest.fixture(autouse=True)
def _dummy_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-dummy")


def _openai(base_url: str, cache: LLMCache, **options):
    # one attempt: a call that timed out would be an error in the episode, so the deadline is
    # far from anything a loaded machine takes (answers from the cache make no call at all)
    return make_model("openai:gpt-4o-mini", base_url=base_url, cache=cache, max_attempts=1,
                      timeout=60, **options)  # fmt: skip


def _same(a, b) -> None:
    left, right = comparable(a), comparable(b)
    left["usage"].pop("cached_calls")
    right["usage"].pop("cached_calls")
    assert left == right


@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_record_then_replay_offline_gives_identical_records(tmp_path: Path, protocol: str) -> None:
    kwargs = {"env_id": "telic/PlanAndExecute-v1", "seed": 10,
              "env_kwargs": {"n_blocks": 3, "protocol": protocol}}  # fmt: skip
    path = tmp_path / "calls.sqlite"
    with FakeProviderServer(policy="oracle") as server:
        recorded = run_episode(model=_openai(server.openai_base_url, LLMCache(path)), **kwargs)
        dead_url = server.openai_base_url
        assert server.requests == recorded.usage.calls
    assert recorded.usage.cached_calls == 0 and recorded.completed
    replay = LLMCache(path, mode="replay")
    replayed = run_episode(model=_openai(dead_url, replay), **kwargs)  # server is gone
    assert replayed.usage.cached_calls == replayed.usage.calls == recorded.usage.calls
    assert replayed.errors == [] and replayed.retries == []
    _same(recorded, replayed)
    assert len(replay) == recorded.usage.calls


def test_read_write_answers_repeated_calls_from_the_cache(tmp_path: Path) -> None:
    cache = LLMCache(tmp_path / "c.sqlite")
    with FakeProviderServer(policy="toy_oracle") as server:
        first = run_episode(env_id=ENV_ID, seed=1, model=_openai(server.openai_base_url, cache))
        before = server.requests
        second = run_episode(env_id=ENV_ID, seed=1, model=_openai(server.openai_base_url, cache))
        assert server.requests == before
    assert second.usage.cached_calls == second.usage.calls > 0
    _same(first, second)


def _record_toy(path: Path, **options) -> None:
    model = make_model("scripted:toy_oracle", cache=LLMCache(path), **options)
    run_episode(env_id=ENV_ID, seed=1, model=model)


def test_a_miss_names_the_differing_message(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _record_toy(path)
    model = make_model("scripted:toy_oracle", cache=LLMCache(path, mode="replay"))
    with pytest.raises(CacheMissError, match=r"message 1 \(human\) differs"):
        run_episode(env_id=ENV_ID, seed=12345, model=model)  # another target in observation 1


def test_a_miss_names_a_longer_conversation(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    model = make_model("scripted:toy_oracle", cache=LLMCache(path))
    run_episode(env_id=ENV_ID, seed=1, model=model, config=AgentConfig(budget=Budget(max_steps=1)))
    model = make_model("scripted:toy_oracle", cache=LLMCache(path, mode="replay"))
    with pytest.raises(CacheMissError, match=r"the call has 4 messages, the recorded one 2"):
        run_episode(env_id=ENV_ID, seed=1, model=model)


def test_a_miss_names_differing_options(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _record_toy(path, temperature=0.7)
    model = make_model("scripted:toy_oracle", temperature=0.2,
                       cache=LLMCache(path, mode="replay"))  # fmt: skip
    with pytest.raises(CacheMissError, match=r"options differ: temperature 0.2 vs 0.7"):
        run_episode(env_id=ENV_ID, seed=1, model=model)


def test_a_miss_names_the_sample_index_and_unknown_models(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    _record_toy(path)
    model = make_model("scripted:toy_oracle", cache=LLMCache(path, mode="replay"))
    with pytest.raises(CacheMissError, match=r"sample index differs: 1 vs 0"):
        run_episode(env_id=ENV_ID, seed=1, model=model, config=AgentConfig(sample_index=1))
    other = make_model("scripted:toy_random", cache=LLMCache(path, mode="replay"))
    with pytest.raises(CacheMissError, match=r"nothing recorded for model 'scripted:toy_random'"):
        run_episode(env_id=ENV_ID, seed=1, model=other)


def test_describe_difference_covers_tools() -> None:
    messages = [SystemMessage("s"), HumanMessage("h")]
    a = CacheKey.of("x:y", messages, [{"name": "inc"}], {}, 0)
    b = CacheKey.of("x:y", messages, [{"name": "dec"}], {}, 0)
    assert describe_difference(a, b) == "tools differ"
    assert a.digest != b.digest
    assert (
        CacheKey.of("x:y", messages, None, {}, 0).digest
        == CacheKey.of("x:y", list(messages), None, {}, 0).digest
    )


def test_off_mode_and_bad_modes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cache mode must be one of"):
        LLMCache(tmp_path / "c.sqlite", mode="sometimes")  # type: ignore[arg-type]
    off = LLMCache(tmp_path / "never.sqlite", mode="off")
    record = run_episode(env_id=ENV_ID, seed=1, model=make_model("scripted:toy_oracle", cache=off))
    assert record.usage.cached_calls == 0
    assert not (tmp_path / "never.sqlite").exists()


def test_cache_option_as_mode_and_path_shares_one_cache(tmp_path: Path) -> None:
    option = {"mode": "read_write", "path": str(tmp_path / "shared.sqlite")}
    a = make_model("scripted:toy_oracle", cache=option)
    b = make_model("scripted:toy_random", cache=dict(option))
    assert a.cache is b.cache and a.cache is not None
    assert make_model("scripted:toy_oracle", cache={"mode": "off", "path": "x"}).cache is None


def test_concurrent_async_episodes_share_one_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"

    async def play(mode: str):
        model = make_model("scripted:toy_random", seed=2, cache=LLMCache(path, mode=mode))
        return await asyncio.gather(
            *(arun_episode(env_id=ENV_ID, seed=s, model=model) for s in range(10))
        )

    recorded = asyncio.run(play("read_write"))
    replayed = asyncio.run(play("replay"))
    for a, b in zip(recorded, replayed, strict=True):
        _same(a, b)
        assert b.usage.cached_calls == b.usage.calls
