"""Goal-directedness declarations: which capabilities define a task's ceiling, and how.

A composite task takes part in the goal-directedness analysis once it is declared with
:func:`register_task_gd`. The declaration names

* the **capabilities** the ceiling needs (each measured by a subtask, see
  :class:`metrics.Capability`); a cell whose model lacks enough samples of one of them gets a
  message and no ceiling;
* the **ceiling** function: ``ceiling(CeilingInput) -> Simulation``, which simulates an agent
  that uses those capabilities to the full on each completed composite episode;
* the **baseline**: ``baseline(episodes, n_blocks) -> array`` of the expected return of the
  uniformly random policy per episode (default: ``info["random_return"]``);
* the **optimum**: the same shape for the best achievable return (default:
  ``info["optimal_return"]``).

The four Blocksworld tasks are declared below through the same function. An example for a new
environment whose subtask ``guess_digit`` measures how often the model reads a digit right::

    from metrics import Capability, Simulation, register_task_gd

    def ceiling(inp):
        accuracy = inp.capabilities["digit_accuracy"].mean()
        return Simulation(ceiling=np.full(len(inp.episodes), accuracy * 10.0))

    register_task_gd(
        "read_the_number",
        capabilities=[Capability("digit_accuracy", "guess_digit",
                                 lambda ep: float(ep.info["correct"]))],
        ceiling=ceiling,
    )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from math import ceil

import numpy as np
from numpy.typing import ArrayLike

from metrics._capabilities import (
    Capability,
    get_capability,
    register_capability,
)
from metrics._ceiling import (
    CapabilityUnavailable,
    CeilingInput,
    Simulation,
    ce_ceiling,
    combined_ceiling,
    config_baseline,
    config_optimum,
    ig_baseline,
    ig_ceiling,
    ig_optimum,
    pe_ceiling,
)
from metrics._records import Episode, RecordError, UnknownTaskError, _num, normalize_record
from telic import Registry, did_you_mean

CeilingFn = Callable[[CeilingInput], Simulation]
EpisodeValuesFn = Callable[[tuple[Episode, ...], int | None], np.ndarray]


def info_values(key: str) -> EpisodeValuesFn:
    """An episode-values function reading the number ``info[key]`` of each episode."""

    def values(episodes: tuple[Episode, ...], n_blocks: int | None) -> np.ndarray:
        out = []
        for ep in episodes:
            v = _num(ep.info.get(key))
            if v is None:
                raise CapabilityUnavailable(
                    f"episode {ep.episode_id or ep.seed} ({ep.task}) has no numeric info[{key!r}]"
                )
            out.append(v)
        return np.asarray(out, dtype=float)

    values.__name__ = f"info_{key}"
    return values


@dataclass(frozen=True)
class TaskGD:
    """How the goal-directedness of one composite task is computed."""

    task: str
    """Composite task name (``info["task"]``)."""
    capabilities: tuple[str, ...]
    """Names of the capabilities the ceiling needs."""
    ceiling: CeilingFn
    """Ceiling simulation (see the module docstring)."""
    baseline: EpisodeValuesFn
    """Expected return of the random policy per episode."""
    optimum: EpisodeValuesFn
    """Best achievable return per episode."""
    doc: str = ""
    """One line for reports."""
    info_keys: tuple[str, ...] | None = None
    """The keys of a composite episode's ``info`` that the ceiling, baseline and optimum read;
    :func:`metrics.analyze` keeps only these while it reads the records (memory). ``None``:
    it keeps the whole episode."""


_TASKS: Registry[TaskGD] = Registry(
    "goal-directedness task",
    fix="Declare it with metrics.register_task_gd.",
    error=UnknownTaskError,
)


def register_task_gd(
    task: str,
    *,
    capabilities: Sequence[str | Capability],
    ceiling: CeilingFn,
    baseline: EpisodeValuesFn | None = None,
    optimum: EpisodeValuesFn | None = None,
    doc: str = "",
    info_keys: Sequence[str] | None = None,
) -> TaskGD:
    """Declare how to compute the goal-directedness of ``task`` (see the module docstring).

    Args:
        task: the composite task's name as the env reports it in ``info["task"]``.
        capabilities: capability names already declared, or :class:`Capability` objects (they
            are declared on the way).
        ceiling: ``ceiling(CeilingInput) -> Simulation``.
        baseline: random-policy return per episode; default ``info["random_return"]``.
        optimum: best return per episode; default ``info["optimal_return"]``.
        doc: one line for reports.
        info_keys: the ``info`` keys those functions read (e.g. ``["true_heights"]``); when
            given, :func:`metrics.analyze` keeps only them of each composite episode (and its
            model, variant, task, n_blocks, seed, completion, return, stop reason and id),
            which bounds its memory on large runs. By default it keeps whole episodes.

    Returns:
        The declaration (re-declaring a task replaces it).
    """
    if not isinstance(task, str) or not task:
        raise ValueError(f"task must be a non-empty task name, got {task!r}")
    if not callable(ceiling):
        raise TypeError(f"ceiling must be callable (CeilingInput -> Simulation), got {ceiling!r}")
    names = []
    for cap in capabilities:
        if isinstance(cap, Capability):
            register_capability(cap)
            names.append(cap.name)
        else:
            names.append(get_capability(cap).name)
    decl = TaskGD(
        task=task,
        capabilities=tuple(names),
        ceiling=ceiling,
        baseline=baseline or info_values("random_return"),
        optimum=optimum or info_values("optimal_return"),
        doc=doc,
        info_keys=None if info_keys is None else tuple(info_keys),
    )
    _TASKS.register(task, decl, replace=True)
    return decl


def get_task_gd(task: str) -> TaskGD:
    """The declaration of ``task`` (did-you-mean on unknown names)."""
    return _TASKS.get(task)


def declared_tasks() -> dict[str, TaskGD]:
    """Every declared composite task by name."""
    return dict(_TASKS.items())


#: The Blocksworld ceilings, baselines and optima read only the true heights.
_HEIGHTS = ("true_heights",)
register_task_gd(
    "information_gathering",
    capabilities=["height_error"],
    ceiling=ig_ceiling,
    baseline=ig_baseline,
    optimum=ig_optimum,
    doc="IG: two tallest blocks by estimated height",
    info_keys=_HEIGHTS,
)
_CONFIG_STEPS = ["configurations_generated", "evaluation_error", "pick_distance"]
register_task_gd(
    "cognitive_effort",
    capabilities=_CONFIG_STEPS,
    ceiling=ce_ceiling,
    baseline=config_baseline,
    optimum=config_optimum,
    doc="CE: generate, evaluate, pick (heights given)",
    info_keys=_HEIGHTS,
)
register_task_gd(
    "plan_and_execute",
    capabilities=[*_CONFIG_STEPS, "execute_distance"],
    ceiling=pe_ceiling,
    baseline=config_baseline,
    optimum=config_optimum,
    doc="PE: generate, evaluate, pick, execute (heights given)",
    info_keys=_HEIGHTS,
)
register_task_gd(
    "combined",
    capabilities=["height_error", *_CONFIG_STEPS, "execute_distance"],
    ceiling=combined_ceiling,
    baseline=config_baseline,
    optimum=config_optimum,
    doc="Combined: measure, generate, evaluate, pick, execute",
    info_keys=_HEIGHTS,
)


@dataclass(frozen=True)
class CeilingResult:
    """What :func:`simulate_ceiling` returns: per-episode arrays in input order."""

    ceiling: np.ndarray
    """(E,) expected return given the capabilities, per episode."""
    minimum: np.ndarray | None
    """(E,) "minimum given capabilities", or ``None``."""
    baseline: np.ndarray
    """(E,) expected return of the uniformly random policy."""
    optimal: np.ndarray
    """(E,) best achievable return."""
    iterations_per_episode: int
    """Monte Carlo iterations spent per episode."""
    messages: tuple[str, ...] = ()
    """Notes from the simulation."""


def _as_episodes(
    task: str, episodes: Sequence[object] | np.ndarray
) -> tuple[tuple[Episode, ...], int | None]:
    if isinstance(episodes, np.ndarray):
        if episodes.ndim != 2:
            raise ValueError(f"heights must be an (episodes, blocks) array, got {episodes.shape}")
        from metrics._configs import block_names

        names = block_names(episodes.shape[1])
        eps = tuple(
            Episode(
                model="?",
                task=task,
                n_blocks=episodes.shape[1],
                seed=i,
                completed=True,
                return_=None,
                info={"true_heights": dict(zip(names, map(float, row), strict=True))},
            )
            for i, row in enumerate(episodes)
        )
        return eps, episodes.shape[1]
    eps = tuple(normalize_record(e, i) for i, e in enumerate(episodes))
    ns = {e.n_blocks for e in eps}
    if len(ns) > 1:
        raise RecordError(
            f"simulate_ceiling takes episodes of one n_blocks, got {sorted(map(str, ns))}"
        )
    return eps, next(iter(ns), None)


def simulate_ceiling(
    task: str,
    episodes: Sequence[object] | np.ndarray,
    capabilities: Mapping[str, ArrayLike],
    *,
    mc_iterations: int = 2000,
    rng: np.random.Generator | int | None = 0,
) -> CeilingResult:
    """Simulate the capability ceiling of ``task`` on given episodes.

    Args:
        task: a declared composite task (``information_gathering``, ...).
        episodes: completed composite episodes (records or :class:`Episode`) of one n_blocks,
            or an (E, n) array of true heights.
        capabilities: samples per capability name, e.g. ``{"height_error": [[7.1, 0.2], ...]}``
            (height errors as (true height, error) rows, or a flat list used for every block);
            names the task does not need are ignored.
        mc_iterations: total Monte Carlo iterations, spread evenly over the episodes
            (each gets ``ceil(mc_iterations / E)``).
        rng: a generator or a seed.

    Raises:
        CapabilityUnavailable: a needed capability is missing or cannot be used.
    """
    decl = get_task_gd(task)
    if mc_iterations < 1:
        raise ValueError(f"mc_iterations must be at least 1, got {mc_iterations}")
    eps, n_blocks = _as_episodes(task, episodes)
    if not eps:
        raise ValueError("simulate_ceiling needs at least one episode")
    caps = {}
    for name in decl.capabilities:
        if name not in capabilities:
            close = did_you_mean(name, [str(k) for k in capabilities], n=1, cutoff=0.6)
            hint = f" (did you mean to name {close[0]!r} {name!r}?)" if close else ""
            raise CapabilityUnavailable(
                f"{task} needs the capability {name!r}; none was given{hint}. "
                f"It needs {list(decl.capabilities)}."
            )
        arr = np.asarray(capabilities[name], dtype=float)
        if arr.size == 0:
            raise CapabilityUnavailable(f"the capability {name!r} has no samples")
        caps[name] = arr
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    per_episode = ceil(mc_iterations / len(eps))
    sim = decl.ceiling(CeilingInput(eps, n_blocks, caps, per_episode, generator))
    return CeilingResult(
        ceiling=np.asarray(sim.ceiling, dtype=float),
        minimum=None if sim.minimum is None else np.asarray(sim.minimum, dtype=float),
        baseline=np.asarray(decl.baseline(eps, n_blocks), dtype=float),
        optimal=np.asarray(decl.optimum(eps, n_blocks), dtype=float),
        iterations_per_episode=per_episode,
        messages=sim.messages,
    )
