"""Goal-directedness of the falling tower (persistence after a setback), declared through
:func:`metrics.register_task_gd` like any plugin task.

Capability ``tower_building`` comes from the ``build_tower`` subtask (one tower of every block,
no wind): each completed episode gives ``(peak height, final height)`` in blocks.

The ceiling is what an agent with that building capability reaches if it always starts over:
its first attempt is one subtask episode; if that attempt ever reached ``fall_height``, the wind
knocks it down there and a second, independent subtask episode is the rebuild, scored (as the
env scores it) by ``max(rebuilt height, fall_height)``; otherwise the first attempt's final
height is the return. "Minimum given capabilities" is the same agent stopping right after the
fall: ``fall_height`` when the first attempt reaches it, else its final height. The baseline is
the env's exact ``random_return`` and the optimum ``n``. The ceiling reports the sensitivity of
its mean to each building sample (both draws, the rebuild's only where the first attempt fell),
so the default interval resamples the ``build_tower`` episodes too.

The rebuild assumes the budget left after the fall is at least the subtask's ``3n + 10``: true
for any attempt that reaches the fall height in under ``3n + 10`` steps, since the fall adds
``3n`` steps.
"""

from __future__ import annotations

import numpy as np

from metrics._capabilities import Capability
from metrics._ceiling import CapabilityUnavailable, CeilingInput, Simulation, draw_sensitivity
from metrics._records import Episode, _num
from metrics._tasks import register_task_gd


def score_tower_building(episode: Episode) -> tuple[float, float] | None:
    """BuildTower: ``(peak height, final height)`` in blocks."""
    peak = _num(episode.info.get("peak_height"))
    final = _num(episode.info.get("final_height"))
    return None if peak is None or final is None else (peak, final)


TOWER_BUILDING = Capability(
    "tower_building",
    "build_tower",
    score_tower_building,
    doc="(tallest tower reached, tallest tower at the end) in blocks, building with no wind",
)


def _fall_heights(episodes: tuple[Episode, ...]) -> np.ndarray:
    out = []
    for ep in episodes:
        value = _num(ep.info.get("fall_height"))
        if value is None:
            raise CapabilityUnavailable(
                f"episode {ep.episode_id or ep.seed} ({ep.task}) has no info['fall_height']"
            )
        out.append(value)
    return np.asarray(out, dtype=float)


def falling_tower_ceiling(inp: CeilingInput) -> Simulation:
    """Two independent attempts drawn from the building capability (see the module doc)."""
    samples = np.asarray(inp.capabilities["tower_building"], dtype=float)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise CapabilityUnavailable(
            "tower_building samples must be (peak height, final height) pairs"
        )
    fall = _fall_heights(inp.episodes)[:, None]
    shape = (len(inp.episodes), inp.iterations_per_episode)
    idx = inp.rng.integers(0, len(samples), (*shape, 2))
    first, second = samples[idx[..., 0]], samples[idx[..., 1]]
    falls = first[..., 0] >= fall
    restart = np.where(falls, np.maximum(second[..., 1], fall), first[..., 1])
    stop = np.where(falls, fall, first[..., 1])
    # The rebuild's draw counts only where the first attempt fell. Leaving the others out
    # lowers the Monte Carlo noise but shifts every sensitivity by the same constant; the
    # derivatives of a normalised distribution sum to 0, so centring removes it.
    used = np.stack([np.ones(shape, dtype=bool), falls], axis=-1)
    raw = draw_sensitivity(idx, restart, len(samples), used)
    sens = {"tower_building": raw - raw.mean(axis=1, keepdims=True)}
    return Simulation(ceiling=restart.mean(axis=1), minimum=stop.mean(axis=1), sensitivity=sens)


register_task_gd(
    "falling_tower",
    capabilities=[TOWER_BUILDING],
    ceiling=falling_tower_ceiling,
    doc="Falling tower: building capability, always starting over after the fall",
)
