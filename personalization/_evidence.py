"""Checking that a hypothesis's evidence quote really occurs in the user's examples.

A quote is *grounded* when, after normalisation, it is a substring of one example text.
Normalisation lower-cases, maps typographic quotes to straight ones, unifies dashes (``-``,
``–``, ``—``, ``--``) and ellipses, and collapses whitespace, so a model that retypes a quote with
different quote marks or line breaks is not penalised. A quote with an elision (``...`` or
``[...]``) not present in the text is grounded when its fragments occur in order in one
example. Quotes shorter than two characters are never grounded (they would match anything).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from personalization._types import Hypothesis

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2026": "...",
        "\u00a0": " ",
    }
)
_DASH = re.compile(r"\s*(?:-{1,3}|[\u2010-\u2015])\s*")
_SPACE = re.compile(r"\s+")
_ELLIPSIS = re.compile(r"\s*(?:\[\s*\.\.\.\s*\]|\.\.\.+)\s*")
_EDGE = " \t\n\"'.,;:!?()[]"
MIN_QUOTE_CHARS = 2


def normalize_text(text: str) -> str:
    """Lower-case, straight quotes, one dash form, single spaces.

    >>> normalize_text("It\u2019s  \u201cdone\u201d \u2014 mostly")
    'it\\'s "done" - mostly'
    """
    text = text.translate(_QUOTES).lower()
    text = _DASH.sub(" - ", text)
    return _SPACE.sub(" ", text).strip()


def _clean_quote(quote: str) -> str:
    return normalize_text(quote).strip(_EDGE)


def find_quote(quote: str, texts: Sequence[str]) -> int | None:
    """Index of the first text that contains ``quote`` (see the module docstring), or ``None``."""
    needle = _clean_quote(quote)
    if len(needle) < MIN_QUOTE_CHARS or not any(ch.isalnum() for ch in needle):
        return None
    hays = [normalize_text(t) for t in texts]
    for index, hay in enumerate(hays):
        if needle in hay:
            return index
    fragments = [f.strip(_EDGE) for f in _ELLIPSIS.split(needle)]
    fragments = [f for f in fragments if f]
    if len(fragments) < 2 or any(len(f) < MIN_QUOTE_CHARS for f in fragments):
        return None
    for index, hay in enumerate(hays):
        position = 0
        for fragment in fragments:
            found = hay.find(fragment, position)
            if found < 0:
                break
            position = found + len(fragment)
        else:
            return index
    return None


def check_evidence(quote: str, texts: Sequence[str]) -> bool:
    """Whether ``quote`` occurs in one of ``texts`` (see the module docstring)."""
    return find_quote(quote, texts) is not None


def grounding_rate(hypotheses: Iterable[Hypothesis], texts: Sequence[str]) -> float:
    """Share of hypotheses with at least one grounded evidence quote (``nan`` if none given)."""
    items = list(hypotheses)
    if not items:
        return math.nan
    grounded = sum(any(check_evidence(q, texts) for q in h.evidence) for h in items)
    return grounded / len(items)


def quote_grounding_rate(hypotheses: Iterable[Hypothesis], texts: Sequence[str]) -> float:
    """Share of all evidence quotes that are grounded (``nan`` if there are no quotes)."""
    quotes = [q for h in hypotheses for q in h.evidence]
    if not quotes:
        return math.nan
    return sum(check_evidence(q, texts) for q in quotes) / len(quotes)
