"""How each stylometric feature is stated as a plain-language hypothesis (offline inferer).

``high`` and ``low`` templates take the user's value and the reference median; a low user whose
value is still above ``rare_below`` gets the comparative ``less`` statement instead of an
absolute one ("Uses lists less than usual", not "Writes in prose") so no statement contradicts
its own numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureText:
    """How one feature is stated as a hypothesis."""

    category: str
    """Hypothesis category."""
    floor: float
    """Smallest standard deviation used for z (in the feature's unit)."""
    fmt: str
    """Format of the numbers (``.1f``, ``.0%``, ...)."""
    high: str
    """Statement when the user is above the reference (``{user}``, ``{ref}`` placeholders)."""
    low: str
    """Statement when the user is below the reference and the habit is rare in absolute terms
    (at most ``rare_below``)."""
    rare_below: float = math.inf
    """Above this value a low user still shows the habit, so ``less`` is stated instead."""
    less: str = ""
    """Comparative statement for a low user above ``rare_below``."""


_VS = "against {ref} for a typical reference writer"
FEATURE_TEXTS: dict[str, FeatureText] = {
    "sentence_words": FeatureText(
        "writing_style",
        1.0,
        ".1f",
        f"Writes long, elaborate sentences ({{user}} words per sentence on average, {_VS}).",
        f"Writes short, clipped sentences ({{user}} words per sentence on average, {_VS}).",
    ),
    "word_length": FeatureText(
        "writing_style",
        0.1,
        ".2f",
        f"Prefers long, formal words ({{user}} letters per word, {_VS}).",
        f"Prefers short, plain words ({{user}} letters per word, {_VS}).",
    ),
    "type_token_ratio": FeatureText(
        "writing_style",
        0.02,
        ".2f",
        f"Uses a varied vocabulary and rarely repeats words (type-token ratio {{user}}, {_VS}).",
        f"Repeats the same words often (type-token ratio {{user}}, {_VS}).",
    ),
    "exclamations": FeatureText(
        "personality",
        0.3,
        ".1f",
        f"Writes with high energy and enthusiasm, using exclamation marks often ({{user}} per "
        f"100 words, {_VS}).",
        f"Keeps an even, restrained tone: exclamation marks are rare ({{user}} per 100 words, "
        f"{_VS}).",
        rare_below=0.5,
        less=f"Uses fewer exclamation marks than usual ({{user}} per 100 words, {_VS}).",
    ),
    "questions": FeatureText(
        "communication_strategy",
        0.2,
        ".1f",
        f"Engages the reader with questions, often rhetorical ({{user}} question marks per 100 "
        f"words, {_VS}).",
        f"Rarely asks questions ({{user}} question marks per 100 words, {_VS}).",
        rare_below=0.3,
        less=f"Asks fewer questions than usual ({{user}} per 100 words, {_VS}).",
    ),
    "semicolons": FeatureText(
        "writing_style",
        0.1,
        ".2f",
        f"Joins related clauses with semicolons ({{user}} per 100 words, {_VS}).",
        f"Avoids semicolons ({{user}} per 100 words, {_VS}).",
        rare_below=0.1,
        less=f"Uses fewer semicolons than usual ({{user}} per 100 words, {_VS}).",
    ),
    "dashes": FeatureText(
        "writing_style",
        0.2,
        ".1f",
        f"Uses dashes for asides and emphasis ({{user}} per 100 words, {_VS}).",
        f"Rarely uses dashes ({{user}} per 100 words, {_VS}).",
        rare_below=0.3,
        less=f"Uses fewer dashes than usual ({{user}} per 100 words, {_VS}).",
    ),
    "ellipses": FeatureText(
        "writing_style",
        0.1,
        ".1f",
        f"Lets sentences trail off with ellipses (...), as in speech ({{user}} per 100 words, "
        f"{_VS}).",
        f"Does not use ellipses ({{user}} per 100 words, {_VS}).",
        rare_below=0.05,
        less=f"Uses fewer ellipses than usual ({{user}} per 100 words, {_VS}).",
    ),
    "parentheses": FeatureText(
        "writing_style",
        0.2,
        ".1f",
        f"Adds parenthetical asides and details in brackets ({{user}} per 100 words, {_VS}).",
        f"Rarely uses parentheses ({{user}} per 100 words, {_VS}).",
        rare_below=0.3,
        less=f"Uses fewer parentheses than usual ({{user}} per 100 words, {_VS}).",
    ),
    "bullet_lines": FeatureText(
        "writing_style",
        0.05,
        ".0%",
        f"Structures text as bulleted or numbered lists ({{user}} of lines are list items, {_VS}).",
        f"Writes in running prose rather than lists ({{user}} of lines are list items, {_VS}).",
        rare_below=0.15,
        less=f"Uses lists less than usual ({{user}} of lines are list items, {_VS}).",
    ),
    "paragraph_words": FeatureText(
        "writing_style",
        3.0,
        ".0f",
        f"Writes long paragraphs ({{user}} words per paragraph, {_VS}).",
        f"Writes short paragraphs, often a line or two ({{user}} words per paragraph, {_VS}).",
    ),
    "greeting": FeatureText(
        "communication_strategy",
        0.1,
        ".0%",
        f"Opens with a greeting or salutation ({{user}} of texts, {_VS}).",
        f"Starts directly, without a greeting ({{user}} of texts open with one, {_VS}).",
        rare_below=0.2,
        less=f"Opens with a greeting less often than usual ({{user}} of texts, {_VS}).",
    ),
    "sign_off": FeatureText(
        "communication_strategy",
        0.1,
        ".0%",
        f"Closes with a sign-off ({{user}} of texts, {_VS}).",
        f"Ends without a sign-off ({{user}} of texts have one, {_VS}).",
        rare_below=0.2,
        less=f"Signs off less often than usual ({{user}} of texts, {_VS}).",
    ),
    "hedges": FeatureText(
        "communication_strategy",
        0.3,
        ".1f",
        f"Hedges and qualifies claims (perhaps, might, seems, somewhat): {{user}} hedges per "
        f"100 words, {_VS}.",
        f"States things directly, with few hedges ({{user}} per 100 words, {_VS}).",
        rare_below=1.0,
        less=f"Hedges less than usual ({{user}} hedges per 100 words, {_VS}).",
    ),
    "first_person_singular": FeatureText(
        "personality",
        0.5,
        ".1f",
        f"Writes from a personal point of view, often saying I/me/my ({{user}} per 100 words, "
        f"{_VS}).",
        f"Keeps themself out of the text: I/me/my are rare ({{user}} per 100 words, {_VS}).",
        rare_below=1.0,
        less=f"Says I/me/my less often than usual ({{user}} per 100 words, {_VS}).",
    ),
    "first_person_plural": FeatureText(
        "communication_strategy",
        0.3,
        ".1f",
        f"Speaks for a group, often saying we/us/our ({{user}} per 100 words, {_VS}).",
        f"Rarely says we/us/our ({{user}} per 100 words, {_VS}).",
        rare_below=0.5,
        less=f"Says we/us/our less often than usual ({{user}} per 100 words, {_VS}).",
    ),
    "second_person": FeatureText(
        "communication_strategy",
        0.5,
        ".1f",
        f"Addresses the reader directly as 'you' ({{user}} per 100 words, {_VS}).",
        f"Rarely addresses the reader as 'you' ({{user}} per 100 words, {_VS}).",
        rare_below=0.5,
        less=f"Says 'you' less often than usual ({{user}} per 100 words, {_VS}).",
    ),
    "contractions": FeatureText(
        "writing_style",
        0.3,
        ".1f",
        f"Writes informally, with many contractions such as don't and it's ({{user}} per 100 "
        f"words, {_VS}).",
        f"Avoids contractions, keeping a formal register ({{user}} per 100 words, {_VS}).",
        rare_below=0.3,
        less=f"Uses fewer contractions than usual ({{user}} per 100 words, {_VS}).",
    ),
    "caps_words": FeatureText(
        "personality",
        0.2,
        ".1f",
        f"Uses words in ALL CAPS, for emphasis or as acronyms ({{user}} per 100 words, {_VS}).",
        f"Does not write words in all capitals ({{user}} per 100 words, {_VS}).",
        rare_below=0.1,
        less=f"Uses fewer ALL-CAPS words than usual ({{user}} per 100 words, {_VS}).",
    ),
    "numbers": FeatureText(
        "communication_strategy",
        0.5,
        ".1f",
        f"Backs statements with specific numbers, times and quantities ({{user}} numbers per "
        f"100 words, {_VS}).",
        f"Seldom uses numbers ({{user}} per 100 words, {_VS}).",
        rare_below=0.5,
        less=f"Uses fewer numbers than usual ({{user}} per 100 words, {_VS}).",
    ),
    "commas": FeatureText(
        "writing_style",
        0.5,
        ".1f",
        f"Builds sentences from many comma-separated clauses ({{user}} commas per 100 words, "
        f"{_VS}).",
        f"Uses few commas ({{user}} per 100 words, {_VS}).",
        rare_below=4.0,
        less=f"Uses fewer commas than usual ({{user}} per 100 words, {_VS}).",
    ),
}
