"""Capability declarations and the empirical capability distributions (spec 3.2).

A :class:`Capability` says which subtask measures it and how one subtask episode becomes one
sample (its *scorer*). :func:`capabilities` collects the samples of every declared capability
from a list of episodes, per model and prompt variant, and per number of blocks when the
capability is declared ``per_n`` (configuration generation, evaluation, picking and execution;
height estimation is pooled over n and windowed by true height at simulation time instead).

Picking and execution are also declared ``pool_fallback``: spec 3.2 does not tie them to n, but
the released code kept them per n and their distances range over 0..n//2, so we use the same-n
distances when there are enough and otherwise the model's distances pooled over every n (the
ceiling redraws a distance that does not exist at the cell's n), with a message.

Only completed subtask episodes contribute. A capability with fewer than ``min_samples``
samples (default :data:`MIN_CAPABILITY_SAMPLES`) counts as not estimated: the ceilings that need
it are reported as ``None`` with a message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from metrics._records import Episode, _num
from telic import Registry, UnknownNameError

#: Fewest samples from which a capability distribution is estimated (spec leaves it open; with
#: one or two samples an empirical distribution says little about the model).
MIN_CAPABILITY_SAMPLES = 3

Sample = float | tuple[float, ...]
Scorer = Callable[[Episode], Sample | None]


class UnknownCapabilityError(UnknownNameError):
    """A capability name nobody declared (the message suggests close names)."""


@dataclass(frozen=True)
class Capability:
    """How one capability is measured by a subtask."""

    name: str
    """Capability name used by ceiling functions, e.g. ``pick_distance``."""
    subtask: str
    """Task name (``info["task"]``) of the subtask episodes that measure it."""
    score: Scorer
    """Scorer: one completed subtask episode -> one sample (a number or a tuple of numbers),
    or ``None`` to skip the episode."""
    per_n: bool = True
    """Whether samples are kept per number of blocks (else pooled over n)."""
    pool_fallback: bool = False
    """For a ``per_n`` capability: use the samples of every n when the cell's n has too few."""
    min_samples: int = MIN_CAPABILITY_SAMPLES
    """Fewest samples needed to use the capability."""
    doc: str = ""
    """One line saying what the samples are."""


_CAPABILITIES: Registry[Capability] = Registry(
    "capability",
    fix="Declare new ones with metrics.register_capability(Capability(...)).",
    error=UnknownCapabilityError,
)


def register_capability(capability: Capability) -> Capability:
    """Declare a capability (replacing any earlier declaration of the same name)."""
    if not isinstance(capability, Capability):
        raise TypeError(
            f"register_capability takes a metrics.Capability, got {type(capability).__name__}"
        )
    if capability.min_samples < 1:
        raise ValueError(f"min_samples must be at least 1, got {capability.min_samples}")
    _CAPABILITIES.register(capability.name, capability, replace=True)
    return capability


def get_capability(name: str) -> Capability:
    """The declared capability called ``name`` (did-you-mean on unknown names)."""
    return _CAPABILITIES.get(name)


def declared_capabilities() -> dict[str, Capability]:
    """Every declared capability by name."""
    return dict(_CAPABILITIES.items())


# ---------------------------------------------------------------- Blocksworld scorers
def score_height_error(episode: Episode) -> tuple[float, float] | None:
    """MeasureHeight: ``(true height of the target block, signed measuring error)``."""
    true_h = _num(episode.info.get("target_true_height"))
    err = _num(episode.info.get("measuring_error"))
    return None if true_h is None or err is None else (true_h, err)


def _info_number(key: str) -> Scorer:
    def scorer(episode: Episode) -> float | None:
        return _num(episode.info.get(key))

    scorer.__name__ = f"score_{key}"
    scorer.__doc__ = f"The number ``info[{key!r}]`` of a completed subtask episode."
    return scorer


score_configurations_generated = _info_number("number_of_correct_configurations")
score_evaluation_error = _info_number("evaluation_error")
score_partition_distance = _info_number("partition_distance")

BLOCKSWORLD_CAPABILITIES: tuple[Capability, ...] = (
    Capability(
        "height_error",
        "measure_height",
        score_height_error,
        per_n=False,
        doc="(true height, estimate - true height) in cm; windowed by true height (±2 cm)",
    ),
    Capability(
        "configurations_generated",
        "generate_configurations",
        score_configurations_generated,
        doc="number of distinct valid configurations listed",
    ),
    Capability(
        "evaluation_error",
        "evaluate_configuration",
        score_evaluation_error,
        doc="answer - true lower-tower height, in cm",
    ),
    Capability(
        "pick_distance",
        "pick_configuration",
        score_partition_distance,
        pool_fallback=True,
        doc="partition distance between the submitted and the optimal configuration",
    ),
    Capability(
        "execute_distance",
        "execute_plan",
        score_partition_distance,
        pool_fallback=True,
        doc="partition distance between the built and the intended configuration",
    ),
)
for _cap in BLOCKSWORLD_CAPABILITIES:
    register_capability(_cap)


# ---------------------------------------------------------------- the table
Key = tuple[str, str, str, int | None]


@dataclass(frozen=True)
class CapabilityTable:
    """Empirical capability samples keyed by (model, variant, capability, n_blocks or None)."""

    samples: Mapping[Key, np.ndarray]
    """Samples as arrays: shape (k,) for numbers, (k, m) for tuples."""

    def get(self, model: str, variant: str, name: str, n_blocks: int | None) -> np.ndarray:
        """The samples of one capability (n_blocks is ignored for pooled capabilities)."""
        cap = get_capability(name)
        key = (model, variant, name, n_blocks if cap.per_n else None)
        return self.samples.get(key, np.empty(0))

    def pooled(self, model: str, variant: str, name: str) -> np.ndarray:
        """The samples of one capability over every n_blocks."""
        parts = [
            arr for (m, v, c, _), arr in self.samples.items() if (m, v, c) == (model, variant, name)
        ]
        return np.concatenate(parts) if parts else np.empty(0)

    def has_any(self, model: str, variant: str) -> bool:
        """Whether (model, variant) has samples of any capability."""
        return any(k[0] == model and k[1] == variant for k in self.samples)

    def rows(self) -> list[dict[str, Any]]:
        """JSON-ready summary rows: counts, mean, sd, mean absolute value, histogram."""
        out = []
        for (model, variant, name, n), arr in sorted(
            self.samples.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3] or 0)
        ):
            cap = _CAPABILITIES.find(name)
            values = arr[:, -1] if arr.ndim == 2 else arr
            row: dict[str, Any] = {
                "model": model,
                "variant": variant,
                "capability": name,
                "subtask": cap.subtask if cap else None,
                "n_blocks": n if n is not None else "all",
                "n_samples": int(values.size),
                "sufficient": bool(values.size >= (cap.min_samples if cap else 1)),
                "mean": float(values.mean()) if values.size else None,
                "sd": float(values.std(ddof=1)) if values.size > 1 else None,
                "mean_abs": float(np.abs(values).mean()) if values.size else None,
                "histogram": None,
            }
            if values.size and np.all(values == np.round(values)):
                uniq, counts = np.unique(values.astype(int), return_counts=True)
                row["histogram"] = {str(u): int(c) for u, c in zip(uniq, counts, strict=True)}
            out.append(row)
        return out


def capabilities(
    episodes: Iterable[Episode], declared: Sequence[Capability] | None = None
) -> CapabilityTable:
    """Collect the capability samples of ``episodes`` (completed subtask episodes only).

    Args:
        episodes: normalised episodes (see :func:`metrics.normalize_records`).
        declared: the capabilities to collect; all declared ones by default.
    """
    caps = list(declared) if declared is not None else [cap for _, cap in _CAPABILITIES.items()]
    by_task: dict[str, list[Capability]] = defaultdict(list)
    for cap in caps:
        by_task[cap.subtask].append(cap)
    collected: dict[Key, list[Sample]] = defaultdict(list)
    for ep in episodes:
        if not ep.completed or ep.task not in by_task:
            continue
        for cap in by_task[ep.task]:
            sample = cap.score(ep)
            if sample is None:
                continue
            collected[(ep.model, ep.variant, cap.name, ep.n_blocks if cap.per_n else None)].append(
                sample
            )
    samples = {}
    for key, values in collected.items():
        arr = np.asarray(values, dtype=float)
        arr.setflags(write=False)
        samples[key] = arr
    return CapabilityTable(samples)
