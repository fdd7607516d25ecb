"""The writing and deliberative envs' own system prompt, through the real provider SDKs.

A scenario episode with ``openai:``/``anthropic:`` models must send the HyPerAlign generation
prompt (write as this person, the hypotheses, do not mention them), never the Blocksworld
action instructions. ``agents.testing.FakeProviderServer`` answers on 127.0.0.1 and shows the
request body as the SDK sent it.
"""

from __future__ import annotations

from typing import Any

import pytest

from agents import AgentConfig, RetryPolicy, make_model, run_episode
from agents.testing import FakeProviderServer, FakeReply, FakeRequest
from personalization import condition_block, infer_offline, load_synthetic_users

pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

SPECS = {"openai": "openai:gpt-4o-mini", "anthropic": "anthropic:claude-sonnet-4-20250514"}
ACTION_PROMPT = ("angle brackets", "exactly one action", "You are an agent acting")


@pytest.fixture(autouse=True)
def _dummy_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-dummy-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-dummy-anthropic")


def _system_text(request: FakeRequest) -> str:
    body = request.body
    if request.api == "anthropic":
        system: Any = body.get("system", "")
        if isinstance(system, list):
            return "".join(b.get("text", "") for b in system if isinstance(b, dict))
        return str(system)
    return "\n".join(
        str(m.get("content")) for m in body.get("messages", []) if m.get("role") == "system"
    )


@pytest.mark.parametrize("api", ["openai", "anthropic"])
@pytest.mark.parametrize("protocol", ["tags", "tools"])
def test_writing_env_sends_the_generation_prompt(api: str, protocol: str) -> None:
    ravi = load_synthetic_users()["ravi"].split(7)[0]
    hyps = infer_offline(ravi)
    block = condition_block("hypotheses", ravi, hyps)
    systems: list[str] = []

    def respond(request: FakeRequest) -> FakeReply:
        systems.append(_system_text(request))
        text = "Sure! Here is the email:\n\nBuild moved to Bazel. 40% faster. - R"
        if request.tools:
            return FakeReply(tool_calls=[("submit_text", {"text": text})])
        return FakeReply(text=text)

    with FakeProviderServer(responder=respond) as server:
        url = server.anthropic_base_url if api == "anthropic" else server.openai_base_url
        model = make_model(SPECS[api], base_url=url, timeout=5, retry=RetryPolicy(max_attempts=2))
        record = run_episode(
            env_id="telic/PersonalizedWriting-v1",
            env_kwargs={"user": "ravi", "prompt_index": 0, "protocol": protocol},
            seed=0,
            model=model,
            config=AgentConfig(personalization=block),
        )
    assert systems, "the server saw no request"
    system = systems[0]
    assert system.startswith("You write exactly like a specific person.")
    for hyp in hyps.hypotheses:
        assert hyp.statement in system
    assert "do not mention them" in system
    for phrase in ACTION_PROMPT:
        assert phrase not in system
    # the submitted text is the model's text without its preamble, and the removal is counted
    assert record.info["text"] == "Build moved to Bazel. 40% faster. - R"
    assert record.info["wrapper_removed"] == ["preamble"]


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_deliberative_env_sends_the_deliberative_prompt(api: str) -> None:
    systems: list[str] = []

    def respond(request: FakeRequest) -> FakeReply:
        systems.append(_system_text(request))
        return FakeReply(text="<thinking>nurse, wants bullets</thinking>\n- Up to 1,200 mg a day")

    with FakeProviderServer(responder=respond) as server:
        url = server.anthropic_base_url if api == "anthropic" else server.openai_base_url
        model = make_model(SPECS[api], base_url=url, timeout=5, retry=RetryPolicy(max_attempts=2))
        record = run_episode(
            env_id="telic/DeliberativeAlignment-v1",
            env_kwargs={"user": "kim", "prompt_id": "b01"},
            seed=0,
            model=model,
            config=AgentConfig(
                personalization="Hypotheses about the user:\nH1. [preference] Format: bullets."
            ),
        )
    system = systems[0]
    assert "helpful, honest and safe" in system and "Format: bullets." in system
    for phrase in ACTION_PROMPT:
        assert phrase not in system
    assert record.info["text"] == "- Up to 1,200 mg a day"


def test_v0_keeps_the_action_prompt_and_the_raw_text() -> None:
    """v0 is unchanged (results stay comparable): the action prompt, the text as sent."""
    systems: list[str] = []

    def respond(request: FakeRequest) -> FakeReply:
        systems.append(_system_text(request))
        return FakeReply(text="Sure! Here is the email:\n\nBuild moved. - R")

    with FakeProviderServer(responder=respond) as server:
        model = make_model(SPECS["openai"], base_url=server.openai_base_url, timeout=5)
        record = run_episode(
            env_id="telic/PersonalizedWriting-v0",
            env_kwargs={"user": "ravi", "prompt_index": 0},
            seed=0,
            model=model,
        )
    assert "exactly one action" in systems[0]
    assert record.info["text"].startswith("Sure! Here is the email:")
    assert "wrapper_removed" not in record.info
