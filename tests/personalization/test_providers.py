"""Inference and judging through the real OpenAI and Anthropic SDKs, against the fake server.

``agents.make_model`` builds the provider models (``agents.Model``, with telic's retries);
``agents.testing.FakeProviderServer`` answers over HTTP on 127.0.0.1, so nothing leaves the
machine and no key is needed.
"""

from __future__ import annotations

import asyncio

import pytest

from agents import RetryPolicy, make_model
from agents.testing import FakeProviderServer, FakeReply, FakeRequest
from personalization import (
    PairwiseItem,
    aevaluate_pairwise,
    ainfer_hypotheses,
    evaluate_pairwise,
    generate_as_user,
    infer_hypotheses,
    load_synthetic_users,
)

pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

SPECS = {"openai": "openai:gpt-4o-mini", "anthropic": "anthropic:claude-sonnet-4-20250514"}
HYPOTHESES = (
    '1. [personality] Energetic and loud. Evidence: "Let\'s GO!"\n'
    '2. [writing_style] Short punchy lines. Evidence: "Zero excuses!"\n'
    '3. [writing_style] Quotes a made-up slogan. Evidence: "No pain, no gain, fam!"\n'
)


@pytest.fixture(autouse=True)
def _dummy_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test-dummy-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-dummy-anthropic")


def responder(request: FakeRequest) -> FakeReply:
    prompt = request.observations[-1]
    if "testable hypotheses" in prompt:
        return FakeReply(text=HYPOTHESES)
    if "=== Output A ===" in prompt:
        first = prompt.split("=== Output A ===\n")[1].split("\n\n=== Output B")[0]
        return FakeReply(text="Answer: A" if "!" in first else "Answer: B")
    return FakeReply(text="LET'S GO, team! New class Monday!")


def _model(api: str, server: FakeProviderServer):
    url = server.anthropic_base_url if api == "anthropic" else server.openai_base_url
    return make_model(SPECS[api], base_url=url, timeout=5, retry=RetryPolicy(max_attempts=2))


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_inference_generation_and_judging_over_http(api: str) -> None:
    jax = load_synthetic_users()["jax"].split(7)[0]
    with FakeProviderServer(responder=responder) as server:
        model = _model(api, server)
        hset = infer_hypotheses(model, jax, n=3)
        assert hset.statements() == ["Energetic and loud.", "Short punchy lines."]
        assert hset.provenance.model == SPECS[api]
        assert hset.provenance.dropped_hallucinated_evidence == 1
        text = generate_as_user(model, hset, "Write an email about a new class.")
        assert text == "LET'S GO, team! New class Monday!"
        item = PairwiseItem(
            id="jax/1",
            user_id="jax",
            prompt="Write an email.",
            candidate=text,
            baseline="Dear members, a class starts.",
            demonstrations=jax.texts[:2],
        )
        report = evaluate_pairwise({api: model}, [item, item])
        assert report.per_judge[api].wins == 2

        async def both():  # one event loop: the SDK's async client is bound to it
            return (
                await ainfer_hypotheses(model, jax, n=3),
                await aevaluate_pairwise(model, [item]),
            )

        asyn, judged = asyncio.run(both())
        assert asyn.statements() == hset.statements()
        assert judged.combined.win_rate == 1.0
        body = server.bodies[0]
        sent = str(body.get("messages"))
        assert "=== Text 7 ===" in sent and "stylometry" in str(body)


def test_two_providers_as_two_judges_agree() -> None:
    item = PairwiseItem(
        id="u/1",
        user_id="u",
        prompt="p",
        candidate="Go! Go!",
        baseline="Calm text.",
        demonstrations=("Yes!",),
    )
    with FakeProviderServer(responder=responder) as server:
        judges = {api: _model(api, server) for api in SPECS}
        report = evaluate_pairwise(judges, [item] * 3)
    assert report.agreement["percent"] == 1.0
    assert all(rate.win_rate == 1.0 for rate in report.per_judge.values())
