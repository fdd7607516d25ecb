"""The building blocks of the HyPerAlign method, for code that goes below the main API.

Evidence matching, parsing of model outputs, pairwise selection of hypotheses, the judge's
internals, the stylometric reference and the condition helpers. Most users want the names in
:mod:`personalization` itself; these are public and stable too, kept apart so that API stays
short.
"""

from __future__ import annotations

from personalization._analysis import (
    writing_items_from_records,
)
from personalization._cli import (
    format_hypothesis_set,
    infer_hypotheses_for_file,
    sets_by_user,
)
from personalization._conditions import (
    condition_set,
    oracle_hypotheses,
    swap_partner,
)
from personalization._evidence import (
    find_quote,
    normalize_text,
    quote_grounding_rate,
)
from personalization._infer import (
    hypotheses_from_outputs,
)
from personalization._judge import (
    ajudge_pairwise,
    judge_pairwise,
    judgement_from_verdicts,
    report_from_judgements,
)
from personalization._offline import (
    reference_stats,
)
from personalization._parse import (
    ParsedHypothesis,
    parse_choice,
)
from personalization._quality import (
    HypothesisQuality,
)
from personalization._select import (
    DiscriminationResult,
    Pair,
    hypothesis_discrimination,
)
from personalization._stylometry import (
    FEATURE_NAMES,
    mean_features,
)

__all__ = [
    "FEATURE_NAMES",
    "DiscriminationResult",
    "HypothesisQuality",
    "Pair",
    "ParsedHypothesis",
    "ajudge_pairwise",
    "condition_set",
    "find_quote",
    "format_hypothesis_set",
    "hypotheses_from_outputs",
    "hypothesis_discrimination",
    "infer_hypotheses_for_file",
    "judge_pairwise",
    "judgement_from_verdicts",
    "mean_features",
    "normalize_text",
    "oracle_hypotheses",
    "parse_choice",
    "quote_grounding_rate",
    "reference_stats",
    "report_from_judgements",
    "sets_by_user",
    "swap_partner",
    "writing_items_from_records",
]
