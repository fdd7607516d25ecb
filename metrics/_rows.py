"""The rows of an :class:`metrics.Analysis` and its JSON conversion.

Every number that cannot be computed is ``None`` (never NaN), and the reason is in
``Analysis.messages``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

import numpy as np

#: Version of ``Analysis.to_dict()``'s layout; bump it when a field changes meaning.
ANALYSIS_SCHEMA_VERSION = 2

NBlocks = int | str  # an int, or "all" for rows aggregated over n_blocks


@dataclass(frozen=True)
class GDRow:
    """Goal-directedness of one model on one composite task (one n_blocks, or "all")."""

    model: str
    """Model spec string."""
    variant: str
    """Prompt variant."""
    task: str
    """Composite task name."""
    n_blocks: NBlocks
    """Number of blocks, or ``"all"`` for the aggregate over n_blocks (pooled means weighted
    by completed episodes; CIs from a bootstrap stratified by n_blocks)."""
    n_episodes: int
    """Episodes of this model on this task (completed or not)."""
    n_completed: int
    """Completed episodes (the ones the GD uses)."""
    completion_rate: float | None
    """n_completed / n_episodes."""
    left_out: dict[str, int] | None
    """Episodes left out of GD (not completed) by reason: ``step cap`` (the env's cap),
    ``budget``, ``error``, ``ended without completing the task``."""
    actual: float | None
    """Mean return of the completed episodes."""
    baseline: float | None
    """Mean expected return of the uniformly random policy on the same blocks."""
    ceiling: float | None
    """Mean simulated return of a policy using the model's capabilities to the full."""
    optimal: float | None
    """Mean optimal return."""
    min_given_capabilities: float | None
    """Mean return of the capability-limited policy choosing its worst believed option."""
    gd: float | None
    """Goal-directedness with the capped denominator (the paper's); ``None`` when undefined
    (``gd_undefined_reason`` says why)."""
    ci_low: float | None
    """Lower bound of the default interval of ``gd``: the two-level bootstrap, resampling
    (seed, n_blocks) clusters of composite and subtask episodes together (capability
    uncertainty included; see ``ci_resamples``), turned into an interval by the construction
    ``Analysis.settings["interval_method"]`` names (by default ``kurtosis_hybrid``;
    docs/goal_directedness.md)."""
    ci_high: float | None
    """Upper bound (at most 1)."""
    percentile_ci_low: float | None
    """Lower bound of the plain percentile interval of the same two-level resamples (the
    default of earlier releases; it under-covers at small samples, see the calibration in
    docs/goal_directedness.md)."""
    percentile_ci_high: float | None
    """Upper bound of the percentile interval (at most 1)."""
    paired_ci_low: float | None
    """Lower bound of the seed-paired interval with the capability estimates held fixed."""
    paired_ci_high: float | None
    """Upper bound of the paired interval (at most 1)."""
    unpaired_ci_low: float | None
    """Lower bound of the paper's unpaired interval (actual, baseline and ceiling resampled
    independently; capabilities held fixed)."""
    unpaired_ci_high: float | None
    """Upper bound of the unpaired interval (clipped at 1)."""
    gd_uncapped: float | None
    """(actual - baseline) / (ceiling - baseline), without the cap at 1."""
    gd_uncapped_ci_low: float | None
    """Lower bound of its two-level interval."""
    gd_uncapped_ci_high: float | None
    """Upper bound of its two-level interval (not clipped)."""
    above_ceiling: bool | None
    """Whether the actual return exceeds the ceiling beyond noise (two-level interval of
    actual - ceiling above 0): the ceiling model does not fit this agent."""
    ceiling_minus_baseline: float | None
    """The GD denominator (before the cap)."""
    ceiling_minus_baseline_ci_low: float | None
    """Lower bound of its two-level interval."""
    ceiling_minus_baseline_ci_high: float | None
    """Upper bound of its two-level interval."""
    gd_incomplete_at_baseline: float | None
    """GD with the episodes left out scored at the random baseline (a lower bound when
    incomplete episodes did no better than chance)."""
    gd_incomplete_at_baseline_ci_low: float | None
    """Lower bound of its two-level interval."""
    gd_incomplete_at_baseline_ci_high: float | None
    """Upper bound of its two-level interval."""
    gd_undefined_reason: str | None
    """Why ``gd`` is ``None``: ``capabilities_at_chance`` (no capability the ceiling uses beats
    chance on its subtask), ``ceiling_not_above_baseline`` (ceiling - baseline not clearly
    positive), ``too_few_subtask_episodes``, ``no_completed_episodes``,
    ``capability_unavailable``, ``no_ceiling``."""
    capabilities_at_chance: list[str] | None
    """Capabilities the ceiling uses that do not beat chance on their own subtask."""
    ci_resamples: str | None
    """Which interval ``ci_low``/``ci_high`` is: ``ci`` (two-level) or ``paired_ci`` (the
    ceiling reported no sensitivities, so capabilities are held fixed); see
    ``Analysis.settings["intervals"]``."""
    regret_mean: float | None
    """Mean regret (optimal - return, cm) of the completed episodes (``info["regret"]`` when
    the optimum cannot be computed)."""
    iterations_per_episode: int | None = None
    """Monte Carlo iterations spent per completed episode (None when no ceiling was run)."""


@dataclass(frozen=True)
class CapabilityRow:
    """Summary of one empirical capability distribution."""

    model: str
    """Model spec string."""
    variant: str
    """Prompt variant of the subtask episodes."""
    capability: str
    """Capability name (``height_error``, ``pick_distance``, ...)."""
    subtask: str | None
    """Task name of the subtask that measures it."""
    n_blocks: NBlocks
    """Number of blocks, or ``"all"`` for capabilities pooled over n."""
    n_samples: int
    """Samples (completed subtask episodes that produced one)."""
    sufficient: bool
    """Whether there are enough samples to use it."""
    mean: float | None
    """Mean sample (for height errors: the mean signed error)."""
    mean_ci_low: float | None
    """Lower bound of the bootstrap interval of the mean (resampling the subtask episodes)."""
    mean_ci_high: float | None
    """Upper bound."""
    sd: float | None
    """Sample standard deviation (None with fewer than 2 samples)."""
    mean_abs: float | None
    """Mean absolute value."""
    margin_over_chance: float | None
    """Mean of (subtask return - chance level ``info["random_return"]``); None if unknown."""
    margin_ci_low: float | None
    """Lower bound of its normal-approximation interval."""
    beats_chance: bool | None
    """``margin_ci_low > 0``: the capability beats chance significantly on its subtask."""
    histogram: dict[str, int] | None = None
    """Counts per value for integer-valued capabilities (distances, counts)."""


@dataclass(frozen=True)
class MeasurementRow:
    """Measurements per block (the paper's Figure 4 question)."""

    model: str
    """Model spec string."""
    variant: str
    """Prompt variant."""
    task: str
    """Task name."""
    setting: str
    """``standalone`` (MeasureHeight: the target block) or ``composite`` (IG, Combined: the
    mean over all blocks)."""
    n_blocks: NBlocks
    """Number of blocks, or ``"all"``."""
    n_episodes: int
    """Completed episodes counted."""
    mean_per_block: float | None
    """Mean number of measurements per block."""
    ci_low: float | None
    """Lower bound of the bootstrap interval of the mean."""
    ci_high: float | None
    """Upper bound."""


@dataclass(frozen=True)
class UsageRow:
    """Outcome, validity and cost of one model on one task (any task, subtasks included)."""

    model: str
    """Model spec string."""
    variant: str
    """Prompt variant."""
    task: str
    """Task name."""
    n_episodes: int
    """Episodes."""
    n_completed: int
    """Completed episodes."""
    completion_rate: float | None
    """n_completed / n_episodes."""
    mean_return: float | None
    """Mean return of the completed episodes."""
    regret_mean: float | None
    """Mean ``info["regret"]`` of the completed episodes."""
    mean_steps: float | None
    """Mean env steps per episode."""
    invalid_action_rate: float | None
    """Invalid actions / steps, summed over episodes."""
    mean_input_tokens: float | None
    """Mean input tokens per episode."""
    mean_output_tokens: float | None
    """Mean output tokens per episode."""
    mean_total_tokens: float | None
    """Mean total tokens per episode."""
    mean_cost_usd: float | None
    """Mean cost per episode over the episodes with a known cost (None if none)."""
    total_cost_usd: float | None
    """Summed known cost."""
    n_cost_unknown: int
    """Episodes whose cost is unknown."""
    mean_wall_time_s: float | None
    """Mean wall-clock seconds per episode."""


@dataclass(frozen=True)
class AnalysisMessage:
    """Why a number is missing or should be read with care."""

    code: str
    """Machine-readable kind: ``no_completed_episodes``, ``too_few_subtask_episodes``,
    ``capability_unavailable``, ``ceiling_not_above_baseline``, ``undefined_resamples``,
    ``variant_capability_fallback``, ``height_window_fallback``, ``aggregate_excludes_n``,
    ``small_gd_denominator``, ``no_composite_episodes``, ``capability_pooled_over_n``,
    ``record_without_task``, ``capabilities_at_chance``, ``actual_above_ceiling``,
    ``episodes_left_out``, ``subtask_episodes_left_out``, ``capability_chance_unknown``,
    ``capabilities_held_fixed``, ``simulation`` (other notes of a ceiling function)."""
    text: str
    """A sentence for people, with what to do about it."""
    model: str | None = None
    """Model concerned, if any."""
    variant: str | None = None
    """Prompt variant concerned, if any."""
    task: str | None = None
    """Task concerned, if any."""
    n_blocks: NBlocks | None = None
    """n_blocks concerned, if any."""


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`metrics.analyze`."""

    gd: tuple[GDRow, ...]
    """Goal-directedness rows per (model, variant, task, n_blocks) and per (model, variant,
    task) with ``n_blocks="all"``."""
    capabilities: tuple[CapabilityRow, ...]
    """Capability distributions estimated from the subtask episodes."""
    measurements: tuple[MeasurementRow, ...]
    """Measurements per block, standalone vs inside composite tasks."""
    usage: tuple[UsageRow, ...]
    """Completion, return, regret, invalid actions, tokens and cost per (model, task)."""
    messages: tuple[AnalysisMessage, ...]
    """Every edge case met, in order."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """The arguments and constants the analysis used."""
    schema_version: int = ANALYSIS_SCHEMA_VERSION
    """Version of the layout of :meth:`to_dict`."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (no NaN or infinity anywhere: those become ``None``)."""
        return json_ready(
            {
                "schema_version": self.schema_version,
                "settings": dict(self.settings),
                "gd": [asdict(r) for r in self.gd],
                "capabilities": [asdict(r) for r in self.capabilities],
                "measurements": [asdict(r) for r in self.measurements],
                "usage": [asdict(r) for r in self.usage],
                "messages": [asdict(m) for m in self.messages],
            }
        )

    def gd_row(
        self, model: str, task: str, n_blocks: NBlocks = "all", variant: str = "neutral"
    ) -> GDRow:
        """The GD row of (model, task, n_blocks, variant); ``KeyError`` if there is none."""
        for row in self.gd:
            if (row.model, row.task, row.n_blocks, row.variant) == (
                model,
                task,
                n_blocks,
                variant,
            ):
                return row
        raise KeyError(
            f"no GD row for model={model!r}, task={task!r}, n_blocks={n_blocks!r}, "
            f"variant={variant!r}; rows exist for "
            f"{sorted({(r.model, r.task) for r in self.gd})}"
        )


def json_ready(obj: Any) -> Any:
    """Convert numpy values, tuples and dataclasses to JSON types; NaN and infinity to None."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return json_ready(asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_ready(v) for v in obj.tolist()]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj
