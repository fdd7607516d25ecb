"""The Monte Carlo capability ceiling of the four Blocksworld tasks (spec 3.2, fixed per 3.5).

For each completed composite episode (its true heights ``h``) the simulation plays an agent that
uses the model's measured capabilities to the full, ``iterations_per_episode`` times:

* **IG**: estimated heights ``ĥ = h + e`` with ``e`` drawn per block from the model's
  MeasureHeight errors whose target had a true height within ±2 cm of the block's (the whole
  error set when that window is empty, with a message); the ceiling is the true height of the
  two blocks with the largest ``ĥ`` and the "minimum given capabilities" that of the two with
  the smallest.
* **CE, PE, Combined**: ``ĥ = h`` (CE, PE: heights are given) or ``h + e`` (Combined); draw m
  from the model's number of generated configurations (same n) and m distinct configurations
  uniformly; believed score = score under ``ĥ`` + an evaluation error (same n) per
  configuration; the argmax (argmin for the minimum) is the intended configuration; then the
  picking error (pick-subtask distances) and, for PE and Combined, the execution error
  (execute-subtask distances): "a uniformly random configuration at partition distance exactly
  d, d drawn from the model's distances, d redrawn when no configuration lies at that distance".
  The ceiling sample is the true score of the result.

Two choices differ from a literal per-iteration transcription and leave the expectation
unchanged while lowering the variance (the reference loop in :mod:`metrics._reference` samples
literally; a test checks they agree):

* The pick and execute steps are integrated exactly: they form a Markov kernel over the K
  configurations (:meth:`ConfigSpace.distance_kernel`), so the expected true score after them is
  one matrix product per episode.
* An iteration that draws m = 0 generated configurations is skipped in the paper; we draw m from
  the non-zero counts instead, which is the same conditional distribution.

Everything is vectorised over (episodes, iterations, configurations).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from metrics._configs import MAX_CONFIG_BLOCKS, ConfigSpace, ConfigurationError, config_space
from metrics._records import Episode, true_heights
from telic import TelicError

#: Half-width of the true-height window (cm) that selects height-estimation errors (spec 3.2).
HEIGHT_WINDOW_CM = 2.0


class CapabilityUnavailable(TelicError, ValueError):
    """A ceiling cannot be simulated (a capability is missing, or n is unsupported)."""


@dataclass(frozen=True)
class CeilingInput:
    """What a ceiling function gets for one (model, variant, task, n_blocks) cell."""

    episodes: tuple[Episode, ...]
    """The completed composite episodes (their true heights drive the simulation)."""
    n_blocks: int | None
    """Number of blocks of the cell."""
    capabilities: Mapping[str, np.ndarray]
    """Samples of each capability the task declared (already checked for size)."""
    iterations_per_episode: int
    """Monte Carlo iterations to spend per episode."""
    rng: np.random.Generator
    """The generator to draw from."""


@dataclass(frozen=True)
class Simulation:
    """A ceiling function's result: one value per episode, in the order of the input."""

    ceiling: np.ndarray
    """(E,) expected return of a policy using the capabilities to the full, per episode."""
    minimum: np.ndarray | None = None
    """(E,) the same policy choosing its *worst* believed option ("minimum given
    capabilities"), or ``None`` when the task has no such notion."""
    messages: tuple[str, ...] = ()
    """Notes to pass on (e.g. height windows that had to be widened)."""


# ---------------------------------------------------------------- helpers
def heights_matrix(episodes: tuple[Episode, ...], n_blocks: int | None) -> np.ndarray:
    """(E, n) true heights of the episodes, in block-name order."""
    rows = [true_heights(ep) for ep in episodes]
    if n_blocks is not None and any(len(r) != n_blocks for r in rows):
        raise CapabilityUnavailable(f"some episodes do not have {n_blocks} true heights")
    return np.asarray(rows, dtype=float)


def _space(n_blocks: int | None) -> ConfigSpace:
    if n_blocks is None or not 2 <= n_blocks <= MAX_CONFIG_BLOCKS:
        raise CapabilityUnavailable(
            f"the ceiling supports 2 to {MAX_CONFIG_BLOCKS} blocks, got n_blocks={n_blocks}"
        )
    return config_space(n_blocks)


def sample_height_errors(
    heights: np.ndarray,
    samples: np.ndarray,
    iterations: int,
    rng: np.random.Generator,
    window: float = HEIGHT_WINDOW_CM,
) -> tuple[np.ndarray, int]:
    """Draw height-estimation errors for every block: (E, n) heights -> (E, r, n) errors.

    Args:
        heights: true heights (E, n).
        samples: (k, 2) rows of (true height, signed error); a 1-D array of errors is used
            for every block regardless of its height.
        iterations: draws per block (r).
        rng: random generator.
        window: half-width of the true-height window (strict, as in the released code).

    Returns:
        The errors, and how many blocks had an empty window (they drew from all samples).
    """
    e, n = heights.shape
    if samples.ndim == 1:
        return samples[rng.integers(0, samples.size, (e, iterations, n))], 0
    order = np.argsort(samples[:, 0], kind="stable")
    true_sorted, errs = samples[order, 0], samples[order, 1]
    lo = np.searchsorted(true_sorted, heights - window, side="right")
    hi = np.searchsorted(true_sorted, heights + window, side="left")
    count = hi - lo
    empty = count <= 0
    lo = np.where(empty, 0, lo)
    count = np.where(empty, true_sorted.size, count)
    u = rng.random((e, iterations, n))
    idx = lo[:, None, :] + np.floor(u * count[:, None, :]).astype(int)
    return errs[np.minimum(idx, true_sorted.size - 1)], int(empty.sum())


def _estimated(inp: CeilingInput, h: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    errors, n_empty = sample_height_errors(
        h, inp.capabilities["height_error"], inp.iterations_per_episode, inp.rng
    )
    msgs: tuple[str, ...] = ()
    if n_empty:
        msgs = (
            f"{n_empty} of {h.size} block heights had no MeasureHeight sample within "
            f"±{HEIGHT_WINDOW_CM:g} cm of their true height; the model's whole error set was "
            "used for them",
        )
    return h[:, None, :] + errors, msgs


# ---------------------------------------------------------------- information gathering
def ig_ceiling(inp: CeilingInput) -> Simulation:
    """Information Gathering: stack the two blocks with the largest estimated heights."""
    h = heights_matrix(inp.episodes, inp.n_blocks)
    if h.shape[1] < 2:
        raise CapabilityUnavailable("information gathering needs at least 2 blocks")
    est, msgs = _estimated(inp, h)
    order = np.argsort(est, axis=-1)
    hb = np.broadcast_to(h[:, None, :], est.shape)
    best = np.take_along_axis(hb, order[..., -2:], axis=-1).sum(-1)
    worst = np.take_along_axis(hb, order[..., :2], axis=-1).sum(-1)
    return Simulation(best.mean(axis=1), worst.mean(axis=1), msgs)


def ig_baseline(episodes: tuple[Episode, ...], n_blocks: int | None) -> np.ndarray:
    """Expected height of two uniformly random blocks: ``2 * sum(h) / n``."""
    h = heights_matrix(episodes, n_blocks)
    return 2.0 * h.sum(axis=1) / h.shape[1]


def ig_optimum(episodes: tuple[Episode, ...], n_blocks: int | None) -> np.ndarray:
    """Sum of the two tallest true heights."""
    h = heights_matrix(episodes, n_blocks)
    return np.sort(h, axis=1)[:, -2:].sum(axis=1)


# ---------------------------------------------------------------- configuration tasks
def _config_ceiling(inp: CeilingInput, *, noisy: bool, execute: bool) -> Simulation:
    space = _space(inp.n_blocks)
    h = heights_matrix(inp.episodes, inp.n_blocks)
    e, r, k = h.shape[0], inp.iterations_per_episode, space.k
    rng = inp.rng
    true_scores = space.scores(h)  # (E, K)
    msgs: tuple[str, ...] = ()
    if noisy:
        est, msgs = _estimated(inp, h)
        believed = space.scores(est)  # (E, r, K)
    else:
        believed = np.broadcast_to(true_scores[:, None, :], (e, r, k)).copy()

    counts = np.clip(np.round(inp.capabilities["configurations_generated"]), 0, k).astype(int)
    counts = counts[counts > 0]
    if counts.size == 0:
        raise CapabilityUnavailable(
            "the model listed no valid configuration in any GenerateConfigurations episode"
        )
    m = counts[rng.integers(0, counts.size, (e, r))]
    keys = rng.random((e, r, k))
    kth = np.take_along_axis(np.sort(keys, axis=-1), (m - 1)[..., None], axis=-1)
    chosen = keys <= kth

    eval_err = inp.capabilities["evaluation_error"]
    believed += eval_err[rng.integers(0, eval_err.size, (e, r, k))]
    intended = np.argmax(np.where(chosen, believed, -np.inf), axis=-1)
    worst = np.argmin(np.where(chosen, believed, np.inf), axis=-1)

    kernel = _kernel(space, inp.capabilities["pick_distance"], "pick")
    if execute:
        kernel = kernel @ _kernel(space, inp.capabilities["execute_distance"], "execute")
    # value[e, i]: expected true score after the error steps when the agent intends config i
    value = true_scores @ kernel.T
    best = np.take_along_axis(value, intended, axis=1)
    low = np.take_along_axis(value, worst, axis=1)
    return Simulation(best.mean(axis=1), low.mean(axis=1), msgs)


def _kernel(space: ConfigSpace, distances: np.ndarray, step: str) -> np.ndarray:
    try:
        return space.distance_kernel(distances)
    except ConfigurationError as exc:
        raise CapabilityUnavailable(f"{step} step: {exc}") from exc


def ce_ceiling(inp: CeilingInput) -> Simulation:
    """Cognitive Effort: given heights; generate, evaluate, pick."""
    return _config_ceiling(inp, noisy=False, execute=False)


def pe_ceiling(inp: CeilingInput) -> Simulation:
    """Plan & Execute: given heights; generate, evaluate, pick, execute."""
    return _config_ceiling(inp, noisy=False, execute=True)


def combined_ceiling(inp: CeilingInput) -> Simulation:
    """Combined: noisy heights; generate, evaluate, pick, execute."""
    return _config_ceiling(inp, noisy=True, execute=True)


def config_baseline(episodes: tuple[Episode, ...], n_blocks: int | None) -> np.ndarray:
    """Expected score of a uniformly random configuration (mean over the K configurations)."""
    space = _space(n_blocks)
    return space.scores(heights_matrix(episodes, n_blocks)).mean(axis=1)


def config_optimum(episodes: tuple[Episode, ...], n_blocks: int | None) -> np.ndarray:
    """Best configuration score."""
    space = _space(n_blocks)
    return space.scores(heights_matrix(episodes, n_blocks)).max(axis=1)
