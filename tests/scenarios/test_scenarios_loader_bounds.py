"""Scenario files that would hang or exhaust the loader are refused with one line (exit 2).

Each case was a hang, a MemoryError or a RecursionError traceback before the loader bounded
its input: an alias bomb, deep nesting, a billion seeds, a matrix of millions of episodes, seeds
past 2**32 - 1 and literal API keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import scenario_data

from scenarios import expand
from scenarios._load import MAX_DEPTH, ScenarioError, parse_scenario, scenario_from_dict
from scenarios.cli import run_cli

HEAD = "name: bomb\nmodels: [scripted:oracle]\nenvs: [telic/MeasureHeight-v0]\n"


def _alias_bomb(levels: int = 12) -> str:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return (
        HEAD + "description: x\nanalysis: {}\nx_bomb:\n" + "\n".join("  " + line for line in lines)
    )


def _yaml(**changes: object) -> str:
    return yaml.safe_dump(scenario_data(**changes), sort_keys=False)


CASES = {
    "alias bomb": (_alias_bomb(), "aliases counted in full"),
    "nesting (flow)": (HEAD + "x: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested more than"),
    "nesting (block)": (
        HEAD + "".join(f"{'  ' * i}k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * 70 + "v\n",
        "nested more than",
    ),
    "a billion seeds": (_yaml(seeds={"start": 0, "count": 1_000_000_000}), "expands to"),
    "millions of episodes": (
        _yaml(
            envs=["telic/MeasureHeight-v0"],
            n_blocks=[3],
            seeds={"start": 0, "count": 20_000},
            models=[{"spec": "scripted:oracle", "label": f"m{i}"} for i in range(20)],
            variants={f"v{i}": f"text {i}" for i in range(7)},
        ),
        "expands to",
    ),
    "a seed of 10**23": (_yaml(seeds=[10**23]), "at most 4294967295"),
    "a seed range past 2**32": (_yaml(seeds={"start": 2**32 - 2, "count": 5}), "largest seed"),
    "a literal API key": (
        _yaml(models=[{"spec": "openai:gpt-4o-mini", "options": {"api_key": "sk-secret-123"}}]),
        "api_key_env",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_scenarios_exit_2_with_one_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, expected = CASES[case]
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    code = run_cli(["validate", str(path)])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) <= 3 and lines[0].startswith("error:"), err  # one line (+ pydantic's list)
    assert expected in err and "Traceback" not in err
    assert "sk-secret-123" not in err


def test_a_literal_key_is_refused_from_python_too() -> None:
    from scenarios import Scenario

    data = scenario_data(models=[{"spec": "openai:x", "options": {"api_key": "sk-1"}}])
    with pytest.raises(ValueError, match="api_key_env"):
        Scenario.model_validate(data)
    with pytest.raises(ScenarioError, match=r"models\.0\.options\.api_key"):
        scenario_from_dict(data)


def test_max_episodes_is_the_overridable_limit() -> None:
    # tiny: 2 envs x 3 seeds = 6 episodes
    with pytest.raises(ScenarioError, match="expands to 6 episodes, more than its limit of 5"):
        expand(scenario_from_dict(scenario_data(max_episodes=5)))
    assert len(expand(scenario_from_dict(scenario_data(max_episodes=6))).episodes) == 6
    # the limit is an execution setting: it does not change which folder a run belongs to
    a = scenario_from_dict(scenario_data(max_episodes=6)).content_hash()
    assert a == scenario_from_dict(scenario_data()).content_hash()


def test_ordinary_aliases_still_work() -> None:
    text = HEAD + "seeds: &s [1, 2]\nanalysis: {}\ndescription: ok\n"
    assert parse_scenario(text).seed_list == [1, 2]
