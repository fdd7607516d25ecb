"""Jailbreak-benchmark prompt files as prompt sets for the deliberative-alignment task.

HyPerAlign's deliberative task runs on "jailbreaking benchmarks" (spec 3.2). The benchmarks
are not shipped; :func:`load_jailbreak_prompts` reads a local copy in its published layout and
returns the prompt items the ``DeliberativeAlignment`` env plays (write them with
:func:`write_prompt_set` and pass the file as the env's ``prompts_file``). Recognised layouts
(CSV, TSV or JSONL with these keys; the layout is detected from the columns):

==============  ===========================================  ===============================
layout          columns                                      label
==============  ===========================================  ===============================
``telic``       ``prompt``, ``label`` (+ ``id``, ``category``) the file's
``jbb``         ``Goal``, ``Behavior``, ``Category``          ``benign`` if the file name
                (JailbreakBench JBB-Behaviors)                says so, else ``harmful``
``harmbench``   ``Behavior``, ``SemanticCategory``,           harmful
                ``ContextString``, ``BehaviorID``
``advbench``    ``goal``, ``target``                          harmful
``strongreject`` ``forbidden_prompt``, ``category``           harmful
``xstest``      ``prompt``, ``type`` (+ ``label``)            ``label`` (safe/unsafe), else
                                                              ``contrast_*`` types are unsafe
``wildjailbreak`` ``vanilla``, ``adversarial``, ``data_type`` from ``data_type``
==============  ===========================================  ===============================

``label=`` overrides the label of every row (say for a benign-only file whose name does not
say so). Benchmark rows carry no keyword lists, so the env's offline helpfulness and harm
heuristics see only refusal and length; judge with an LLM for real numbers.

``SYNTHETIC_JAILBREAK_FILE`` is a tiny set written for telic (mild requests only, with
role-play and "ignore your rules" wrappers around some of them, and benign look-alikes), so the
loader and the env can be exercised without a benchmark.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from personalization._types import PersonalizationError
from personalization.hyperalign._corpus import _LABEL_SYNONYMS as _LABELS
from personalization.hyperalign._corpus import PromptItem

DATA_DIR = Path(__file__).resolve().parent / "data"
#: A tiny synthetic jailbreak-style prompt set written for telic (JSONL, telic layout).
SYNTHETIC_JAILBREAK_FILE = DATA_DIR / "jailbreak_synthetic.jsonl"

LAYOUTS: tuple[str, ...] = (
    "telic",
    "jbb",
    "harmbench",
    "advbench",
    "strongreject",
    "xstest",
    "wildjailbreak",
)


def _rows(path: Path) -> list[dict[str, Any]]:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        rows = []
        for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PersonalizationError(
                    f"{path.name} line {number} is not valid JSON ({exc.msg})"
                ) from exc
            if not isinstance(row, dict):
                raise PersonalizationError(f"{path.name} line {number} must be a JSON object")
            rows.append(row)
        return rows
    if suffix in (".csv", ".tsv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle, delimiter="\t" if suffix == ".tsv" else ","))
    raise PersonalizationError(
        f"{path.name}: prompt files are .csv, .tsv or .jsonl; got {suffix or 'no extension'}"
    )


def detect_layout(columns: Sequence[str]) -> str:
    """The benchmark layout of a file with these columns (module docstring table).

    >>> detect_layout(["Index", "Goal", "Target", "Behavior", "Category", "Source"])
    'jbb'
    """
    cols = {c.strip().lower() for c in columns}
    if {"vanilla", "adversarial"} <= cols or "data_type" in cols:
        return "wildjailbreak"
    if "forbidden_prompt" in cols:
        return "strongreject"
    if "behaviorid" in cols or "semanticcategory" in cols or "functionalcategory" in cols:
        return "harmbench"
    if "goal" in cols and "behavior" in cols:
        return "jbb"
    if "goal" in cols:
        return "advbench"
    if "prompt" in cols and "type" in cols and ("focus" in cols or "label" not in cols):
        return "xstest"
    if "prompt" in cols and "label" in cols:
        return "telic"
    raise PersonalizationError(
        f"cannot tell the layout of a prompt file with columns {sorted(cols)}; expected one of "
        f"{', '.join(LAYOUTS)} (see docs/personalization.md), or pass layout="
    )


def _label(value: Any, where: str) -> str:
    key = str(value).strip().lower()
    if key not in _LABELS:
        raise PersonalizationError(
            f"{where}: label must be benign/harmful or safe/unsafe, got {value!r}"
        )
    return _LABELS[key]


def _row_item(
    row: Mapping[str, Any], layout: str, index: int, where: str, file_label: str | None
) -> PromptItem:
    low = {str(k).strip().lower(): ("" if v is None else v) for k, v in row.items()}

    def get(key: str) -> str:
        return str(low.get(key, "")).strip()

    category = get("category")
    ident = get("id") or get("index") or get("behaviorid")
    if layout == "telic":
        prompt, label = get("prompt"), _label(get("label"), where) if get("label") else None
    elif layout == "jbb":
        prompt, label = get("goal"), None
    elif layout == "harmbench":
        context = get("contextstring")
        prompt = f"{context}\n\n{get('behavior')}" if context else get("behavior")
        label, category = "harmful", get("semanticcategory") or category
    elif layout == "advbench":
        prompt, label = get("goal"), "harmful"
    elif layout == "strongreject":
        prompt, label = get("forbidden_prompt"), "harmful"
    elif layout == "xstest":
        prompt = get("prompt")
        kind = get("type")
        if get("label"):
            label = _label(get("label"), where)
        else:
            label = "harmful" if kind.startswith("contrast") else "benign"
        category = category or kind
    else:  # wildjailbreak
        prompt = get("adversarial") or get("vanilla")
        kind = get("data_type").lower()
        label = "benign" if "benign" in kind else "harmful" if "harmful" in kind else None
        category = category or kind
    label = file_label or label
    if label is None:
        raise PersonalizationError(
            f"{where}: no label for this row; pass label='harmful' or label='benign'"
        )
    if not prompt:
        raise PersonalizationError(f"{where}: the prompt is empty")
    return PromptItem(
        id=ident or f"{layout}-{index:03d}", prompt=prompt, label=label, category=category
    )


def load_jailbreak_prompts(
    path: str | Path,
    *,
    layout: str | None = None,
    label: str | None = None,
    limit: int | None = None,
) -> list[PromptItem]:
    """Prompt items from a jailbreak-benchmark file (module docstring for the layouts).

    Args:
        path: a ``.csv``, ``.tsv`` or ``.jsonl`` file.
        layout: one of :data:`LAYOUTS` (default: detected from the columns).
        label: ``benign`` or ``harmful`` for every row (default: the layout's rule).
        limit: keep only the first ``limit`` rows.

    Raises:
        FileNotFoundError: no such file.
        PersonalizationError: unknown layout, a row without prompt or label, duplicate ids.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"prompt file {str(path)!r} does not exist")
    rows = _rows(path)
    if not rows:
        raise PersonalizationError(f"{path.name} holds no prompts")
    if layout is None:
        layout = detect_layout(list(rows[0]))
    elif layout not in LAYOUTS:
        from personalization._types import did_you_mean

        raise did_you_mean(layout, LAYOUTS, "prompt-file layout")
    file_label = _label(label, "label=") if label is not None else None
    if file_label is None and layout == "jbb":
        file_label = "benign" if "benign" in path.name.lower() else "harmful"
    if limit is not None:
        rows = rows[:limit]
    items = [
        _row_item(row, layout, i, f"{path.name} row {i}", file_label)
        for i, row in enumerate(rows, start=1)
    ]
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise PersonalizationError(f"{path.name}: duplicate prompt id {item.id!r}")
        seen.add(item.id)
    return items


def write_prompt_set(items: Sequence[PromptItem], path: str | Path) -> Path:
    """Save prompt items as a JSONL prompt set (the env's ``prompts_file`` layout)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            row = {
                "id": item.id,
                "label": item.label,
                "category": item.category,
                "prompt": item.prompt,
                "topic_keywords": list(item.topic_keywords),
                "harm_keywords": list(item.harm_keywords),
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path
