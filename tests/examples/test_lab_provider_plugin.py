"""The worked example of docs/adding_a_provider.md: a model provider added from outside.

The lab package in examples/ registers the provider ``lab`` (an OpenAI-style gateway). These
tests install its entry point the way pip would, play episodes through the public CLI against
the local test server, and check the CLI's one-line errors and the doc's excerpts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from plugin_testkit import REPO, doc_excerpts, excerpt_matches, install_entry_points, run_telic

import agents
from agents import ModelSpecError, UnknownProviderError, make_model, register_provider
from agents.testing import FakeProviderServer
from telic import RegistrationError, UnknownNameError

EXAMPLE = REPO / "examples" / "telic_lab"
DOC = REPO / "docs" / "adding_a_provider.md"
LAB_ENTRY_POINTS = "[telic.providers]\nlab = telic_lab:register\n"


def _scenario_without_plugins(folder: Path) -> Path:
    text = (EXAMPLE / "scenario.yaml").read_text()
    assert "plugins: [telic_lab]\n" in text
    path = folder / "lab.yaml"
    path.write_text(text.replace("plugins: [telic_lab]\n", ""))
    return path


def _refused(run: subprocess.CompletedProcess, *needles: str) -> None:
    """The CLI refused with exit code 2 and one line on stderr containing ``needles``."""
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.startswith("error: ") and run.stderr.count("\n") == 1, run.stderr
    for needle in needles:
        assert needle in run.stderr, run.stderr


def test_provider_is_discovered_through_its_entry_point(tmp_path: Path) -> None:
    install_entry_points(tmp_path, "telic-lab", LAB_ENTRY_POINTS)
    scenario = _scenario_without_plugins(tmp_path)
    with FakeProviderServer(policy="oracle", seed=0) as server:
        run = run_telic(
            ["run", str(scenario), "--out", str(tmp_path / "run")],
            pythonpath=[tmp_path, EXAMPLE],
            cwd=tmp_path,
            env={"LAB_BASE_URL": server.openai_base_url},
        )
        requests = server.requests
    assert run.returncode == 0, run.stdout + run.stderr
    lines = (tmp_path / "run" / "episodes.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 2
    assert {r["model"] for r in records} == {"lab:served-model"}
    assert all(r["completed"] and r["stop_reason"] == "terminated" for r in records)
    # every model call of the episodes went to the gateway (the fake server), over HTTP
    assert requests == sum(r["usage"]["calls"] for r in records) > 0


def test_without_the_entry_point_the_provider_is_unknown(tmp_path: Path) -> None:
    scenario = _scenario_without_plugins(tmp_path)
    run = run_telic(["run", str(scenario)], pythonpath=[EXAMPLE], cwd=tmp_path)
    _refused(run, "error: unknown model provider 'lab'.")


def test_a_misspelt_provider_suggests_the_plugin_one(tmp_path: Path) -> None:
    install_entry_points(tmp_path, "telic-lab", LAB_ENTRY_POINTS)
    scenario = _scenario_without_plugins(tmp_path)
    run = run_telic(
        ["run", str(scenario), "--model", "lb:served-model"],
        pythonpath=[tmp_path, EXAMPLE],
        cwd=tmp_path,
    )
    _refused(run, "unknown model provider 'lb'. Did you mean 'lab'?", "telic.providers")


def test_a_factory_error_is_one_line_and_exit_2(tmp_path: Path) -> None:
    install_entry_points(tmp_path, "telic-lab", LAB_ENTRY_POINTS)
    scenario = _scenario_without_plugins(tmp_path)
    run = run_telic(
        ["run", str(scenario)],
        pythonpath=[tmp_path, EXAMPLE],
        cwd=tmp_path,
        env={"LAB_BASE_URL": ""},  # the gateway's address is missing
    )
    _refused(run, "LAB_BASE_URL")


@pytest.fixture
def scratch_provider():
    """Names registered by a test, removed afterwards."""
    from agents._providers import _PROVIDERS

    names: list[str] = []
    yield names.append
    for name in names:
        _PROVIDERS.pop(name)


def test_register_provider_from_code(scratch_provider) -> None:
    seen: list[tuple[str, str, dict]] = []

    def factory(model: str, spec: str, options: dict) -> object:
        seen.append((model, spec, dict(options)))
        return make_model("scripted:oracle").chat

    register_provider("inproc", factory, network=False, doc="test")
    scratch_provider("inproc")
    register_provider("inproc", factory, network=False)  # the same again: a no-op
    with pytest.raises(RegistrationError, match="already registered"):
        register_provider("inproc", lambda m, s, o: None)
    model = make_model("inproc:m-1", temperature=0.5, max_attempts=2, rpm=600)
    assert seen == [("m-1", "inproc:m-1", {"temperature": 0.5})]  # telic's options taken out
    assert model.provider == "inproc" and model.call_timeout_s is None  # network=False

    register_provider("remote", factory)
    scratch_provider("remote")
    assert make_model("remote:m").call_timeout_s == 300.0  # network providers get a deadline


def test_a_lazy_factory_is_imported_on_first_use(scratch_provider) -> None:
    sys.modules.pop("telic_lab.provider", None)
    register_provider("lazy-lab", "telic_lab.provider:chat_model")
    scratch_provider("lazy-lab")
    assert "telic_lab.provider" not in sys.modules
    sys.path.insert(0, str(EXAMPLE))
    try:
        with pytest.raises(ModelSpecError, match="LAB_BASE_URL"):
            make_model("lazy-lab:m")  # the factory ran: it needs the gateway's address
        assert "telic_lab.provider" in sys.modules
    finally:
        sys.path.remove(str(EXAMPLE))


def test_unknown_and_bad_provider_names() -> None:
    with pytest.raises(UnknownProviderError, match="Did you mean 'anthropic'") as info:
        make_model("anthropics:claude")
    assert isinstance(info.value, ModelSpecError) and isinstance(info.value, UnknownNameError)
    assert info.value.name == "anthropics" and "anthropic" in info.value.suggestions
    with pytest.raises(ModelSpecError, match="without ':'"):
        register_provider("a:b", lambda m, s, o: None)
    assert set(agents.PROVIDERS) == {"openai", "anthropic", "openai-compatible", "local",
                                     "scripted"}  # fmt: skip


def test_doc_has_excerpts_of_every_example_file() -> None:
    assert {path for path, _ in doc_excerpts(DOC)} == {
        "examples/telic_lab/telic_lab/provider.py",
        "examples/telic_lab/telic_lab/__init__.py",
        "examples/telic_lab/pyproject.toml",
        "examples/telic_lab/scenario.yaml",
    }


@pytest.mark.parametrize(
    "path,lines", doc_excerpts(DOC), ids=lambda v: v if isinstance(v, str) else ""
)
def test_doc_excerpt_matches_the_example(path: str, lines: list[str]) -> None:
    assert excerpt_matches(path, lines), (
        f"the excerpt of {path} in docs/adding_a_provider.md no longer matches the file"
    )
