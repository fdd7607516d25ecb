"""The scenario schema and loader: shorthands, validation, and messages with line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import scenario_data
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios import Scenario, ScenarioError, SeedRange, load_scenario, parse_scenario

BUNDLED = sorted((Path(__file__).parents[2] / "scenarios").glob("*.yaml"))


def parse(text: str) -> Scenario:
    return parse_scenario(text, source="s.yaml")


def dump(**changes: object) -> str:
    return yaml.safe_dump(scenario_data(**changes), sort_keys=False)


def test_shorthands_expand_to_full_entries() -> None:
    s = parse(dump(protocol="tools", n_blocks=4, variants="motivating"))
    assert s.models[0].spec == "scripted:oracle" and s.models[0].options == {}
    assert s.envs[0].id == "telic/MeasureHeight-v1" and s.envs[0].kwargs == {}
    assert s.protocols == ["tools"]
    assert s.n_blocks == [4]
    assert s.variants == ["motivating"]
    assert isinstance(s.seeds, SeedRange) and s.seed_list == [10, 11, 12]


def test_full_forms_are_kept() -> None:
    s = parse(
        dump(
            models=[{"spec": "scripted:noisy", "options": {"seed": 3}, "label": "noisy3"}],
            envs=[{"id": "telic/Combined-v1", "kwargs": {"noise": 0.1}}],
            seeds=[5, 1],
            protocols=["tags", "tools"],
            variants={"neutral": None, "shout": "TRY HARDER."},
        )
    )
    assert s.models[0].name == "noisy3"
    assert s.envs[0].kwargs == {"noise": 0.1}
    assert s.seed_list == [5, 1]
    assert s.variants == {"neutral": None, "shout": "TRY HARDER."}


def test_unknown_field_names_line_column_and_suggestion() -> None:
    text = dump() + "seedz: [1]\n"
    with pytest.raises(ScenarioError) as err:
        parse(text)
    message = str(err.value)
    assert "unknown field 'seedz'" in message and "Did you mean 'seeds'?" in message
    expected_line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("seedz"))
    assert f"s.yaml:{expected_line}:1:" in message


def test_unknown_nested_field_suggests_within_its_model() -> None:
    text = dump() + "analysis:\n  gd: true\n  mc_iteration: 5000\n"
    with pytest.raises(ScenarioError, match=r"unknown field 'mc_iteration' in analysis\. Did you"):
        parse(text)


def test_malformed_yaml_gives_line_and_column() -> None:
    text = "name: x\nmodels: [scripted:oracle\nenvs: [a]\n"
    with pytest.raises(ScenarioError, match=r"s\.yaml:3:5: malformed YAML"):
        parse(text)


def test_duplicate_keys_are_an_error() -> None:
    with pytest.raises(ScenarioError, match=r"s\.yaml:2:1: duplicate key 'name'"):
        parse("name: a\nname: b\n")


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"n_blocks": [1, 3]}, r"n_blocks must be between 2 and 26, got 1"),
        ({"n_blocks": [3, 3]}, r"lists a block count twice"),
        ({"seeds": 3}, r"write seeds as a list"),
        ({"seeds": []}, r"seeds must not be empty"),
        ({"seeds": {"start": 0, "count": 0}}, r"seeds\.count"),
        ({"models": []}, r"models"),
        ({"models": ["scripted:a", "scripted:a"]}, r"duplicate model names"),
        ({"envs": [], "sequences": []}, r"at least one entry in 'envs' or 'sequences'"),
        ({"protocols": ["xml"]}, r"protocols\.0"),
        ({"name": "has space"}, r"name"),
        ({"budget": {"max_steps": 0}}, r"budget\.max_steps"),
        ({"concurrency": {"rpm": {"openai": 0}}}, r"must be at least 1"),
        ({"cache": {"mode": "sometimes"}}, r"cache\.mode"),
        ({"events": [{"at_step": 0, "kind": "perturb"}]}, r"at_step must be >= 1"),
        ({"events": [{"at_step": 2, "kind": "user_message"}]}, r"needs a non-empty 'text'"),
        ({"personalization": {"conditions": []}}, r"conditions must not be empty"),
    ],
)
def test_invalid_values_name_the_field(changes: dict[str, object], pattern: str) -> None:
    with pytest.raises(ScenarioError, match=pattern):
        parse(dump(**changes))


def test_protocol_and_protocols_together_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="either 'protocol' or 'protocols'"):
        parse(dump(protocol="tags", protocols=["tools"]))


def test_personalization_is_typed_and_nullable() -> None:
    assert parse(dump(personalization=None)).personalization is None
    text = dump() + "personalization: null\n"
    assert parse(text).personalization is None
    s = parse(dump(personalization={"conditions": ["none", "inferred"], "users": "synthetic"}))
    assert s.personalization is not None
    assert s.personalization.conditions == ["none", "inferred"]
    assert s.personalization.n_demonstrations == 6 and s.personalization.inferer == "offline"


def test_a_personalization_typo_names_the_line_and_the_field() -> None:
    text = dump() + "personalization:\n  conditions: [none]\n  n_demonstation: 24\n"
    line = text.splitlines().index("  n_demonstation: 24") + 1
    with pytest.raises(ScenarioError) as err:
        parse(text)
    message = str(err.value)
    assert f":{line}:" in message
    assert "unknown field 'n_demonstation' in personalization" in message
    assert "Did you mean 'n_demonstrations'?" in message


@pytest.mark.parametrize(
    ("settings", "needle"),
    [
        ({"n_demonstrations": "six"}, "n_demonstrations"),
        ({"n_hypotheses": 0}, "n_hypotheses must be >= 1"),
        ({"judges": [{"spec": "openai:x", "labl": "a"}]}, "unknown field 'labl'"),
        ({"compare": {"basline": "none"}}, "Did you mean 'baseline'"),
    ],
)
def test_personalization_settings_are_checked_at_load(settings: dict, needle: str) -> None:
    with pytest.raises(ScenarioError, match=needle):
        parse(dump(personalization={"conditions": ["none"], **settings}))


def test_content_hash_ignores_execution_settings_only() -> None:
    base = parse(dump())
    same = parse(dump(description="other words", concurrency={"max_concurrency": 3}))
    other = parse(dump(seeds=[10, 11]))
    assert base.content_hash() == same.content_hash()
    assert base.content_hash() != other.content_hash()


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(tmp_path / "nope.yaml")


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_scenarios_validate(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem or path.stem.startswith("hyperalign")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_any_text_either_parses_or_raises_scenario_error(text: str) -> None:
    try:
        parse(text)
    except ScenarioError as exc:
        assert str(exc)
