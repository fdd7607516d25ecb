"""``agents.scripted_calls`` counts the calls the agent graph makes with ``scripted:oracle``.

``telic validate`` estimates a run's calls with it instead of playing the graph; the count must
be the one a real ``run_episode`` records (and None when the oracle does not complete).
"""

from __future__ import annotations

import pytest

from agents import make_model, run_episode, scripted_calls

CASES = [
    ("telic/Combined-v0", {"n_blocks": 3}),
    ("telic/Combined-v0", {"n_blocks": 4, "protocol": "tools"}),
    ("telic/PickConfiguration-v0", {"n_blocks": 3}),
    ("telic/BuildTwoBlockTower-v0", {"n_blocks": 5, "protocol": "tools"}),
    ("telic/MeasureHeight-v0", {"n_blocks": 3, "noise": 0.1}),
]


@pytest.mark.parametrize(("env_id", "kwargs"), CASES)
@pytest.mark.parametrize("seed", [0, 3])
def test_counts_equal_the_graph(env_id: str, kwargs: dict, seed: int) -> None:
    record = run_episode(
        env_id=env_id, env_kwargs=kwargs, seed=seed, model=make_model("scripted:oracle")
    )
    expected = record.usage.calls if record.completed else None
    assert scripted_calls(env_id, kwargs, seed) == expected
    assert expected is None or expected > 0


def test_an_incomplete_episode_counts_none() -> None:
    # the random policy rarely finishes Combined in its step cap; whatever it does, the count
    # agrees with the graph's record
    record = run_episode(
        env_id="telic/Combined-v0", env_kwargs={"n_blocks": 5}, seed=1,
        model=make_model("scripted:random"),
    )  # fmt: skip
    expected = record.usage.calls if record.completed else None
    assert scripted_calls("telic/Combined-v0", {"n_blocks": 5}, 1, policy="random") == expected
