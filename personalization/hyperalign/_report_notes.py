"""What the HyPerAlign report adds so its tables say no more than they show.

* :func:`plumbing_note`: a run whose models are all scripted stand-ins is a plumbing check;
  the report header says so.
* :func:`annotate_effects`: each comparison row gets the pairs lost against the baseline (and
  why), and a condition whose outputs equal another condition's on every pair gets a note in
  place of its effect.
* :func:`baseline_section`: the win-rate table against an imported baseline file
  (``personalization.baseline_file``), judged by the scenario's judges.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

#: Effect columns blanked for a condition identical to another one.
EFFECT_KEYS = (
    "diff_vs_baseline",
    "diff_ci_low",
    "diff_ci_high",
    "helpfulness_change_vs_baseline",
)

PLUMBING_NOTE = (
    "Plumbing check, not a result: every model of this run is a scripted stand-in. The numbers "
    "show that each condition reaches the policy and that the scorers run; a scripted policy "
    "either ignores the personalization block or reads exactly what the offline scorer "
    "measures, so no number here is evidence that hypotheses help. Run with a real model "
    "(--model <spec>) for a study."
)


def plumbing_note(records: Sequence[Mapping[str, Any]]) -> str | None:
    """:data:`PLUMBING_NOTE` when every record's model is ``scripted:*``, else ``None``."""
    models = {str(r.get("model")) for r in records}
    if models and all(m.startswith("scripted:") for m in models):
        return PLUMBING_NOTE
    return None


def annotate_effects(
    rows: list[dict[str, Any]],
    records: Sequence[Mapping[str, Any]],
    baseline: str,
    order: Sequence[str] = (),
) -> list[str]:
    """Add ``lost_pairs`` (count) and ``lost_why`` to each (model, condition) row (adding a row
    with ``n`` 0 for a condition whose every episode failed), and replace the effect of a
    condition identical to another with ``identical_to``; returns one message per identical
    condition. ``records`` must include the failed episodes."""
    from personalization.hyperalign._pairing import identical_to, lost_pairs

    lost = lost_pairs(records, baseline)
    same = identical_to(records, [baseline, *[c for c in order if c != baseline]])
    present = {(str(r.get("model")), str(r.get("condition"))) for r in rows}
    for record in records:  # a condition whose every episode failed still gets its row
        key = (str(record.get("model")), str(record.get("condition")))
        if key not in present:
            present.add(key)
            rows.append({"model": key[0], "condition": key[1], "n": 0})
    messages = []
    for row in rows:
        key = (str(row.get("model")), str(row.get("condition")))
        if row.get("condition") != baseline:
            reasons = lost.get(key, {})
            row["lost_pairs"] = sum(reasons.values())
            row["lost_why"] = "; ".join(f"{n} {why}" for why, n in reasons.items()) or None
        finding = same.get(key)
        if finding is not None:
            for k in EFFECT_KEYS:
                if k in row:
                    row[k] = None
            row["identical_to"] = finding.same_as
            messages.append(finding.message())
    return messages


def baseline_section(
    records: Sequence[Mapping[str, Any]],
    path: str,
    judges: Mapping[str, Any],
    demonstrations: Callable[[Mapping[str, Any]], Mapping[str, Sequence[str]]],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """The win-rate table of every condition's writing outputs against the baseline file.

    Args:
        records: writing-env records, failed episodes included (they are counted as lost).
        path: the baseline JSONL file.
        judges: ``{name: chat model}``.
        demonstrations: gives ``{user: training texts}`` for the records of one model.
    """
    from personalization._baseline import (
        baseline_win_table,
        candidates_from_records,
        format_win_table,
        load_baseline_outputs,
    )

    baseline = load_baseline_outputs(path)
    candidates = candidates_from_records(records)
    demos: dict[str, Sequence[str]] = {}
    for model in sorted({str(r.get("model")) for r in records}):
        own = [r for r in records if str(r.get("model")) == model]
        demos.update(demonstrations(own[0]))
    table = baseline_win_table(
        judges, candidates, baseline, demos, n_resamples=n_resamples, seed=seed
    )
    return {**table.to_dict(), "markdown": format_win_table(table), "file": path}
