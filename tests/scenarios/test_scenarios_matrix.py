"""Expanding scenarios into episodes: counts, deterministic ids, sequences, events, variants."""

from __future__ import annotations

import pytest
from conftest import scenario_data

from agents import PROMPT_VARIANTS
from scenarios import ScenarioError, expand
from scenarios._load import scenario_from_dict


def plan_of(**changes: object):
    return expand(scenario_from_dict(scenario_data(**changes)))


def test_count_is_the_product_of_the_axes() -> None:
    plan = plan_of(
        models=["scripted:oracle", "scripted:random"],
        envs=["telic/MeasureHeight-v1", "telic/CognitiveEffort-v1", "telic/Combined-v1"],
        n_blocks=[3, 4],
        seeds=[1, 2, 3, 4, 5],
        variants=["neutral", "motivating"],
        protocols=["tags", "tools"],
    )
    assert len(plan.episodes) == 2 * 3 * 2 * 5 * 2 * 2
    assert all(len(chain.episodes) == 1 for chain in plan.chains)
    ids = [e.episode_id for e in plan.episodes]
    assert len(set(ids)) == len(ids)
    cells = {
        (e.model.spec, e.env_id, e.env_kwargs["n_blocks"], e.seed, e.variant, e.protocol)
        for e in plan.episodes
    }
    assert len(cells) == len(ids)


def test_ids_are_deterministic_and_change_with_what_defines_the_episode() -> None:
    a = {e.episode_id for e in plan_of().episodes}
    assert a == {e.episode_id for e in plan_of().episodes}
    # execution settings do not change ids
    assert a == {e.episode_id for e in plan_of(concurrency={"max_concurrency": 2}).episodes}
    for change in (
        {"n_blocks": [4]},
        {"budget": {"max_steps": 5}},
        {"history_window": 3},
        {"models": [{"spec": "scripted:oracle", "options": {"seed": 1}}]},
        {"envs": [{"id": "telic/MeasureHeight-v1", "kwargs": {"noise": 0.1}}]},
    ):
        assert a.isdisjoint({e.episode_id for e in plan_of(**change).episodes}), change


def test_seed_major_order_covers_every_cell_early() -> None:
    plan = plan_of(seeds=[7, 8])
    seeds = [e.seed for e in plan.episodes]
    assert seeds == sorted(seeds)
    assert seeds[: len(seeds) // 2] == [7] * (len(seeds) // 2)


def test_env_kwargs_win_over_the_scenario_lists() -> None:
    plan = plan_of(
        envs=[{"id": "telic/MeasureHeight-v1", "kwargs": {"n_blocks": 5, "protocol": "tools"}}],
        n_blocks=[3, 4],
        protocols=["tags", "tools"],
    )
    assert {(e.env_kwargs["n_blocks"], e.protocol) for e in plan.episodes} == {(5, "tools")}
    assert len(plan.episodes) == 3  # one per seed: the kwargs pin both axes


def test_variants_resolve_to_the_agents_texts_or_their_own() -> None:
    plan = plan_of(variants={"motivating": None, "custom": "Be brief."})
    texts = {e.variant: e.extra_prompt for e in plan.episodes}
    assert texts == {"motivating": PROMPT_VARIANTS["motivating"], "custom": "Be brief."}
    neutral = plan_of(variants=["neutral"]).episodes[0]
    assert neutral.extra_prompt is None


def test_unknown_variant_suggests_a_name() -> None:
    with pytest.raises(ScenarioError, match=r"unknown prompt variant 'motivatin'.*'motivating'"):
        plan_of(variants=["motivatin"])


def test_unknown_env_suggests_a_name() -> None:
    import envs

    with pytest.raises(envs.UnknownEnvError, match=r"telic/Combined-v1"):
        plan_of(envs=["telic/Combind-v0"])


def test_sequences_chain_their_episodes() -> None:
    plan = plan_of(
        envs=[],
        sequences=[
            {
                "name": "steps",
                "tasks": ["telic/MeasureHeight-v1", "telic/GenerateConfigurations-v1"],
                "n_blocks": [4],
            }
        ],
        seeds=[1, 2],
        n_blocks=[3],
    )
    assert len(plan.chains) == 2
    for chain in plan.chains:
        first, second = chain.episodes
        assert "continued" not in first.env_kwargs
        assert second.env_kwargs["continued"] is True
        assert second.previous_id == first.episode_id
        assert first.group == second.group and first.group.startswith("steps-")
        assert (first.position, second.position) == (0, 1)
        assert first.env_kwargs["n_blocks"] == second.env_kwargs["n_blocks"] == 4
    assert plan.chains[0].episodes[0].group != plan.chains[1].episodes[0].group


def test_events_apply_to_their_envs_only() -> None:
    plan = plan_of(
        events=[
            {"at_step": 1, "kind": "user_message", "text": "hurry"},
            {"at_step": 2, "kind": "perturb", "envs": ["telic/MeasureHeight-v1"]},
        ]
    )
    for spec in plan.episodes:
        kinds = [e.kind for e in spec.events]
        if spec.env_id == "telic/MeasureHeight-v1":
            assert kinds == ["user_message", "perturb"]
        else:
            assert kinds == ["user_message"]


def test_personalization_conditions_multiply_the_matrix() -> None:
    plan = plan_of(personalization={"conditions": ["none", "placebo"], "users": "synthetic"})
    assert len(plan.episodes) == 2 * 3 * 2
    assert {e.condition for e in plan.episodes} == {"none", "placebo"}
    assert plan.episodes[0].personalization == {
        "conditions": ["none", "placebo"],
        "users": "synthetic",
    }


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {
            "models": [
                {"spec": "scripted:oracle", "options": {"seed": 3, "temperature": 0.25}},
                {"spec": "scripted:random", "label": "zufällig ✓"},
            ],
            "protocols": ["tags", "tools"],
            "variants": {"neutral": None, "eigene": "Sei gründlich — bitte."},
            "history_window": 4,
        },
        {
            "envs": [{"id": "telic/MeasureHeight-v1", "kwargs": {"noise": 0.1}}],
            "sequences": [
                {
                    "name": "steps",
                    "tasks": ["telic/MeasureHeight-v1", "telic/GenerateConfigurations-v1"],
                    "n_blocks": [3, 4],
                }
            ],
            "events": [
                {"at_step": 1, "kind": "user_message", "text": "schnell"},
                {"at_step": 2, "kind": "perturb", "envs": ["telic/MeasureHeight-v1"]},
            ],
        },
        {"personalization": {"conditions": ["none", "placebo"], "users": "synthetic"}},
    ],
    ids=["plain", "options-unicode-protocols", "sequences-events", "personalization"],
)
def test_each_id_is_the_hash_of_the_episodes_own_fields(changes: dict[str, object]) -> None:
    """The ids are computed from pieces encoded once per cell; they must be exactly the hash
    of the canonical JSON of everything else the spec holds."""
    from scenarios._matrix import episode_id

    plan = plan_of(**changes)
    assert plan.episodes
    for spec in plan.episodes:
        assert spec.episode_id == episode_id(spec.model_dump(mode="json", exclude={"episode_id"}))
