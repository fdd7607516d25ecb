"""Another method's generations as a baseline to beat, and the paper's win-rate table.

HyPerAlign's headline is the win rate of its generations against a preference fine-tuning
baseline's (DITTO) on the same users and prompts (spec 4, 5.1). DITTO needs a GPU, so telic
does not run it; its outputs (or any other method's) come in as a JSONL file, one line per
generation::

    {"user": "S1", "prompt_id": "Essays/S1S1C1.txt", "text": "...", "method": "ditto"}

(``prompt``, ``method``, ``model``, ``dataset`` and ``sample`` are optional.) The ids are the
ones the writing env reports (``info["prompt_id"]``: the corpus's text id). With several
samples per prompt the one with the lowest ``sample`` (else the first line) is used.

:func:`baseline_win_table` pairs each candidate output (a scenario condition's texts) with the
baseline's text for the same user and prompt and judges every pair in both orders
(:mod:`personalization._judge`: a win counts only when both orders agree, a split verdict is a
tie worth 0.5). It reports, per dataset, generator model and condition (and per user), the win
rate against the baseline with a percentile bootstrap CI **over prompts** (pairs resampled with
replacement), the tie rate, each judge's win rate and the judges' agreement, and how many
candidate outputs could not be paired and why. :func:`format_win_table` prints it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from personalization._judge import PairwiseItem, PairwiseReport, evaluate_pairwise
from personalization._types import PersonalizationError

LOST_NO_BASELINE = "no baseline output for this user and prompt"
LOST_FAILED = "the condition produced no text (error episode)"
LOST_NO_DEMOS = "no demonstrations of this user for the judge"


@dataclass(frozen=True)
class BaselineOutput:
    """One generation of the external method."""

    user: str
    """Whose voice it imitates."""
    prompt_id: str
    """Which held-out prompt (the corpus's text id)."""
    text: str
    """The generation."""
    prompt: str = ""
    """The prompt text, when the file gives it."""
    method: str = "baseline"
    """The method's name (``ditto``, ...)."""
    model: str = ""
    """The method's base model, when given."""
    dataset: str = ""
    """The dataset, when given."""


@dataclass(frozen=True)
class BaselineOutputs:
    """The baseline's generations, one per (user, prompt id)."""

    outputs: dict[tuple[str, str], BaselineOutput]
    """``{(user, prompt_id): output}``."""
    method: str
    """The method's name (the file's ``method``, else the file name)."""
    source: str
    """The file it was read from."""
    duplicates: int = 0
    """Extra samples per prompt that were not used."""

    def get(self, user: str, prompt_id: str) -> BaselineOutput | None:
        """The output for this user and prompt, if any."""
        return self.outputs.get((str(user), str(prompt_id)))

    def __len__(self) -> int:
        return len(self.outputs)


def load_baseline_outputs(path: str | Path, *, method: str | None = None) -> BaselineOutputs:
    """Read a baseline JSONL file (module docstring).

    Raises:
        FileNotFoundError: no such file.
        PersonalizationError: a line that is not a JSON object with ``user``, ``prompt_id`` and
            a non-empty ``text`` (the message names the line), or no lines.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"baseline file {str(path)!r} does not exist")
    chosen: dict[tuple[str, str], tuple[float, BaselineOutput]] = {}
    methods: set[str] = set()
    duplicates = 0
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PersonalizationError(f"{where} is not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise PersonalizationError(f"{where} must be a JSON object")
        missing = [k for k in ("user", "prompt_id", "text") if row.get(k) in (None, "")]
        if missing:
            raise PersonalizationError(
                f"{where} lacks {', '.join(missing)}; each line needs user, prompt_id and text"
            )
        if not isinstance(row["text"], str) or not row["text"].strip():
            raise PersonalizationError(f"{where}: text must be non-empty text")
        out = BaselineOutput(
            user=str(row["user"]),
            prompt_id=str(row["prompt_id"]),
            text=row["text"].strip(),
            prompt=str(row.get("prompt") or ""),
            method=str(row.get("method") or method or path.stem),
            model=str(row.get("model") or ""),
            dataset=str(row.get("dataset") or ""),
        )
        methods.add(out.method)
        rank = float(row["sample"]) if isinstance(row.get("sample"), int | float) else number
        key = (out.user, out.prompt_id)
        if key in chosen:
            duplicates += 1
            if rank >= chosen[key][0]:
                continue
        chosen[key] = (rank, out)
    if not chosen:
        raise PersonalizationError(f"{path.name} holds no generations")
    name = method or (methods.pop() if len(methods) == 1 else path.stem)
    return BaselineOutputs(
        {k: v for k, (_, v) in chosen.items()}, name, str(path), duplicates=duplicates
    )


@dataclass(frozen=True)
class CandidateOutput:
    """One output of the method under test (a scenario condition's text)."""

    user: str
    """Whose voice."""
    prompt_id: str
    """Which held-out prompt."""
    text: str | None
    """The text; ``None`` when the episode failed."""
    condition: str = "hypotheses"
    """The condition that produced it."""
    model: str = ""
    """The generator model."""
    dataset: str = ""
    """The dataset (corpus) name."""
    prompt: str = ""
    """The prompt text."""
    error: str | None = None
    """Why there is no text, for a failed episode."""


def candidates_from_records(
    records: Iterable[Mapping[str, Any]], *, dataset: str = ""
) -> list[CandidateOutput]:
    """Candidate outputs from writing-env episode records (dicts as in ``episodes.jsonl``).

    Failed episodes (no text) are kept with their error, so the table can count them.
    """
    out = []
    for record in records:
        info = record.get("info") or {}
        kwargs = record.get("env_kwargs") or {}
        text = info.get("text") if info.get("completed") else None
        error = None
        if text is None:
            from personalization.hyperalign._pairing import failure_reason

            error = failure_reason(record)
        out.append(
            CandidateOutput(
                user=str(info.get("user") or kwargs.get("user")),
                prompt_id=str(info.get("prompt_id") or ""),
                text=text,
                condition=str(record.get("condition") or ""),
                model=str(record.get("model") or ""),
                dataset=dataset or str(kwargs.get("corpus") or "synthetic"),
                prompt=str(info.get("prompt") or ""),
                error=error or None,
            )
        )
    return out


@dataclass
class WinTableRow:
    """Win rate of one (dataset, model, condition) against the baseline."""

    dataset: str
    """Dataset name."""
    model: str
    """Generator model."""
    condition: str
    """Condition under test."""
    report: PairwiseReport | None
    """The judged pairs (``None`` when no pair could be formed)."""
    lost: dict[str, int] = field(default_factory=dict)
    """Candidate outputs not judged, by reason."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        base: dict[str, Any] = {
            "dataset": self.dataset,
            "model": self.model,
            "condition": self.condition,
            "lost": dict(self.lost),
            "n_lost": sum(self.lost.values()),
        }
        if self.report is not None:
            base.update(self.report.to_dict())
        return base


@dataclass
class WinTable:
    """The paper's table: each condition's win rate against one baseline."""

    baseline: str
    """The baseline method's name."""
    rows: list[WinTableRow]
    """One row per (dataset, model, condition)."""
    judges: list[str]
    """Judge names."""
    resampled: str = "prompts (judged pairs, resampled with replacement)"
    """What the bootstrap CIs resample."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "baseline": self.baseline,
            "judges": self.judges,
            "ci_resamples": self.resampled,
            "rows": [r.to_dict() for r in self.rows],
        }


def baseline_win_table(
    judges: Any,
    candidates: Sequence[CandidateOutput],
    baseline: BaselineOutputs,
    demonstrations: Mapping[str, Sequence[str]],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> WinTable:
    """Judge every candidate against the baseline's output for the same user and prompt.

    Args:
        judges: one chat model, a list, or ``{name: model}`` (module ``_judge``).
        candidates: the outputs under test (:func:`candidates_from_records`).
        baseline: the external generations (:func:`load_baseline_outputs`).
        demonstrations: ``{user: training texts}`` shown to the judge (never held-out texts).
    """
    from personalization._judge import _judges

    named = _judges(judges)
    groups: dict[tuple[str, str, str], list[CandidateOutput]] = {}
    for cand in candidates:
        groups.setdefault((cand.dataset, cand.model, cand.condition), []).append(cand)
    rows = []
    for (dataset, model, condition), group in sorted(groups.items()):
        items: list[PairwiseItem] = []
        lost: dict[str, int] = {}
        for cand in group:
            base = baseline.get(cand.user, cand.prompt_id)
            reason = None
            if cand.text is None:
                reason = LOST_FAILED + (f": {cand.error}" if cand.error else "")
            elif base is None:
                reason = LOST_NO_BASELINE
            elif not demonstrations.get(cand.user):
                reason = LOST_NO_DEMOS
            if reason is not None:
                lost[reason] = lost.get(reason, 0) + 1
                continue
            assert base is not None and cand.text is not None  # narrowed above, for mypy
            items.append(
                PairwiseItem(
                    id=f"{cand.user}/{cand.prompt_id}",
                    user_id=cand.user,
                    prompt=cand.prompt or base.prompt,
                    candidate=cand.text,
                    baseline=base.text,
                    demonstrations=tuple(demonstrations[cand.user]),
                )
            )
        report = (
            evaluate_pairwise(
                named, items, n_resamples=n_resamples, confidence=confidence, seed=seed
            )
            if items
            else None
        )
        rows.append(WinTableRow(dataset, model, condition, report, lost))
    if not rows:
        raise PersonalizationError("no candidate outputs to judge against the baseline")
    return WinTable(baseline.method, rows, list(named))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def format_win_table(table: WinTable, *, per_user: bool = True) -> str:
    """The table as markdown: win rate vs the baseline with CI, ties, judges, lost pairs."""
    lines = [
        f"Win rate against {table.baseline} (judges: {', '.join(table.judges)}; both orders, "
        "a split verdict is a tie worth 0.5; CIs resample "
        f"{table.resampled})",
        "",
        "| dataset | model | condition | n | win rate % | 95% CI | ties % | per judge % "
        "| judge agreement | lost pairs |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in table.rows:
        lost = "; ".join(f"{n} {why}" for why, n in row.lost.items()) or "0"
        rep = row.report
        if rep is None:
            lines.append(
                f"| {row.dataset} | {row.model} | {row.condition} | 0 | n/a | n/a | n/a | n/a "
                f"| n/a | {lost} |"
            )
            continue
        c = rep.combined
        judges = ", ".join(f"{j} {_pct(w.win_rate)}" for j, w in rep.per_judge.items())
        agreement = "n/a (one judge)"
        if rep.agreement:
            kappa = rep.agreement.get("kappa")
            agreement = f"{_pct(rep.agreement.get('percent'))}% (kappa " + (
                "n/a)" if kappa is None else f"{kappa:.2f})"
            )
        lines.append(
            f"| {row.dataset} | {row.model} | {row.condition} | {c.n} | {_pct(c.win_rate)} "
            f"| [{_pct(c.ci_low)}, {_pct(c.ci_high)}] | {_pct(c.tie_rate)} | {judges} "
            f"| {agreement} | {lost} |"
        )
    if per_user:
        lines += ["", "| dataset | model | condition | user | n | win rate % | 95% CI |"]
        lines.append("|---|---|---|---|---|---|---|")
        for row in table.rows:
            if row.report is None:
                continue
            for user, w in row.report.per_user["combined"].items():
                lines.append(
                    f"| {row.dataset} | {row.model} | {row.condition} | {user} | {w.n} "
                    f"| {_pct(w.win_rate)} | [{_pct(w.ci_low)}, {_pct(w.ci_high)}] |"
                )
    return "\n".join(lines)
