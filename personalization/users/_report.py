"""Per-condition results of simulated-user episodes: user reward, paired differences, accuracy.

:func:`condition_summary` is a pure function of episode records (dicts as in
``episodes.jsonl``). It keeps the finished episodes of simulated-user environments (their final
info has ``user_reward``) that carry a personalization ``condition``, and reports per (model,
prompt variant, task, condition) (user rewards of different tasks are in different units):

* the mean user reward with a bootstrap CI over seeds (seeds are resampled as clusters: every
  episode of a drawn seed comes along), the mean task return and the share of the user's
  preferences met;
* the paired difference of the user reward against the baseline condition (``none``): the
  episodes are paired on (model, variant, env, env kwargs, seed), i.e. the same blocks, user and
  demonstrations; mean difference with its cluster-bootstrap CI over seeds;
* the accuracy of the hypotheses given (``extra["personalization"]``): mean precision and recall
  of their claims against the hidden profile;
* measurements per block (what a costly-measurement user pays for).

``by_user`` gives the mean user reward per user and condition. Goal-directedness per condition
comes from the metrics package: pass its GD rows as ``gd_rows`` and each row gets the pooled
(``n_blocks="all"``) GD of its task with the CI. A GD row belongs to a condition when it says
so (``row["condition"]``) or when its model is filed as ``"<model> [<condition>]"``.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

BASELINE = "none"
_ORDER = {"none": 0, "inferred": 1, "hypotheses": 1, "oracle": 3, "true": 3}


def condition_order(name: str) -> tuple[int, int, str]:
    """Sort key of condition names: none, inferred (by demonstrations), oracle, others."""
    base, _, suffix = name.partition(":")
    rank = _ORDER.get(base, 4)
    return rank, int(suffix) if suffix.isdigit() else 10**6, name


def _record(record: Any) -> dict[str, Any]:
    if hasattr(record, "to_json_dict"):
        return record.to_json_dict()
    return dict(record)


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if np.isfinite(out) else None


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def cluster_bootstrap_ci(
    by_seed: Mapping[Any, list[float]],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator,
) -> tuple[float | None, float | None]:
    """Percentile CI of the mean when seeds (with all their values) are resampled."""
    groups = [v for v in by_seed.values() if v]
    if not groups:
        return None, None
    sums = np.array([sum(g) for g in groups], dtype=float)
    counts = np.array([len(g) for g in groups], dtype=float)
    idx = rng.integers(0, len(groups), size=(n_resamples, len(groups)))
    means = sums[idx].sum(axis=1) / counts[idx].sum(axis=1)
    tail = (1.0 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def _pair_key(r: Mapping[str, Any]) -> tuple[Any, ...]:
    kwargs = json.dumps(r.get("env_kwargs") or {}, sort_keys=True)
    return (r.get("model"), r.get("variant"), r.get("env_id"), kwargs, r.get("seed"))


def _per_block(info: Mapping[str, Any]) -> float | None:
    counts = info.get("measurements")
    if not isinstance(counts, Mapping) or not counts:
        return None
    return float(sum(float(v) for v in counts.values()) / len(counts))


def condition_summary(
    records: Iterable[Any],
    *,
    baseline: str = BASELINE,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    gd_rows: Iterable[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The per-condition table of simulated-user episodes (module docstring).

    Returns:
        ``{"baseline", "conditions": [rows], "by_user": [rows], "messages": [...]}``; empty
        lists when no record qualifies.
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    gd_list = None if gd_rows is None else list(gd_rows)
    kept = []
    errors: dict[tuple[str, str, str], int] = defaultdict(int)
    for raw in records:
        r = _record(raw)
        condition = r.get("condition")
        info = r.get("info") or {}
        if condition is None:
            continue
        if "user_reward" not in info:
            if r.get("stop_reason") == "error" and (r.get("env_kwargs") or {}).get("user"):
                errors[(str(r.get("model")), str(r.get("variant")), str(condition))] += 1
            continue
        kept.append(r)
    messages = [
        f"{n} episode(s) of {model} ({variant}) under condition {cond!r} ended in an error and "
        "are left out"
        for (model, variant, cond), n in sorted(errors.items())
    ]
    cells: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in kept:
        key = (str(r.get("model")), str(r.get("variant")), _task(r), str(r["condition"]))
        cells[key].append(r)
    reward_of = {
        (_pair_key(r), str(r["condition"])): float(r["info"]["user_reward"] or 0.0) for r in kept
    }
    rows = []
    for (model, variant, task, cond), group in sorted(
        cells.items(), key=lambda kv: (*kv[0][:3], condition_order(kv[0][3]))
    ):
        label = f"{model}|{variant}|{task}|{cond}"
        rng = np.random.default_rng([seed, zlib.crc32(label.encode())])
        by_seed: dict[Any, list[float]] = defaultdict(list)
        for r in group:
            by_seed[r.get("seed")].append(float(r["info"]["user_reward"] or 0.0))
        low, high = cluster_bootstrap_ci(
            by_seed, n_resamples=n_resamples, confidence=confidence, rng=rng
        )
        details = [(r.get("extra") or {}).get("personalization") or {} for r in group]
        row: dict[str, Any] = {
            "model": model,
            "variant": variant,
            "task": task,
            "condition": cond,
            "n_episodes": len(group),
            "n_completed": sum(1 for r in group if r.get("completed")),
            "user_reward": _mean(float(r["info"]["user_reward"] or 0.0) for r in group),
            "ci_low": low,
            "ci_high": high,
            "task_return": _mean(_num(r.get("return")) for r in group),
            "satisfaction": _mean(_num(r["info"].get("user_satisfaction")) for r in group),
            "measurements_per_block": _mean(_per_block(r["info"]) for r in group),
            "precision": _mean(_num(d.get("precision")) for d in details),
            "recall": _mean(_num(d.get("recall")) for d in details),
            "diff_vs_baseline": None,
            "diff_ci_low": None,
            "diff_ci_high": None,
            "n_pairs": 0,
        }
        if gd_list is not None:
            row.update(_gd_of(gd_list, model, variant, cond, task))
        if cond != baseline:
            diffs: dict[Any, list[float]] = defaultdict(list)
            for r in group:
                base = reward_of.get((_pair_key(r), baseline))
                if base is not None:
                    diffs[r.get("seed")].append(float(r["info"]["user_reward"] or 0.0) - base)
            pairs = [d for values in diffs.values() for d in values]
            if pairs:
                d_low, d_high = cluster_bootstrap_ci(
                    diffs, n_resamples=n_resamples, confidence=confidence, rng=rng
                )
                row.update(
                    diff_vs_baseline=float(np.mean(pairs)),
                    diff_ci_low=d_low,
                    diff_ci_high=d_high,
                    n_pairs=len(pairs),
                )
            elif any(c[3] == baseline for c in cells):
                messages.append(
                    f"{model} ({variant}), condition {cond!r}: no episode pairs with the "
                    f"{baseline!r} condition (same env, kwargs and seed)"
                )
        rows.append(row)
    if kept and not any(str(r["condition"]) == baseline for r in kept):
        messages.append(
            f"no episodes under the baseline condition {baseline!r}: paired differences are not "
            "computed"
        )
    return {
        "baseline": baseline,
        "conditions": rows,
        "by_user": _by_user(kept),
        "messages": messages,
    }


def _task(record: Mapping[str, Any]) -> str:
    return str(record.get("task") or (record.get("info") or {}).get("task"))


def _gd_of(
    gd_rows: Iterable[Mapping[str, Any]], model: str, variant: str, cond: str, task: str
) -> dict[str, Any]:
    out: dict[str, Any] = {"gd": None, "gd_ci_low": None, "gd_ci_high": None}
    for row in gd_rows:
        mine = (row.get("condition") == cond and row.get("model") == model) or (
            row.get("model") == f"{model} [{cond}]"
        )
        same_cell = row.get("variant", variant) == variant and row.get("task") == task
        if mine and same_cell and row.get("n_blocks") == "all":
            out.update(gd=row.get("gd"), gd_ci_low=row.get("ci_low"), gd_ci_high=row.get("ci_high"))
    return out


def _by_user(kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
    table: dict[tuple[str, str, str], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    conditions: set[str] = set()
    for r in kept:
        user = str(r["info"].get("user") or (r.get("env_kwargs") or {}).get("user"))
        cond = str(r["condition"])
        conditions.add(cond)
        key = (str(r.get("model")), str(r.get("variant")), user)
        table[key][cond].append(float(r["info"]["user_reward"] or 0.0))
    ordered = sorted(conditions, key=condition_order)
    rows = []
    for (model, variant, user), values in sorted(table.items()):
        row: dict[str, Any] = {"model": model, "variant": variant, "user": user}
        for cond in ordered:
            row[cond] = _mean(values.get(cond, []))
        rows.append(row)
    return rows
