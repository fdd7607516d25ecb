"""Goal-directedness of ``orchard/Harvest-v0``, declared for ``metrics.analyze``.

The composite task needs one capability, estimating a tree's sweetness, which the subtask
``orchard/TasteTree-v0`` measures alone: each completed subtask episode gives one signed
estimation error. The ceiling simulates an agent that estimates every tree with errors drawn
from that distribution and harvests the tree it believes sweetest; its expected return, over
many draws, is what the model would get if it used its estimation capability fully. The random
baseline and the optimum need no code: the env reports them as ``info["random_return"]`` and
``info["optimal_return"]``, which is where ``register_task_gd`` reads them by default. The
ceiling also reports how its mean moves with each error sample (``metrics.draw_sensitivity``),
so the default interval resamples the tasting episodes with the harvest episodes.
"""

from __future__ import annotations

import numpy as np

from metrics import Capability, CeilingInput, Simulation, draw_sensitivity, register_task_gd

ESTIMATION = Capability(
    name="tasting_error",
    subtask="orchard_taste",
    score=lambda episode: episode.info.get("estimation_error"),
    per_n=False,
    doc="signed error of the sweetness estimate of one tree (estimate - true)",
)


def _true_values(episodes) -> np.ndarray:
    """(E, n) true sweetness of each episode's trees, in tree-name order."""
    return np.asarray(
        [[ep.info["true_values"][t] for t in sorted(ep.info["true_values"])] for ep in episodes],
        dtype=float,
    )


def harvest_ceiling(inp: CeilingInput) -> Simulation:
    """Harvest the tree with the highest estimate, estimates = truth + a sampled error."""
    values = _true_values(inp.episodes)
    errors = np.asarray(inp.capabilities["tasting_error"], dtype=float)
    idx = inp.rng.integers(
        0, errors.size, (len(values), inp.iterations_per_episode, values.shape[1])
    )
    believed = values[:, None, :] + errors[idx]
    best = np.take_along_axis(values, believed.argmax(axis=-1), axis=-1)
    worst = np.take_along_axis(values, believed.argmin(axis=-1), axis=-1)
    # how the mean ceiling moves with each error sample's weight, so that the default
    # interval resamples the tasting episodes too (without it they are held fixed)
    sens = {"tasting_error": draw_sensitivity(idx, best, errors.size)}
    return Simulation(ceiling=best.mean(axis=1), minimum=worst.mean(axis=1), sensitivity=sens)


def declare() -> None:
    """Register the declaration with telic's metrics."""
    register_task_gd(
        "orchard_harvest",
        capabilities=[ESTIMATION],
        ceiling=harvest_ceiling,
        doc="Harvest: pick the sweetest tree by estimated sweetness",
    )
