"""What importing a package loads: commands that never play an episode must start without the
agent stack (a structural check; start-up times are measured in benchmarks/bench_speed.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("langgraph", "langchain_core", "langchain_openai", "langsmith", "networkx", "openai")


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def _loaded_after(code: str) -> set[str]:
    return {name.split(".")[0] for name in _modules_after(code)}


def _passes_in_a_fresh_interpreter(probe: str) -> None:
    """Run ``probe`` in a new Python process (the import state must be fresh); it must exit 0."""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("heavy", HEAVY)
def test_import_envs_loads_no_agent_stack(heavy: str) -> None:
    assert heavy not in _loaded_after("import envs")


def test_import_envs_defers_pydantic_until_a_record_is_used() -> None:
    assert "pydantic" not in _loaded_after("import envs")
    assert "pydantic" in _loaded_after("import envs\nenvs.EpisodeRecord")
    assert "pydantic" in _loaded_after("from envs import Message")


@pytest.mark.parametrize("heavy", ["gymnasium", "numpy"])
def test_import_envs_defers_gymnasium_and_numpy(heavy: str) -> None:
    assert heavy not in _loaded_after("import envs")
    assert heavy not in _loaded_after("import envs\nenvs.policy_names(), envs.ActionSpec")
    assert heavy in _loaded_after("import envs\nenvs.TextEnv")
    assert heavy in _loaded_after("from envs import Outcome")


@pytest.mark.parametrize("heavy", ["gymnasium", "numpy"])
def test_import_agents_defers_gymnasium_and_numpy(heavy: str) -> None:
    assert heavy not in _loaded_after("import agents")
    assert "numpy" in _loaded_after("import agents\nagents.RetryPolicy()")


@pytest.mark.parametrize(
    "code",
    [
        "import envs\nimport gymnasium",
        "import gymnasium\nimport envs",
        "import envs\nimport gymnasium.envs.registration\nimport gymnasium",
        "import envs\nfrom gymnasium import spaces\nimport gymnasium",
        "import envs\nimport importlib.util\nimportlib.util.find_spec('gymnasium')\n"
        "import gymnasium",
    ],
    ids=["envs-first", "gymnasium-first", "registry-first", "spaces-first", "spec-looked-up"],
)
def test_telic_ids_reach_gymnasium_in_any_import_order(code: str) -> None:
    probe = (
        f"{code}\n"
        "from envs._builtin import BLOCKSWORLD_ENVS, TOWER_ENVS\n"
        "builtin = {row[0] for row in BLOCKSWORLD_ENVS + TOWER_ENVS} | {'telic/Anagrams-v0'}\n"
        "missing = builtin - set(gymnasium.registry)\n"
        "assert not missing, missing\n"
        "env = gymnasium.make('telic/Combined-v1')\n"
        "assert env.reset(seed=0)[0].startswith('TASK:')\n"
        "missing = {e.id for e in envs.registered_envs()} - set(gymnasium.registry)\n"
        "assert not missing, missing"
    )
    _passes_in_a_fresh_interpreter(probe)


def test_an_env_registered_after_gymnasium_is_loaded_goes_straight_to_it() -> None:
    probe = (
        "import envs, gymnasium\n"
        "envs.register_env('late/Probe-v0', 'envs.blocksworld.tasks:Combined', 'a probe')\n"
        "assert 'late/Probe-v0' in gymnasium.registry\n"
        "envs.register_env('late/Probe-v1', 'envs.blocksworld.tasks:Combined', 'a probe')\n"
        "assert gymnasium.make('late/Probe-v1').reset(seed=1)[0].startswith('TASK:')"
    )
    _passes_in_a_fresh_interpreter(probe)


def test_validate_loads_no_langchain_for_scripted_models() -> None:
    loaded = _loaded_after(
        "from scenarios._commands import validate_command\n"
        "assert validate_command('scenarios/quickstart.yaml') == 0"
    )
    assert not loaded & {"langgraph", "langchain_core", "langsmith", "openai"}


#: What ``telic validate SCENARIO`` does without: the command-line framework and the console
#: (the quick path prints plain lines), the agent stack, networkx (the Blocksworld keeps its
#: towers in dicts), asyncio (no model is called) and the pydantic models of records and of
#: personalization data (a scenario needs neither).
VALIDATE_SKIPS = (
    "typer",
    "click",
    "rich",
    "networkx",
    "asyncio",
    "langgraph",
    "langchain_core",
    "langsmith",
    "openai",
    "anthropic",
    "personalization._types",
    "envs._record",
)


def test_validate_command_line_loads_only_what_a_dry_run_needs() -> None:
    modules = _modules_after(
        "import contextlib, io\n"
        "from telic.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['validate', 'quickstart']) == 0\n"
        "assert \"'quickstart' is valid\" in out.getvalue()"
    )
    assert not {m for m in modules if m in VALIDATE_SKIPS or m.split(".")[0] in VALIDATE_SKIPS}


#: What ``import envs`` leaves for first use: the built-in envs and policies are registered by
#: name, so their task and policy modules (and the anagram word list) load when one is made.
ENVS_DEFERS = (
    "envs.anagrams",
    "envs.blocksworld",
    "envs.blocksworld.tasks",
    "envs.blocksworld._tower_policies",
    "envs.blocksworld.policies",
    "envs.blocksworld._observe",
)


def test_import_envs_registers_builtins_without_importing_them() -> None:
    modules = _modules_after(
        "import envs, gymnasium\n"
        "assert 'telic/Anagrams-v0' in gymnasium.registry\n"
        "assert 'telic/FallingTower-v0' in gymnasium.registry\n"
        "assert {'oracle', 'quitter', 'random_actions'} <= set(envs.policy_names())"
    )
    assert not modules & set(ENVS_DEFERS)


def test_first_use_loads_the_builtin_modules() -> None:
    modules = _modules_after(
        "import envs, gymnasium\n"
        "gymnasium.make('telic/Combined-v1')\n"
        "assert len(envs.make_policies('oracle')) == 3"
    )
    assert set(ENVS_DEFERS) <= modules
