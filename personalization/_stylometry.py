"""Measured stylometric features of a text, and where to quote them from.

Every feature is computed per text; a user's value is the mean over their texts. Rates are per
100 words; ``greeting``, ``sign_off`` are 0/1 per text; ``bullet_lines`` is the share of
non-empty lines that are list items; ``type_token_ratio`` is the mean type-token ratio over
consecutive 40-word windows (the whole text when shorter), so it does not depend on text length.
:func:`example_quote` finds a verbatim sentence or line of the user's texts that shows a
feature, for the evidence of an offline hypothesis.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WORD = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)*|\d+(?:[.,:]\d+)*")
_LETTER_WORD = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)*")
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+")
_LIST_LINE = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+\S")
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|my dear|my darling|good (?:morning|afternoon|evening)|greetings"
    r"|hiya|howdy)\b|^\s*[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*){0,2}\s*(?:!{1,3}|,)\s*$",
    re.I,
)
_CLOSING = re.compile(
    r"^\s*(?:best|thanks|thank you|cheers|regards|kind regards|warm regards|warmly|love"
    r"|all my love|much love|sincerely|yours(?: sincerely| faithfully| truly)?|best wishes"
    r"|with (?:\w+\s){0,4}(?:gratitude|love|admiration|thanks)|stay strong|see you|talk soon"
    r"|your (?:old )?friend|so proud of you|let's go)\b[^\n]{0,40}$",
    re.I,
)
_NAME_LINE = re.compile(r"^\s*(?:-\s*)?[A-Z][\w.'\u2019]*(?:\s+[A-Z][\w.'\u2019]*){0,2}\.?\s*$")
_HEDGES = re.compile(
    r"\b(?:perhaps|maybe|might|may|possibly|arguably|somewhat|seems?|seemed|appears?|appeared"
    r"|suggests?|tentative(?:ly)?|likely|probably|rather|fairly|i think|i suspect|i wonder"
    r"|to some extent|it is possible|could well)\b",
    re.I,
)
_I = re.compile(r"\b(?:i|me|my|mine|myself)\b|\bi['\u2019](?:m|ve|ll|d)\b", re.I)
_WE = re.compile(r"\b(?:we|us|our|ours|ourselves)\b|\bwe['\u2019](?:re|ve|ll|d)\b", re.I)
_YOU = re.compile(r"\b(?:you|your|yours|yourself|yourselves)\b", re.I)
_CONTRACTION = re.compile(
    r"\b\w+n['\u2019]t\b|\b\w+['\u2019](?:re|ve|ll|m|d)\b"
    r"|\b(?:it|that|there|here|what|who|he|she|let|where)['\u2019]s\b",
    re.I,
)
_CAPS = re.compile(r"\b[A-Z]{3,}\b")
# an en/em dash, or a hyphen/double hyphen spaced inside a line (not a list bullet)
_DASH = re.compile(r"[\u2013\u2014]|(?<=\S)[ \t]-{1,2}[ \t](?=\S)|(?<=\w)--(?=\w)")
_ELLIPSIS = re.compile(r"\.\.\.|\u2026")
TTR_WINDOW = 40


def words(text: str) -> list[str]:
    """The word and number tokens of ``text``."""
    return WORD.findall(text)


def lines(text: str) -> list[str]:
    """Non-empty lines, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def sentences(text: str) -> list[str]:
    """Sentences (lines split after ``.``, ``!`` or ``?`` followed by space), verbatim."""
    out = []
    for line in lines(text):
        for part in _SENTENCE_END.split(line):
            if WORD.search(part):
                out.append(part.strip())
    return out


def paragraphs(text: str) -> list[str]:
    """Blocks separated by blank lines."""
    return [p.strip() for p in re.split(r"\n\s*\n", text) if WORD.search(p)]


def _per100(count: int, n_words: int) -> float:
    return 100.0 * count / n_words if n_words else 0.0


def _ttr(tokens: list[str]) -> float:
    if not tokens:
        return 0.0
    low = [t.lower() for t in tokens]
    if len(low) < TTR_WINDOW:
        return len(set(low)) / len(low)
    windows = [low[i : i + TTR_WINDOW] for i in range(0, len(low) - TTR_WINDOW + 1, TTR_WINDOW)]
    return statistics.fmean(len(set(w)) / len(w) for w in windows)


def _opening(text: str) -> str:
    first = lines(text)
    return first[0] if first else ""


def has_greeting(text: str) -> bool:
    """Whether the first line is a greeting or salutation ("Hi all,", "Dear Ms. Carter,")."""
    return bool(_GREETING.search(_opening(text)))


def sign_off_lines(text: str) -> list[str]:
    """The closing lines ("Best wishes," + "Ines") if the text ends with a sign-off."""
    tail = lines(text)[-3:]
    for i, line in enumerate(tail):
        if _CLOSING.match(line) and all(_NAME_LINE.match(rest) for rest in tail[i + 1 :]):
            return tail[i:]
    blocks = paragraphs(text)
    if len(blocks) >= 2:
        last = lines(blocks[-1])
        if len(last) == 1 and _NAME_LINE.match(last[0]) and len(words(last[0])) <= 3:
            return last
    return []


def text_features(text: str) -> dict[str, float]:
    """Every feature of one text (see the module docstring)."""
    return dict(_cached_features(text))


@functools.lru_cache(maxsize=4096)
def _cached_features(text: str) -> tuple[tuple[str, float], ...]:
    # texts are measured again and again (every user is the reference of every other)
    return tuple(_measure(text).items())


def _measure(text: str) -> dict[str, float]:
    tokens = words(text)
    n = len(tokens)
    sents = sentences(text)
    text_lines = lines(text)
    paras = paragraphs(text)
    letter_words = _LETTER_WORD.findall(text)
    closing = set(sign_off_lines(text))
    return {
        "sentence_words": statistics.fmean(len(words(s)) for s in sents) if sents else 0.0,
        "word_length": (statistics.fmean(len(w) for w in letter_words) if letter_words else 0.0),
        "type_token_ratio": _ttr(tokens),
        "exclamations": _per100(text.count("!"), n),
        "questions": _per100(text.count("?"), n),
        "semicolons": _per100(text.count(";"), n),
        "dashes": _per100(len(_DASH.findall(text)), n),
        "ellipses": _per100(len(_ELLIPSIS.findall(text)), n),
        "parentheses": _per100(text.count("("), n),
        "bullet_lines": (
            sum(bool(_LIST_LINE.match(line)) for line in text_lines if line not in closing)
            / len(text_lines)
            if text_lines
            else 0.0
        ),
        "paragraph_words": statistics.fmean(len(words(p)) for p in paras) if paras else 0.0,
        "greeting": 1.0 if has_greeting(text) else 0.0,
        "sign_off": 1.0 if sign_off_lines(text) else 0.0,
        "hedges": _per100(len(_HEDGES.findall(text)), n),
        "first_person_singular": _per100(len(_I.findall(text)), n),
        "first_person_plural": _per100(len(_WE.findall(text)), n),
        "second_person": _per100(len(_YOU.findall(text)), n),
        "contractions": _per100(len(_CONTRACTION.findall(text)), n),
        "caps_words": _per100(len(_CAPS.findall(text)), n),
        "numbers": _per100(len(_NUMBER.findall(text)), n),
        "commas": _per100(text.count(","), n),
    }


FEATURE_NAMES: tuple[str, ...] = tuple(text_features("A text.").keys())


def mean_features(texts: Sequence[str]) -> dict[str, float]:
    """The mean of :func:`text_features` over ``texts``."""
    if not texts:
        raise ValueError("mean_features needs at least one text")
    per_text = [text_features(t) for t in texts]
    return {name: statistics.fmean(f[name] for f in per_text) for name in FEATURE_NAMES}


# --------------------------------------------------------------------------- evidence quotes
_MARKERS: dict[str, Callable[[str], int]] = {
    "exclamations": lambda s: s.count("!"),
    "questions": lambda s: s.count("?"),
    "semicolons": lambda s: s.count(";"),
    "dashes": lambda s: len(_DASH.findall(s)),
    "ellipses": lambda s: len(_ELLIPSIS.findall(s)),
    "parentheses": lambda s: s.count("("),
    "hedges": lambda s: len(_HEDGES.findall(s)),
    "first_person_singular": lambda s: len(_I.findall(s)),
    "first_person_plural": lambda s: len(_WE.findall(s)),
    "second_person": lambda s: len(_YOU.findall(s)),
    "contractions": lambda s: len(_CONTRACTION.findall(s)),
    "caps_words": lambda s: len(_CAPS.findall(s)),
    "numbers": lambda s: len(_NUMBER.findall(s)),
    "commas": lambda s: s.count(","),
}
MAX_QUOTE_CHARS = 160


def _trim(text: str) -> str:
    if len(text) <= MAX_QUOTE_CHARS:
        return text
    cut = text[:MAX_QUOTE_CHARS]
    return cut[: cut.rfind(" ")] if " " in cut else cut


@dataclass(frozen=True)
class _Candidate:
    text: str
    key: tuple[float, ...]


def _best(candidates: list[_Candidate]) -> str | None:
    if not candidates:
        return None
    return _trim(min(candidates, key=lambda c: c.key).text)


def example_quote(feature: str, direction: str, texts: Sequence[str]) -> str | None:
    """A verbatim piece of ``texts`` that shows ``feature`` high (or low); ``None`` if none."""
    all_sents = [s for t in texts for s in sentences(t) if len(words(s)) >= 2]
    high = direction == "high"
    if feature in _MARKERS:
        marker = _MARKERS[feature]
        if high:
            picks = [_Candidate(s, (-marker(s), len(s))) for s in all_sents if marker(s) > 0]
        else:
            lengths = [len(words(s)) for s in all_sents] or [0]
            mid = statistics.median(lengths)
            picks = [
                _Candidate(s, (abs(len(words(s)) - mid), len(s)))
                for s in all_sents
                if marker(s) == 0
            ]
        return _best(picks)
    if feature == "sentence_words":
        sign = -1 if high else 1
        picks = [_Candidate(s, (sign * len(words(s)), len(s))) for s in all_sents]
        if not high:
            picks = [p for p in picks if len(words(p.text)) >= 3] or picks
        return _best(picks)
    if feature == "word_length":
        sign = -1 if high else 1
        picks = []
        for s in all_sents:
            letters = _LETTER_WORD.findall(s)
            if len(letters) >= 4:
                picks.append(_Candidate(s, (sign * statistics.fmean(map(len, letters)), len(s))))
        return _best(picks)
    if feature == "bullet_lines":
        items = [line for t in texts for line in lines(t)]
        if high:
            return _best([_Candidate(x, (len(x),)) for x in items if _LIST_LINE.match(x)])
        return _best([_Candidate(s, (-len(words(s)), len(s))) for s in all_sents])
    if feature == "paragraph_words":
        paras = [p for t in texts for p in paragraphs(t)]
        sign = -1 if high else 1
        ranked = sorted(paras, key=lambda p: (sign * len(words(p)), len(p)))
        for para in ranked:
            first = sentences(para)
            if first and (high or len(words(para)) >= 2):
                return _trim(first[0])
        return None
    if feature == "greeting":
        openings = [_opening(t) for t in texts if has_greeting(t) == high]
        return _best([_Candidate(o, (len(o),)) for o in openings if o])
    if feature == "sign_off":
        if high:
            closings = [sign_off_lines(t) for t in texts]
            return _best([_Candidate(c[0], (len(c[0]),)) for c in closings if c])
        ends = [lines(t)[-1] for t in texts if not sign_off_lines(t) and lines(t)]
        return _best([_Candidate(e, (len(e),)) for e in ends])
    if feature == "type_token_ratio":
        return _best([_Candidate(s, (-len(set(words(s))), len(s))) for s in all_sents[:20]])
    return None
