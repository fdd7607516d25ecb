"""The scenario loader reads YAML with libyaml when PyYAML has it, and says the same as the
pure-Python loader: the same scenarios from every bundled file, the same one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import scenarios._load as load
from scenarios._load import ScenarioError, parse_scenario

BUNDLED = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))

BROKEN = {
    "unclosed flow list": "name: x\nmodels: [scripted:oracle\nenvs: [telic/MeasureHeight-v0]\n",
    "tab indentation": "name: x\nmodels:\n\t- scripted:oracle\n",
    "two documents": "name: x\n---\nname: y\n",
    "duplicate key": "name: x\nname: y\nmodels: [scripted:oracle]\n",
    "bad alias": "name: *nowhere\n",
}


def test_the_fast_loader_is_libyaml_when_pyyaml_has_it() -> None:
    if getattr(yaml, "__with_libyaml__", False):
        assert load._FAST_LOADER is yaml.CSafeLoader
    else:
        assert load._FAST_LOADER is yaml.SafeLoader


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_scenario_reads_the_same_with_either_loader(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text(encoding="utf-8")
    fast = parse_scenario(text, source=path.name)
    monkeypatch.setattr(load, "_FAST_LOADER", yaml.SafeLoader)
    plain = parse_scenario(text, source=path.name)
    assert fast.model_dump() == plain.model_dump()


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_yaml_gets_the_pure_python_loaders_message(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ScenarioError) as fast:
        parse_scenario(BROKEN[name], source="s.yaml")
    monkeypatch.setattr(load, "_FAST_LOADER", yaml.SafeLoader)
    with pytest.raises(ScenarioError) as plain:
        parse_scenario(BROKEN[name], source="s.yaml")
    assert str(fast.value) == str(plain.value)
    assert str(fast.value).startswith("s.yaml")
    assert "\n" not in str(fast.value)
