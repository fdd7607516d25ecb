"""Reading hypotheses and A/B verdicts out of free model output.

Model output is never trusted to follow the requested format exactly. :func:`parse_hypotheses`
accepts

* JSON: a list of objects, or an object with a ``hypotheses`` list, optionally inside a
  fenced code block; keys ``statement`` (or ``hypothesis``/``text``), ``category`` (or
  ``type``) and ``evidence`` (or ``quote``/``quotes``, a string or a list);
* a numbered list (``1.``, ``1)``, ``H1:``, ``Hypothesis 1:``; HypoGeniC's parser reads items
  with ``\\d+\\.\\s(.+?)``), falling back to a bulleted list, where each item may carry a
  category (``[writing_style]``, ``(Personality)``, ``Category: ...`` or a leading
  ``Writing style:``) and evidence (``Evidence: "quote"``; without the label, quoted spans);

and returns whatever it can read. Nothing here raises on bad output: unreadable output gives an
empty list, which the caller reports.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from personalization._evidence import normalize_text

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.S)
_ITEM = re.compile(
    r"^\s*(?:\*\*)?\s*(?:(?:hypothesis|h)\s*)?(\d{1,3})\s*(?:\*\*)?\s*[.):\]]\s*(?:\*\*)?\s*(.*)$",
    re.I,
)
_BULLET = re.compile(r"^\s*[-*\u2022]\s+(.*)$")
_CONTINUATION_KEY = re.compile(
    r"^\s*(?:[-*\u2022]\s*)?(?:\*\*)?\s*(?:evidence|quote|quotes|category|type|support)",
    re.I,
)
_EVIDENCE_LABEL = re.compile(
    r"(?:\*\*)?\b(?:supporting\s+)?(?:evidence|quotes?|example)s?(?:\*\*)?\s*:\s*(?:\*\*)?", re.I
)
_CATEGORY_LABEL = re.compile(
    r"[\[(]?\s*\b(?:category|type)\s*:\s*([A-Za-z _/-]+?)\s*(?:[\])]|[.;,|]|$|\s-\s|\s\u2014\s)",
    re.I,
)
_BRACKET = re.compile(r"^\s*[\[(]\s*([A-Za-z _/-]{3,40})\s*[\])]\s*[:\-\u2014]?\s*")
_LEAD_NAME = re.compile(
    r"^\s*(communication(?:\s+strateg(?:y|ies))?|personality|writing\s+style|style|"
    r"preferences?)\s*(?:\*\*)?\s*[:\-\u2014]\s*",
    re.I,
)
_DOUBLE_QUOTED = re.compile(r"\"([^\"]+)\"|\u201c([^\u201d]+)\u201d")
_SINGLE_QUOTED = re.compile(r"(?<![\w])'([^']+?)'(?![\w])|\u2018([^\u2019]+)\u2019")


@dataclass
class ParsedHypothesis:
    """A hypothesis as read from model output, before any checking."""

    statement: str
    """The hypothesis text."""
    category: str | None = None
    """A category in :data:`~personalization.CATEGORIES`, or ``None`` if none was readable."""
    evidence: list[str] = field(default_factory=list)
    """The evidence quotes as written by the model."""


def category_from_label(label: str | None) -> str | None:
    """Map a free category label ("Writing style", "communication-strategy") to a category."""
    if not label:
        return None
    low = label.strip().lower()
    if "communicat" in low or "strateg" in low:
        return "communication_strategy"
    if "personal" in low or "tone" in low or "temperament" in low:
        return "personality"
    if "style" in low or "writing" in low or "format" in low:
        return "writing_style"
    if "prefer" in low:
        return "preference"
    return None


def guess_category(statement: str) -> str:
    """A category for a statement that came without one (keyword heuristic)."""
    low = statement.lower()
    if any(w in low for w in ("prefer", "wants", "likes", "values", "expects")):
        return "preference"
    if any(
        w in low
        for w in ("warm", "enthusias", "tone", "personality", "emotion", "humor", "humour", "wry")
    ):
        return "personality"
    if any(w in low for w in ("argu", "persuad", "hedg", "direct", "question", "address")):
        return "communication_strategy"
    return "writing_style"


def _quotes(text: str) -> list[str]:
    found = [a or b for a, b in _DOUBLE_QUOTED.findall(text)]
    if not found:
        found = [a or b for a, b in _SINGLE_QUOTED.findall(text)]
    return [q.strip() for q in found if q.strip()]


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float) and str(v).strip()]
    return []


def _from_json(data: object) -> list[ParsedHypothesis] | None:
    if isinstance(data, dict):
        for key in ("hypotheses", "items", "results"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
    if not isinstance(data, list):
        return None
    out = []
    for item in data:
        if isinstance(item, str):
            out.append(_from_item_text(item))
            continue
        if not isinstance(item, dict):
            continue
        statement = next(
            (
                str(item[k])
                for k in ("statement", "hypothesis", "text", "description")
                if isinstance(item.get(k), str)
            ),
            "",
        )
        if not statement.strip():
            continue
        label = next((str(item[k]) for k in ("category", "type") if item.get(k)), None)
        evidence: list[str] = []
        for key in ("evidence", "quote", "quotes", "evidence_quote", "evidence_quotes"):
            evidence.extend(_as_list(item.get(key)))
        evidence = [e.strip().strip('"\u201c\u201d').strip() for e in evidence]
        out.append(ParsedHypothesis(statement.strip(), category_from_label(label), evidence))
    return out


def _try_json(text: str) -> list[ParsedHypothesis] | None:
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        candidate = candidate.strip()
        starts = [i for i in (candidate.find("["), candidate.find("{")) if i >= 0]
        if not starts:
            continue
        start = min(starts)
        end = max(candidate.rfind("]"), candidate.rfind("}"))
        if end <= start:
            continue
        try:
            data = json.loads(candidate[start : end + 1])
        except json.JSONDecodeError:
            continue
        parsed = _from_json(data)
        if parsed:
            return parsed
    return None


def _from_item_text(text: str) -> ParsedHypothesis:
    text = " ".join(text.split())
    category = None
    match = _CATEGORY_LABEL.search(text)
    if match:
        category = category_from_label(match.group(1))
        text = (text[: match.start()] + " " + text[match.end() :]).strip()
    bracket = _BRACKET.match(text)
    if bracket and category_from_label(bracket.group(1)):
        category = category or category_from_label(bracket.group(1))
        text = text[bracket.end() :]
    lead = _LEAD_NAME.match(text)
    if lead:
        category = category or category_from_label(lead.group(1))
        text = text[lead.end() :]
    text = text.replace("**", "")
    label = _EVIDENCE_LABEL.search(text)
    if label:
        statement = text[: label.start()]
        rest = text[label.end() :]
        evidence = _quotes(rest) or [rest.strip().strip("\"'.;, ")]
    else:
        statement = text
        evidence = _quotes(text)
    statement = statement.strip().strip("-\u2014;:,( ").strip()
    return ParsedHypothesis(statement, category, [e for e in evidence if e])


def _items(lines: list[str], start: re.Pattern[str]) -> list[str]:
    items: list[str] = []
    current: list[str] | None = None
    blank = False
    for line in lines:
        match = start.match(line)
        if match:
            if current is not None:
                items.append(" ".join(current))
            current = [match.group(match.lastindex or 1)]
            blank = False
        elif current is not None:
            if not line.strip():
                blank = True
            elif not blank or line[:1].isspace() or _CONTINUATION_KEY.match(line):
                current.append(line.strip())
            else:
                items.append(" ".join(current))
                current = None
    if current is not None:
        items.append(" ".join(current))
    return items


def parse_hypotheses(text: str) -> list[ParsedHypothesis]:
    """Read hypotheses from model output (see the module docstring); never raises."""
    if not isinstance(text, str) or not text.strip():
        return []
    parsed = _try_json(text)
    if parsed is None:
        lines = text.splitlines()
        items = _items(lines, _ITEM) or _items(lines, _BULLET)
        parsed = [_from_item_text(item) for item in items]
    out, seen = [], set()
    for item in parsed:
        key = normalize_text(item.statement)
        if not key or key in seen:
            continue
        seen.add(key)
        out.append(item)
    return out


_CHOICE_EXACT = re.compile(r"^\W*(?:output|text|option|answer)?\s*\(?([AB])\)?\W*$", re.I)
_CHOICE_LABELLED = re.compile(
    r"\b(?:answer|verdict|choice|final answer|decision)\s*(?:is)?\s*[:\-]?\s*\**\s*"
    r"(?:output|text|option)?\s*\(?([AB])\b",
    re.I,
)
_CHOICE_MENTION = re.compile(r"\b(?:output|text|option)\s+\(?([AB])\b")


def parse_choice(text: str) -> str | None:
    """Read a judge's choice between two outputs: ``"A"``, ``"B"`` or ``None`` if unclear.

    >>> parse_choice("B")
    'B'
    >>> parse_choice("Reasoning... Answer: **A**")
    'A'
    >>> parse_choice("Both are fine.") is None
    True
    """
    if not isinstance(text, str) or not text.strip():
        return None
    stripped = text.strip()
    exact = _CHOICE_EXACT.match(stripped)
    if exact:
        return exact.group(1).upper()
    last_line = stripped.splitlines()[-1]
    exact = _CHOICE_EXACT.match(last_line)
    if exact:
        return exact.group(1).upper()
    labelled = _CHOICE_LABELLED.findall(stripped)
    if labelled:
        return labelled[-1].upper()
    mentions = {m.upper() for m in _CHOICE_MENTION.findall(stripped)}
    if len(mentions) == 1:
        return mentions.pop()
    return None
