"""The bundled HyPerAlign scenarios parse, name known conditions and users, and build envs."""

from __future__ import annotations

from pathlib import Path

import pytest

import envs
from personalization import canonical_condition, load_deliberative_users, load_synthetic_users
from scenarios import expand, load_scenario

REPO = Path(__file__).resolve().parents[2]
FILES = {
    "hyperalign_authorship.yaml": load_synthetic_users,
    "hyperalign_deliberative.yaml": load_deliberative_users,
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_scenario_is_consistent(name: str) -> None:
    scenario = load_scenario(REPO / "scenarios" / name)
    users = FILES[name]()
    conditions = scenario.personalization.conditions
    assert conditions and all(canonical_condition(c) for c in conditions)
    for entry in scenario.envs:
        assert entry.kwargs["user"] in users
        env = envs.make(entry.id, **entry.kwargs)
        env.reset(seed=0)
        env.close()
    plan = expand(scenario)
    assert len(plan.episodes) == (
        len(scenario.models) * len(scenario.envs) * len(scenario.seed_list) * len(conditions)
    )
