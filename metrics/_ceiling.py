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

**Sensitivities.** Besides the ceiling, each simulation reports, for every capability sample,
the derivative of the cell's mean ceiling with respect to that sample's weight in its empirical
distribution (:attr:`Simulation.sensitivity`). The two-level bootstrap uses them to move the
ceiling when it resamples the subtask episodes (a first-order, exact-in-expectation account of
the capability uncertainty, at no extra simulation). For a sample drawn by the Monte Carlo
iterations the derivative is the mean, over the iterations, of ``(iteration outcome - the
episode's ceiling)`` times the number of draws that used the sample; it is estimated twice,
from the even and the odd iterations, so the bootstrap can tell signal from Monte Carlo noise.
For the pick and execute steps, integrated exactly, it is computed exactly (a central
difference of the kernel in the distance counts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
    sensitivity: Mapping[str, np.ndarray] | None = None
    """Per capability name: d(mean ceiling over the episodes) / d(weight of each sample), in
    the order of ``CeilingInput.capabilities[name]``; shape (k,) when exact, or (2, k): two
    independent Monte Carlo estimates (even and odd iterations). ``None``: not reported (the
    intervals then hold the capabilities fixed and say so)."""


def draw_sensitivity(
    idx: np.ndarray, outcome: np.ndarray, k: int, used: np.ndarray | None = None
) -> np.ndarray:
    """(2, k) Monte Carlo estimates of d(mean ceiling)/d(sample weight) from the draws.

    Args:
        idx: (E, r, s) integer index of the sample each of ``s`` draws of an iteration used.
        outcome: (E, r) the iterations' outcomes (their mean over r is each episode's ceiling).
        k: number of samples.
        used: (E, r, s) mask of the draws that could affect the outcome (default: all).
    """
    e, r = outcome.shape
    dev = outcome - outcome.mean(axis=1, keepdims=True)
    weights = np.broadcast_to(dev[:, :, None], idx.shape)
    if used is not None:
        weights = np.where(used, weights, 0.0)
    parity = (np.arange(e)[:, None] * r + np.arange(r)[None, :]) % 2
    out = np.zeros((2, k))
    for half in (0, 1):
        sel = parity == half
        n_iter = int(sel.sum())
        if n_iter == 0:
            continue
        out[half] = np.bincount(idx[sel].ravel(), weights=weights[sel].ravel(), minlength=k)
        out[half] /= n_iter
    if not (parity == 1).any():
        out[1] = out[0]
    return out


# ---------------------------------------------------------------- helpers
def heights_matrix(episodes: tuple[Episode, ...], n_blocks: int | None) -> np.ndarray:
    """(E, n) true heights of the episodes, in block-name order."""
    last = _LAST_HEIGHTS[0] if _LAST_HEIGHTS else None
    if last is not None and last[0] is episodes and last[1] == n_blocks:
        # the ceiling, baseline and optimum of a cell read the same tuple of episodes
        return last[2].copy()
    rows = [true_heights(ep) for ep in episodes]
    if n_blocks is not None and any(len(r) != n_blocks for r in rows):
        raise CapabilityUnavailable(f"some episodes do not have {n_blocks} true heights")
    out = np.asarray(rows, dtype=float)
    _LAST_HEIGHTS[:] = [(episodes, n_blocks, out)]
    return out.copy()


def remember_heights(
    episodes: tuple[Episode, ...], n_blocks: int | None, names: tuple[str, ...], values: np.ndarray
) -> None:
    """Give :func:`heights_matrix` the true heights of ``episodes``, already read from their
    records: ``values[i, j]`` is block ``names[j]`` of episode ``i`` (the floats of each
    episode's ``info["true_heights"]``, whose keys are ``names`` in that order). Block counts
    other than ``n_blocks`` are left to :func:`heights_matrix` (it raises)."""
    if not names or (n_blocks is not None and len(names) != n_blocks):
        return
    order = sorted(range(len(names)), key=lambda j: (len(names[j]), names[j]))
    matrix = np.array(values[:, order], dtype=float)
    _LAST_HEIGHTS[:] = [(episodes, n_blocks, matrix)]


#: The last (episodes, n_blocks, heights) computed (a tuple of episodes is immutable).
_LAST_HEIGHTS: list[tuple[Any, int | None, np.ndarray]] = []


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
    idx, n_empty = height_error_indices(heights, samples, iterations, rng, window)
    errs = samples if samples.ndim == 1 else samples[:, 1]
    return errs[idx], n_empty


def height_error_indices(
    heights: np.ndarray,
    samples: np.ndarray,
    iterations: int,
    rng: np.random.Generator,
    window: float = HEIGHT_WINDOW_CM,
) -> tuple[np.ndarray, int]:
    """As :func:`sample_height_errors`, but the (E, r, n) indices into ``samples``."""
    e, n = heights.shape
    if samples.ndim == 1:
        return rng.integers(0, samples.size, (e, iterations, n)), 0
    order = np.argsort(samples[:, 0], kind="stable")
    true_sorted = samples[order, 0]
    lo = np.searchsorted(true_sorted, heights - window, side="right")
    hi = np.searchsorted(true_sorted, heights + window, side="left")
    count = hi - lo
    empty = count <= 0
    lo = np.where(empty, 0, lo)
    count = np.where(empty, true_sorted.size, count)
    u = rng.random((e, iterations, n))
    idx = lo[:, None, :] + np.floor(u * count[:, None, :]).astype(int)
    return order[np.minimum(idx, true_sorted.size - 1)], int(empty.sum())


def _estimated(inp: CeilingInput, h: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    samples = inp.capabilities["height_error"]
    idx, n_empty = height_error_indices(h, samples, inp.iterations_per_episode, inp.rng)
    errors = (samples if samples.ndim == 1 else samples[:, 1])[idx]
    msgs: tuple[str, ...] = ()
    if n_empty:
        msgs = (
            f"{n_empty} of {h.size} block heights had no MeasureHeight sample within "
            f"±{HEIGHT_WINDOW_CM:g} cm of their true height; the model's whole error set was "
            "used for them",
        )
    return h[:, None, :] + errors, idx, msgs


# ---------------------------------------------------------------- information gathering
def ig_ceiling(inp: CeilingInput) -> Simulation:
    """Information Gathering: stack the two blocks with the largest estimated heights."""
    h = heights_matrix(inp.episodes, inp.n_blocks)
    if h.shape[1] < 2:
        raise CapabilityUnavailable("information gathering needs at least 2 blocks")
    est, idx, msgs = _estimated(inp, h)
    order = np.argsort(est, axis=-1)
    hb = np.broadcast_to(h[:, None, :], est.shape)
    best = np.take_along_axis(hb, order[..., -2:], axis=-1).sum(-1)
    worst = np.take_along_axis(hb, order[..., :2], axis=-1).sum(-1)
    k = inp.capabilities["height_error"].shape[0]
    sens = {"height_error": draw_sensitivity(idx, best, k)}
    return Simulation(best.mean(axis=1), worst.mean(axis=1), msgs, sens)


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
    height_idx = None
    if noisy:
        est, height_idx, msgs = _estimated(inp, h)
        believed = space.scores(est)  # (E, r, K)
    else:
        believed = np.broadcast_to(true_scores[:, None, :], (e, r, k)).copy()

    all_counts = np.clip(np.round(inp.capabilities["configurations_generated"]), 0, k).astype(int)
    positive = np.flatnonzero(all_counts > 0)
    counts = all_counts[positive]
    if counts.size == 0:
        raise CapabilityUnavailable(
            "the model listed no valid configuration in any GenerateConfigurations episode"
        )
    count_idx = rng.integers(0, counts.size, (e, r))
    m = counts[count_idx]
    keys = rng.random((e, r, k))
    kth = np.take_along_axis(np.sort(keys, axis=-1), (m - 1)[..., None], axis=-1)
    chosen = keys <= kth

    eval_err = inp.capabilities["evaluation_error"]
    eval_idx = rng.integers(0, eval_err.size, (e, r, k))
    believed += eval_err[eval_idx]
    intended = np.argmax(np.where(chosen, believed, -np.inf), axis=-1)
    worst = np.argmin(np.where(chosen, believed, np.inf), axis=-1)

    pick = inp.capabilities["pick_distance"]
    pick_kernel = kernel = _kernel(space, pick, "pick")
    exec_kernel = None
    if execute:
        exec_kernel = _kernel(space, inp.capabilities["execute_distance"], "execute")
        kernel = pick_kernel @ exec_kernel
    # value[e, i]: expected true score after the error steps when the agent intends config i
    value = true_scores @ kernel.T
    best = np.take_along_axis(value, intended, axis=1)
    low = np.take_along_axis(value, worst, axis=1)

    sens = {
        "configurations_generated": _count_sensitivity(count_idx, best, positive, all_counts.size),
        "evaluation_error": draw_sensitivity(eval_idx, best, eval_err.size, chosen),
    }
    # freq[i, l]: mean over episodes of (share of iterations intending i) * true score of l
    flat = (np.arange(e)[:, None] * k + intended).ravel()
    share = np.bincount(flat, minlength=e * k).reshape(e, k) / r
    freq = share.T @ true_scores / e
    sens["pick_distance"] = _kernel_sensitivity(
        space,
        pick,
        lambda kp: float(np.sum(freq * (kp if exec_kernel is None else kp @ exec_kernel))),
    )
    if exec_kernel is not None:
        sens["execute_distance"] = _kernel_sensitivity(
            space,
            inp.capabilities["execute_distance"],
            lambda ke: float(np.sum(freq * (pick_kernel @ ke))),
        )
    if height_idx is not None:
        sens["height_error"] = draw_sensitivity(
            height_idx, best, inp.capabilities["height_error"].shape[0]
        )
    return Simulation(best.mean(axis=1), low.mean(axis=1), msgs, sens)


def _count_sensitivity(
    count_idx: np.ndarray, outcome: np.ndarray, positive: np.ndarray, k: int
) -> np.ndarray:
    """Sensitivities of the generated-counts samples (zero counts are never drawn: 0)."""
    within = draw_sensitivity(count_idx[:, :, None], outcome, positive.size)
    out = np.zeros((2, k))
    out[:, positive] = within
    return out


def _weighted_kernel(space: ConfigSpace, counts: np.ndarray) -> np.ndarray:
    """The distance kernel from (possibly fractional) counts per distance 0..d_max."""
    d_max = counts.size - 1
    onehot = space.distance[:, :, None] == np.arange(d_max + 1)[None, None, :]
    per_i_d = onehot.sum(axis=1)
    weight = np.where(per_i_d > 0, counts[None, :], 0.0)
    total = weight.sum(axis=1, keepdims=True)
    weight = weight / np.where(total > 0, total, 1.0) / np.maximum(per_i_d, 1)
    return np.einsum("ijd,id->ij", onehot, weight)


def _kernel_sensitivity(space: ConfigSpace, distances: np.ndarray, value) -> np.ndarray:
    """(k,) exact d(mean ceiling)/d(sample weight) of distance samples: a central difference
    of ``value(kernel)`` in the count of each sample's distance (the kernel is smooth there)."""
    d = np.asarray(distances, dtype=int)
    d_max = int(space.distance.max())
    valid = (d >= 0) & (d <= d_max)
    counts = np.bincount(d[valid], minlength=d_max + 1).astype(float)
    step = 1e-4 * max(1.0, float(counts.sum()))
    per_d = np.zeros(d_max + 1)
    for j in np.flatnonzero(counts > 0):
        up, down = counts.copy(), counts.copy()
        up[j] += step
        down[j] -= step
        per_d[j] = (value(_weighted_kernel(space, up)) - value(_weighted_kernel(space, down))) / (
            2 * step
        )
    return np.where(valid, per_d[np.clip(d, 0, d_max)], 0.0)


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
