"""A straightforward per-iteration transcription of the ceiling simulation (spec 3.2 + 3.5).

This is the algorithm written the plain way: one Python loop iteration per Monte Carlo draw,
lists of configurations, a fresh list of "configurations at distance d" each time, the pick and
execute errors *sampled* (d drawn, redrawn until a configuration at that distance exists, then
one such configuration drawn uniformly). It is slow and exists for two reasons: the tests check
that the vectorised simulation in :mod:`metrics._ceiling` agrees with it, and the benchmark
measures the speed-up against it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from envs.blocksworld import configuration_score
from metrics._configs import all_configurations, block_names, partition_distance

WINDOW_CM = 2.0


def _estimate(h: float, height_errors: Sequence[Sequence[float]], rnd: random.Random) -> float:
    close = [err for true_h, err in height_errors if h - WINDOW_CM < true_h < h + WINDOW_CM]
    if not close:
        close = [err for _, err in height_errors]
    return h + rnd.choice(close)


def _move(config, distances: Sequence[int], configs, rnd: random.Random):
    while True:
        d = rnd.choice(distances)
        at_d = [c for c in configs if partition_distance(config, c) == d]
        if at_d:
            return rnd.choice(at_d)


def reference_ceiling(
    task: str,
    heights: Sequence[Sequence[float]],
    capabilities: Mapping[str, Sequence],
    iterations_per_episode: int,
    rnd: random.Random,
) -> list[float]:
    """Per-episode mean ceiling of ``task`` computed one iteration at a time.

    Args:
        task: ``information_gathering``, ``cognitive_effort``, ``plan_and_execute`` or
            ``combined``.
        heights: true heights per episode.
        capabilities: samples per capability, as :func:`metrics.simulate_ceiling` takes them
            (height errors as (true height, error) pairs).
        iterations_per_episode: draws per episode.
        rnd: a ``random.Random``.
    """
    noisy = task in ("information_gathering", "combined")
    execute = task in ("plan_and_execute", "combined")
    out = []
    for row in heights:
        names = block_names(len(row))
        true = dict(zip(names, row, strict=True))
        configs = all_configurations(len(row))
        total = 0.0
        for _ in range(iterations_per_episode):
            if noisy:
                est = {b: _estimate(h, capabilities["height_error"], rnd) for b, h in true.items()}
            else:
                est = dict(true)
            if task == "information_gathering":
                a1, a2 = sorted(est, key=est.__getitem__)[-2:]
                total += true[a1] + true[a2]
                continue
            counts = [min(round(m), len(configs)) for m in capabilities["configurations_generated"]]
            m = 0
            while m == 0:  # the paper skips empty draws: keep drawing
                m = rnd.choice(counts)
            listed = rnd.sample(configs, m)
            believed = [
                configuration_score(c, est) + rnd.choice(capabilities["evaluation_error"])
                for c in listed
            ]
            plan = listed[believed.index(max(believed))]
            plan = _move(plan, capabilities["pick_distance"], configs, rnd)
            if execute:
                plan = _move(plan, capabilities["execute_distance"], configs, rnd)
            total += configuration_score(plan, true)
        out.append(total / iterations_per_episode)
    return out
