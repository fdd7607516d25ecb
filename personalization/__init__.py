"""HyPerAlign: hypothesis-driven personalization (Garbacea & Tan 2025, specs/hyperalign.md).

The personalization domain, whole. At the top level, the method: infer natural-language
hypotheses about a user from a few of their texts, with any chat model
(:func:`infer_hypotheses`, evidence quotes checked) or offline from measured stylometry
(:func:`infer_offline`); render them into one prompt block that conditions a generator or an
agent under a condition of the one vocabulary (:func:`condition_block`, :func:`generate_as_user`);
evaluate with pairwise LLM judges in both orders (:func:`evaluate_pairwise`) and hypothesis
quality (:func:`hypothesis_quality`). Sub-packages hold the env families:

* :mod:`personalization.hyperalign`: the HyPerAlign tasks (writing, deliberative), their
  corpora (bundled synthetic users, CCAT50, CMCC, JSONL files), scoring and baselines;
* :mod:`personalization.users`: simulated users with hidden profiles and their envs;
* :mod:`personalization.toolkit`: the method's building blocks (evidence matching, parsing,
  pairwise selection, judge internals) for code that goes below this API.

Each family implements :class:`PersonalizationFamily`, through which scenarios run and report
conditions. Names resolve on first use, so registering the domain's envs and policies (entry
points) does not import model code. See docs/personalization.md and docs/architecture.md.
"""

__telic_package__ = True

from telic import lazy_exports, moved_names, verify_layout

verify_layout()

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from personalization._analysis import (
        DeliberativeJudgement,
        deliberative_summary,
        judge_deliberative,
        judge_deliberative_records,
        judge_writing_records,
    )
    from personalization._cli import (
        infer_hypotheses_cli,
        load_hypotheses,
        save_hypotheses,
    )
    from personalization._conditions import (
        CONDITIONS,
        Condition,
        build_condition_blocks,
        canonical_condition,
        condition_block,
        parse_condition,
    )
    from personalization._evidence import (
        check_evidence,
        grounding_rate,
    )
    from personalization._family import (
        EpisodePersonalization,
        PersonalizationFamily,
        check_conditions,
        dataset_splits,
        episode_split,
        personalization_summary,
        personalization_tables,
        personalize_episode,
        register_family,
    )
    from personalization._infer import (
        ainfer_hypotheses,
        build_inference_messages,
        infer_hypotheses,
    )
    from personalization._judge import (
        PairwiseItem,
        PairwiseJudgement,
        PairwiseReport,
        aevaluate_pairwise,
        evaluate_pairwise,
    )
    from personalization._offline import (
        infer_offline,
        stylometric_discrimination,
    )
    from personalization._parse import (
        parse_hypotheses,
    )
    from personalization._quality import (
        hypothesis_quality,
        quality_summary,
    )
    from personalization._render import (
        CONTROLS,
        agenerate_as_user,
        build_generation_messages,
        generate_as_user,
        generic_hypotheses,
        render_block,
        user_attributes,
    )
    from personalization._select import (
        make_pairs,
        select_by_discrimination,
    )
    from personalization._settings import (
        PersonalizationSettings,
    )
    from personalization._stats import (
        WinRate,
        bootstrap_mean_ci,
        judge_agreement,
        win_rate,
    )
    from personalization._stylometry import (
        text_features,
    )
    from personalization._types import (
        CATEGORIES,
        Example,
        Hypothesis,
        HypothesisSet,
        PersonalizationError,
        PersonalizationNameError,
        Provenance,
        UserProfile,
    )
    from personalization.hyperalign._loaders import (
        first_sentence,
        load_ccat50,
        load_cmcc,
        load_deliberative_users,
        load_jsonl_users,
        load_synthetic_users,
        save_jsonl_users,
    )

# The public API, by topic: name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    # Data
    "CATEGORIES": "personalization._types",
    "Example": "personalization._types",
    "Hypothesis": "personalization._types",
    "HypothesisSet": "personalization._types",
    "Provenance": "personalization._types",
    "UserProfile": "personalization._types",
    "PersonalizationError": "personalization._errors",
    "PersonalizationNameError": "personalization._errors",
    "PersonalizationSettings": "personalization._settings",
    # Conditions (one vocabulary) and the blocks they give
    "CONDITIONS": "personalization._conditions",
    "Condition": "personalization._conditions",
    "parse_condition": "personalization._conditions",
    "canonical_condition": "personalization._conditions",
    "condition_block": "personalization._conditions",
    "build_condition_blocks": "personalization._conditions",
    "CONTROLS": "personalization._render",
    "render_block": "personalization._render",
    "user_attributes": "personalization._render",
    "generic_hypotheses": "personalization._render",
    # Corpora
    "load_synthetic_users": "personalization.hyperalign._loaders",
    "load_deliberative_users": "personalization.hyperalign._loaders",
    "load_jsonl_users": "personalization.hyperalign._loaders",
    "save_jsonl_users": "personalization.hyperalign._loaders",
    "load_ccat50": "personalization.hyperalign._loaders",
    "load_cmcc": "personalization.hyperalign._loaders",
    "first_sentence": "personalization.hyperalign._loaders",
    # Inference and its checks
    "infer_hypotheses": "personalization._infer",
    "ainfer_hypotheses": "personalization._infer",
    "build_inference_messages": "personalization._infer",
    "infer_offline": "personalization._offline",
    "parse_hypotheses": "personalization._parse",
    "check_evidence": "personalization._evidence",
    "grounding_rate": "personalization._evidence",
    "text_features": "personalization._stylometry",
    "stylometric_discrimination": "personalization._offline",
    "make_pairs": "personalization._select",
    "select_by_discrimination": "personalization._select",
    "hypothesis_quality": "personalization._quality",
    "quality_summary": "personalization._quality",
    # Generation
    "generate_as_user": "personalization._render",
    "agenerate_as_user": "personalization._render",
    "build_generation_messages": "personalization._render",
    # Judging and statistics
    "PairwiseItem": "personalization._judge",
    "PairwiseJudgement": "personalization._judge",
    "PairwiseReport": "personalization._judge",
    "evaluate_pairwise": "personalization._judge",
    "aevaluate_pairwise": "personalization._judge",
    "WinRate": "personalization._stats",
    "win_rate": "personalization._stats",
    "bootstrap_mean_ci": "personalization._stats",
    "judge_agreement": "personalization._stats",
    "DeliberativeJudgement": "personalization._analysis",
    "judge_writing_records": "personalization._analysis",
    "judge_deliberative": "personalization._analysis",
    "judge_deliberative_records": "personalization._analysis",
    "deliberative_summary": "personalization._analysis",
    # Hypothesis files and the CLI
    "load_hypotheses": "personalization._cli",
    "save_hypotheses": "personalization._cli",
    "infer_hypotheses_cli": "personalization._cli",
    # The personalization interface scenarios use
    "PersonalizationFamily": "personalization._family",
    "EpisodePersonalization": "personalization._family",
    "register_family": "personalization._family",
    "check_conditions": "personalization._family",
    "personalize_episode": "personalization._family",
    "personalization_summary": "personalization._family",
    "personalization_tables": "personalization._family",
    "dataset_splits": "personalization._family",
    "episode_split": "personalization._family",
}

# Names that left the top level (until telic 0.3): they resolve with a DeprecationWarning.
_MOVED: dict[str, str] = {
    "USER_CONDITIONS": "personalization.users:USER_CONDITIONS",
    "ClaimScore": "personalization.users:ClaimScore",
    "build_preference_messages": "personalization.users:build_preference_messages",
    "claim_hypothesis": "personalization.users:claim_hypothesis",
    "demonstration_profile": "personalization.users:demonstration_profile",
    "hypothesis_claims": "personalization.users:hypothesis_claims",
    "infer_preferences_llm": "personalization.users:infer_preferences_llm",
    "infer_preferences_offline": "personalization.users:infer_preferences_offline",
    "preferences_from_output": "personalization.users:preferences_from_output",
    "profile_hypotheses": "personalization.users:profile_hypotheses",
    "score_claims": "personalization.users:score_claims",
    "score_hypotheses": "personalization.users:score_hypotheses",
    "check_user_settings": "personalization.users:check_user_settings",
    "condition_hypotheses": "personalization.users:condition_hypotheses",
    "episode_personalization": "personalization.users:episode_personalization",
    "cluster_bootstrap_ci": "personalization.users:cluster_bootstrap_ci",
    "condition_summary": "personalization.users:condition_summary",
    "AuthorshipScore": "personalization.hyperalign:AuthorshipScore",
    "AuthorshipScorer": "personalization.hyperalign:AuthorshipScorer",
    "attribution_accuracy": "personalization.hyperalign:attribution_accuracy",
    "char_ngrams": "personalization.hyperalign:char_ngrams",
    "StyleWriterPolicy": "personalization.hyperalign:StyleWriterPolicy",
    "register_style_writer": "personalization.hyperalign:register_style_writer",
    "writing_items_from_records": "personalization.toolkit:writing_items_from_records",
    "format_hypothesis_set": "personalization.toolkit:format_hypothesis_set",
    "infer_hypotheses_for_file": "personalization.toolkit:infer_hypotheses_for_file",
    "sets_by_user": "personalization.toolkit:sets_by_user",
    "condition_set": "personalization.toolkit:condition_set",
    "oracle_hypotheses": "personalization.toolkit:oracle_hypotheses",
    "swap_partner": "personalization.toolkit:swap_partner",
    "find_quote": "personalization.toolkit:find_quote",
    "normalize_text": "personalization.toolkit:normalize_text",
    "quote_grounding_rate": "personalization.toolkit:quote_grounding_rate",
    "hypotheses_from_outputs": "personalization.toolkit:hypotheses_from_outputs",
    "ajudge_pairwise": "personalization.toolkit:ajudge_pairwise",
    "judge_pairwise": "personalization.toolkit:judge_pairwise",
    "judgement_from_verdicts": "personalization.toolkit:judgement_from_verdicts",
    "report_from_judgements": "personalization.toolkit:report_from_judgements",
    "reference_stats": "personalization.toolkit:reference_stats",
    "ParsedHypothesis": "personalization.toolkit:ParsedHypothesis",
    "parse_choice": "personalization.toolkit:parse_choice",
    "HypothesisQuality": "personalization.toolkit:HypothesisQuality",
    "DiscriminationResult": "personalization.toolkit:DiscriminationResult",
    "Pair": "personalization.toolkit:Pair",
    "hypothesis_discrimination": "personalization.toolkit:hypothesis_discrimination",
    "FEATURE_NAMES": "personalization.toolkit:FEATURE_NAMES",
    "mean_features": "personalization.toolkit:mean_features",
    "bootstrap_ci": "personalization:bootstrap_mean_ci",
    "UnknownNameError": "personalization:PersonalizationNameError",
}

_deprecated = moved_names(__name__, _MOVED, stacklevel=3)


__getattr__ = lazy_exports(globals(), _EXPORTS, _deprecated)


__all__ = [
    "CATEGORIES",
    "CONDITIONS",
    "CONTROLS",
    "Condition",
    "DeliberativeJudgement",
    "EpisodePersonalization",
    "Example",
    "Hypothesis",
    "HypothesisSet",
    "PairwiseItem",
    "PairwiseJudgement",
    "PairwiseReport",
    "PersonalizationError",
    "PersonalizationFamily",
    "PersonalizationNameError",
    "PersonalizationSettings",
    "Provenance",
    "UserProfile",
    "WinRate",
    "aevaluate_pairwise",
    "agenerate_as_user",
    "ainfer_hypotheses",
    "bootstrap_mean_ci",
    "build_condition_blocks",
    "build_generation_messages",
    "build_inference_messages",
    "canonical_condition",
    "check_conditions",
    "check_evidence",
    "condition_block",
    "dataset_splits",
    "deliberative_summary",
    "episode_split",
    "evaluate_pairwise",
    "first_sentence",
    "generate_as_user",
    "generic_hypotheses",
    "grounding_rate",
    "hypothesis_quality",
    "infer_hypotheses",
    "infer_hypotheses_cli",
    "infer_offline",
    "judge_agreement",
    "judge_deliberative",
    "judge_deliberative_records",
    "judge_writing_records",
    "load_ccat50",
    "load_cmcc",
    "load_deliberative_users",
    "load_hypotheses",
    "load_jsonl_users",
    "load_synthetic_users",
    "make_pairs",
    "parse_condition",
    "parse_hypotheses",
    "personalization_summary",
    "personalization_tables",
    "personalize_episode",
    "quality_summary",
    "register_family",
    "render_block",
    "save_hypotheses",
    "save_jsonl_users",
    "select_by_discrimination",
    "stylometric_discrimination",
    "text_features",
    "user_attributes",
    "win_rate",
]

# HyPerAlign as the paper runs it: the shared generation prompt, external baselines, bringing
# your own user (resolved on first use like the names above).
_EXPORTS.update(
    {
        "CandidateOutput": "personalization._baseline",
        "baseline_win_table": "personalization._baseline",
        "candidates_from_records": "personalization._baseline",
        "format_win_table": "personalization._baseline",
        "load_baseline_outputs": "personalization._baseline",
        "hyperalign_system_prompt": "personalization._generation",
        "strip_wrapper": "personalization._generation",
        "read_reference": "personalization._user_files",
        "read_user_texts": "personalization._user_files",
        "write_as_user": "personalization._write",
        "write_as_user_cli": "personalization._write",
    }
)

if TYPE_CHECKING:
    from personalization._baseline import (
        CandidateOutput,
        baseline_win_table,
        candidates_from_records,
        format_win_table,
        load_baseline_outputs,
    )
    from personalization._generation import hyperalign_system_prompt, strip_wrapper
    from personalization._user_files import read_reference, read_user_texts
    from personalization._write import write_as_user, write_as_user_cli

__all__ += [
    "CandidateOutput",
    "baseline_win_table",
    "candidates_from_records",
    "format_win_table",
    "hyperalign_system_prompt",
    "load_baseline_outputs",
    "read_reference",
    "read_user_texts",
    "strip_wrapper",
    "write_as_user",
    "write_as_user_cli",
]
