"""HyPerAlign: hypothesis-driven personalization (Garbacea & Tan 2025, specs/hyperalign.md).

Infer natural-language hypotheses about a user from a few of their texts, with any chat model
(:func:`infer_hypotheses`, evidence quotes checked) or offline from measured stylometry
(:func:`infer_offline`); render them into one prompt block that conditions a generator or an
agent (:func:`render_block`, :func:`generate_as_user` with the paper's controls); evaluate with
pairwise LLM judges in both orders (:func:`evaluate_pairwise`), offline authorship verification
(:class:`AuthorshipScorer`) and hypothesis quality (:func:`hypothesis_quality`). Corpora: the
bundled synthetic users, CCAT50, CMCC and users' own JSONL files. See docs/personalization.md.
"""

__telic_package__ = True

from telic._layout import verify_layout

verify_layout()

from personalization._analysis import (  # noqa: E402
    DeliberativeJudgement,
    deliberative_summary,
    judge_deliberative,
    judge_deliberative_records,
    judge_writing_records,
    writing_items_from_records,
)
from personalization._cli import (  # noqa: E402
    format_hypothesis_set,
    infer_hypotheses_cli,
    infer_hypotheses_for_file,
    load_hypotheses,
    save_hypotheses,
    sets_by_user,
)
from personalization._conditions import (  # noqa: E402
    CONDITIONS,
    build_condition_blocks,
    canonical_condition,
    condition_block,
    condition_set,
    oracle_hypotheses,
    swap_partner,
)
from personalization._evidence import (  # noqa: E402
    check_evidence,
    find_quote,
    grounding_rate,
    normalize_text,
    quote_grounding_rate,
)
from personalization._family import (  # noqa: E402
    EpisodePersonalization,
    PersonalizationFamily,
    check_conditions,
    families,
    family_of,
    personalization_summary,
    personalization_tables,
    personalize_episode,
    register_family,
)
from personalization._infer import (  # noqa: E402
    ainfer_hypotheses,
    build_inference_messages,
    hypotheses_from_outputs,
    infer_hypotheses,
)
from personalization._judge import (  # noqa: E402
    PairwiseItem,
    PairwiseJudgement,
    PairwiseReport,
    aevaluate_pairwise,
    ajudge_pairwise,
    evaluate_pairwise,
    judge_pairwise,
    judgement_from_verdicts,
    report_from_judgements,
)
from personalization._offline import (  # noqa: E402
    infer_offline,
    reference_stats,
    stylometric_discrimination,
)
from personalization._parse import ParsedHypothesis, parse_choice, parse_hypotheses  # noqa: E402
from personalization._quality import (  # noqa: E402
    HypothesisQuality,
    hypothesis_quality,
    quality_summary,
)
from personalization._render import (  # noqa: E402
    CONTROLS,
    agenerate_as_user,
    build_generation_messages,
    generate_as_user,
    generic_hypotheses,
    render_block,
    user_attributes,
)
from personalization._select import (  # noqa: E402
    DiscriminationResult,
    Pair,
    hypothesis_discrimination,
    make_pairs,
    select_by_discrimination,
)
from personalization._stats import WinRate, bootstrap_ci, judge_agreement, win_rate  # noqa: E402
from personalization._stylometry import FEATURE_NAMES, mean_features, text_features  # noqa: E402
from personalization._types import (  # noqa: E402
    CATEGORIES,
    Example,
    Hypothesis,
    HypothesisSet,
    PersonalizationError,
    Provenance,
    UnknownNameError,
    UserProfile,
)
from personalization.hyperalign import (  # noqa: E402
    AuthorshipScore,
    AuthorshipScorer,
    attribution_accuracy,
    char_ngrams,
)
from personalization.hyperalign._loaders import (  # noqa: E402
    first_sentence,
    load_ccat50,
    load_cmcc,
    load_deliberative_users,
    load_jsonl_users,
    load_synthetic_users,
    save_jsonl_users,
)
from personalization.hyperalign._style_writer import StyleWriterPolicy, register_style_writer  # noqa: E402
from personalization.users._episode import (  # noqa: E402
    USER_CONDITIONS,
    check_user_settings,
    condition_hypotheses,
    episode_personalization,
    parse_condition,
)
from personalization.users._hypotheses import (  # noqa: E402
    ClaimScore,
    build_preference_messages,
    claim_hypothesis,
    demonstration_profile,
    hypothesis_claims,
    infer_preferences_llm,
    infer_preferences_offline,
    preferences_from_output,
    profile_hypotheses,
    score_claims,
    score_hypotheses,
)
from personalization.users._report import cluster_bootstrap_ci, condition_summary  # noqa: E402

__all__ = [
    "CATEGORIES",
    "CONDITIONS",
    "CONTROLS",
    "FEATURE_NAMES",
    "USER_CONDITIONS",
    "AuthorshipScore",
    "AuthorshipScorer",
    "ClaimScore",
    "DeliberativeJudgement",
    "DiscriminationResult",
    "EpisodePersonalization",
    "Example",
    "Hypothesis",
    "HypothesisQuality",
    "HypothesisSet",
    "Pair",
    "PairwiseItem",
    "PairwiseJudgement",
    "PairwiseReport",
    "ParsedHypothesis",
    "PersonalizationError",
    "PersonalizationFamily",
    "Provenance",
    "StyleWriterPolicy",
    "UnknownNameError",
    "UserProfile",
    "WinRate",
    "aevaluate_pairwise",
    "agenerate_as_user",
    "ainfer_hypotheses",
    "ajudge_pairwise",
    "attribution_accuracy",
    "bootstrap_ci",
    "build_condition_blocks",
    "build_generation_messages",
    "build_inference_messages",
    "build_preference_messages",
    "canonical_condition",
    "char_ngrams",
    "check_conditions",
    "check_evidence",
    "check_user_settings",
    "claim_hypothesis",
    "cluster_bootstrap_ci",
    "condition_block",
    "condition_hypotheses",
    "condition_set",
    "condition_summary",
    "deliberative_summary",
    "demonstration_profile",
    "episode_personalization",
    "evaluate_pairwise",
    "families",
    "family_of",
    "find_quote",
    "first_sentence",
    "format_hypothesis_set",
    "generate_as_user",
    "generic_hypotheses",
    "grounding_rate",
    "hypotheses_from_outputs",
    "hypothesis_claims",
    "hypothesis_discrimination",
    "hypothesis_quality",
    "infer_hypotheses",
    "infer_hypotheses_cli",
    "infer_hypotheses_for_file",
    "infer_offline",
    "infer_preferences_llm",
    "infer_preferences_offline",
    "judge_agreement",
    "judge_deliberative",
    "judge_deliberative_records",
    "judge_pairwise",
    "judge_writing_records",
    "judgement_from_verdicts",
    "load_ccat50",
    "load_cmcc",
    "load_deliberative_users",
    "load_hypotheses",
    "load_jsonl_users",
    "load_synthetic_users",
    "make_pairs",
    "mean_features",
    "normalize_text",
    "oracle_hypotheses",
    "parse_choice",
    "parse_condition",
    "parse_hypotheses",
    "personalization_summary",
    "personalization_tables",
    "personalize_episode",
    "preferences_from_output",
    "profile_hypotheses",
    "quality_summary",
    "quote_grounding_rate",
    "reference_stats",
    "register_family",
    "register_style_writer",
    "render_block",
    "report_from_judgements",
    "save_hypotheses",
    "save_jsonl_users",
    "score_claims",
    "score_hypotheses",
    "select_by_discrimination",
    "sets_by_user",
    "stylometric_discrimination",
    "swap_partner",
    "text_features",
    "user_attributes",
    "win_rate",
    "writing_items_from_records",
]

# importing personalization makes ``scripted:style_writer`` available
register_style_writer()

# HyPerAlign as the paper runs it: the shared generation prompt, published protocols,
# benchmark prompt files, external baselines, bringing your own user.
from personalization._baseline import (  # noqa: E402
    BaselineOutput,
    BaselineOutputs,
    CandidateOutput,
    WinTable,
    baseline_win_table,
    candidates_from_records,
    format_win_table,
    load_baseline_outputs,
)
from personalization._generation import (  # noqa: E402
    StrippedText,
    hyperalign_system_prompt,
    strip_wrapper,
)
from personalization._user_files import read_reference, read_user_texts  # noqa: E402
from personalization._write import WrittenText, write_as_user, write_as_user_cli  # noqa: E402
from personalization.hyperalign._jailbreak import (  # noqa: E402
    SYNTHETIC_JAILBREAK_FILE,
    load_jailbreak_prompts,
    write_prompt_set,
)
from personalization.hyperalign._pairing import (  # noqa: E402
    IdenticalConditions,
    identical_conditions,
    lost_pairs,
)
from personalization.hyperalign._protocols import (  # noqa: E402
    SplitRecord,
    ditto_ccat50,
    ditto_cmcc,
    read_topic_file,
    write_split,
)

__all__ += [
    "SYNTHETIC_JAILBREAK_FILE",
    "BaselineOutput",
    "BaselineOutputs",
    "CandidateOutput",
    "IdenticalConditions",
    "SplitRecord",
    "StrippedText",
    "WinTable",
    "WrittenText",
    "baseline_win_table",
    "candidates_from_records",
    "ditto_ccat50",
    "ditto_cmcc",
    "format_win_table",
    "hyperalign_system_prompt",
    "identical_conditions",
    "load_baseline_outputs",
    "load_jailbreak_prompts",
    "lost_pairs",
    "read_reference",
    "read_topic_file",
    "read_user_texts",
    "strip_wrapper",
    "write_as_user",
    "write_as_user_cli",
    "write_prompt_set",
    "write_split",
]
