"""Honest paired comparisons of conditions: lost pairs and identical outputs.

Conditions are compared on paired episodes (same model, prompt variant, user, prompt and
seed). Two things can make such a comparison say more than it shows:

* **Lost pairs.** An episode that failed (inference found no grounded hypotheses, the model
  call raised, the agent never submitted a text) has no output; its pair drops out of the
  comparison. :func:`lost_pairs` counts, per (model, condition), the pairs that could not be
  formed against the baseline condition and why, so every table can say so.
* **Identical outputs.** A condition whose outputs are byte for byte another condition's on
  every shared pair (for example a scripted policy that ignores what differs between the
  two) has an effect of exactly zero by construction, and a "0 [0, 0]" in a table reads like
  a finding. :func:`identical_conditions` finds such pairs of conditions so the report can
  say so instead of printing an effect.

Both are pure functions of episode records (dicts as in ``episodes.jsonl``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

PairKey = tuple[Any, ...]


def pair_key(record: Mapping[str, Any]) -> PairKey:
    """What makes two records of different conditions a pair: model, prompt variant, env,
    env kwargs (user, prompt choice, ...) and seed. It uses no field the episode reports, so a
    failed episode pairs with the same key as a finished one."""
    kwargs = json.dumps(record.get("env_kwargs") or {}, sort_keys=True, default=str)
    return (
        str(record.get("model")),
        str(record.get("variant")),
        str(record.get("env_id")),
        kwargs,
        record.get("seed"),
    )


def output_text(record: Mapping[str, Any]) -> str | None:
    """The text an episode produced (``info["text"]``), ``None`` when it produced none."""
    info = record.get("info") or {}
    text = info.get("text")
    return str(text) if text is not None and record.get("completed", True) else None


def failure_reason(record: Mapping[str, Any]) -> str:
    """Why an episode produced no output, in a few words."""
    if record.get("stop_reason") == "error":
        errors = record.get("errors") or []
        if errors:
            first = errors[0]
            message = str(first.get("message") or "").split("\n", 1)[0][:120]
            return f"error: {first.get('kind', 'Error')}: {message}".rstrip(": ")
        return "error"
    return f"no text ({record.get('stop_reason') or 'not completed'})"


def lost_pairs(
    records: Iterable[Mapping[str, Any]], baseline: str
) -> dict[tuple[str, str], dict[str, int]]:
    """``{(model, condition): {reason: count}}``: pairs against ``baseline`` not formed.

    A pair is lost when either side has no output; the reason names the side
    (``baseline: ...`` when it is the baseline's episode that failed).
    """
    cells: dict[tuple[str, str], dict[PairKey, Mapping[str, Any]]] = {}
    for record in records:
        key = pair_key(record)
        cells.setdefault((key[0], str(record.get("condition"))), {})[key] = record
    out: dict[tuple[str, str], dict[str, int]] = {}
    for (model, condition), cell in cells.items():
        if condition == baseline:
            continue
        base = cells.get((model, baseline), {})
        reasons: dict[str, int] = {}
        for key in sorted(set(cell) | set(base), key=str):
            mine, theirs = cell.get(key), base.get(key)
            why = None
            if mine is None:
                why = "no episode of this condition"
            elif output_text(mine) is None:
                why = failure_reason(mine)
            elif theirs is None:
                why = "baseline: no episode"
            elif output_text(theirs) is None:
                why = "baseline: " + failure_reason(theirs)
            if why is not None:
                reasons[why] = reasons.get(why, 0) + 1
        out[(model, condition)] = reasons
    return out


@dataclass(frozen=True)
class IdenticalConditions:
    """Two conditions whose outputs are identical on every pair they share."""

    model: str
    """The model."""
    condition: str
    """One condition."""
    same_as: str
    """The other (earlier in the order given)."""
    n_pairs: int
    """Pairs compared (all identical)."""

    def message(self) -> str:
        """One line for the report."""
        return (
            f"{self.model}: `{self.condition}` produced exactly the same text as "
            f"`{self.same_as}` in all {self.n_pairs} paired episodes, so its effect is zero by "
            "construction (the policy does not use what differs between them); no effect is "
            "reported for it"
        )


def identical_conditions(
    records: Iterable[Mapping[str, Any]], order: Sequence[str] = ()
) -> list[IdenticalConditions]:
    """Pairs of conditions of one model whose outputs are identical on every shared pair
    (at least one). ``order`` puts the conditions in report order (the first of a pair is
    ``same_as``)."""
    texts: dict[tuple[str, str], dict[PairKey, str]] = {}
    for record in records:
        text = output_text(record)
        if text is None:
            continue
        key = pair_key(record)
        texts.setdefault((key[0], str(record.get("condition"))), {})[key] = text
    found = []
    for model in sorted({m for m, _ in texts}):
        conds = [c for m, c in texts if m == model]
        ranked = [c for c in order if c in conds] + sorted(set(conds) - set(order))
        for first, second in combinations(ranked, 2):
            a, b = texts[(model, first)], texts[(model, second)]
            shared = set(a) & set(b)
            if shared and all(a[k] == b[k] for k in shared):
                found.append(IdenticalConditions(model, second, first, len(shared)))
    return found


def identical_to(
    records: Iterable[Mapping[str, Any]], order: Sequence[str] = ()
) -> dict[tuple[str, str], IdenticalConditions]:
    """``{(model, condition): finding}`` for every condition identical to an earlier one."""
    out: dict[tuple[str, str], IdenticalConditions] = {}
    for item in identical_conditions(records, order):
        out.setdefault((item.model, item.condition), item)
    return out
