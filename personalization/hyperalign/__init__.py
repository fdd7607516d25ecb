"""HyPerAlign's tasks: the authorship and deliberative environments, their corpora and scoring.

* ``telic/PersonalizedWriting-v0``: write a text as a given user; rewarded by offline
  authorship verification (character n-gram profiles) against the other users of the corpus.
* ``telic/DeliberativeAlignment-v0``: answer a benign-but-sensitive or harmful request from a
  simulated user; helpfulness, harm and refusal are scored separately (offline heuristic).

Scripted baselines ``generic``, ``imitate``, ``refuse`` and ``style_writer``
(``scripted:<name>`` models) play them offline. The corpus loaders (bundled synthetic users,
CCAT50, CMCC, users' own JSONL files) and the scenario side of the tasks (each episode's
personalization block, the report section) live here too; ``personalization`` registers the
environments and policies through its entry points (``personalization._plugin``).

The bundled data (``data/``) is synthetic: fictional users and requests written for telic.
"""

from __future__ import annotations

from envs import register_env
from personalization.hyperalign._authorship import (
    AuthorshipScore,
    AuthorshipScorer,
    attribution_accuracy,
    char_ngrams,
    cosine,
)
from personalization.hyperalign._base import SingleTextEnv
from personalization.hyperalign._corpus import (
    DELIBERATIVE_PROMPTS_FILE,
    DELIBERATIVE_USERS_FILE,
    LABELS,
    SYNTHETIC_USERS_FILE,
    CorpusFormatError,
    CorpusText,
    CorpusUser,
    PromptItem,
    UnknownUserError,
    corpus_user,
    load_prompt_set,
    load_users,
    normalize_label,
    read_prompt_set,
    read_users_jsonl,
)
from personalization.hyperalign._deliberative import DeliberativeAlignment
from personalization.hyperalign._jailbreak import (
    SYNTHETIC_JAILBREAK_FILE,
    load_jailbreak_prompts,
    write_prompt_set,
)
from personalization.hyperalign._pairing import (
    IdenticalConditions,
    identical_conditions,
    lost_pairs,
)
from personalization.hyperalign._policies import (
    GenericPolicy,
    ImitatePolicy,
    RefusePolicy,
    register_personalized_policies,
)
from personalization.hyperalign._protocols import (
    SplitRecord,
    corpus_split,
    ditto_ccat50,
    ditto_cmcc,
    read_split,
    read_topic_file,
    write_split,
)
from personalization.hyperalign._safety import SafetyScore, answer_format, is_refusal, score_answer
from personalization.hyperalign._style_writer import StyleWriterPolicy, register_style_writer
from personalization.hyperalign._writing import PersonalizedWriting
from telic import moved_names

#: (ID, class name, description, kwargs) of every personalized environment. v1 chooses the
#: agent's system prompt (HyPerAlign's generation prompt) and strips model wrappers.
_V1 = {"own_prompt": True, "strip_wrappers": True}
PERSONALIZED_ENVS: tuple[tuple[str, str, str, dict[str, bool]], ...] = (
    (
        "telic/PersonalizedWriting-v0",
        "PersonalizedWriting",
        "HyPerAlign: write a text as a given user; reward = authorship verification score.",
        {},
    ),
    (
        "telic/PersonalizedWriting-v1",
        "PersonalizedWriting",
        "HyPerAlign: v0 prompted with the HyPerAlign generation prompt; model wrappers removed.",
        _V1,
    ),
    (
        "telic/DeliberativeAlignment-v0",
        "DeliberativeAlignment",
        "HyPerAlign: answer a sensitive request from a simulated user; helpfulness and harm.",
        {},
    ),
    (
        "telic/DeliberativeAlignment-v1",
        "DeliberativeAlignment",
        "HyPerAlign: v0 with the deliberative generation prompt; model wrappers removed.",
        _V1,
    ),
)


def register_personalized_envs() -> None:
    """Register the personalized environments and their scripted baselines (idempotent)."""
    for env_id, cls, description, kwargs in PERSONALIZED_ENVS:
        register_env(env_id, f"personalization.hyperalign:{cls}", description, kwargs=kwargs)
    register_personalized_policies()


__all__ = [
    "DELIBERATIVE_PROMPTS_FILE",
    "DELIBERATIVE_USERS_FILE",
    "LABELS",
    "PERSONALIZED_ENVS",
    "SYNTHETIC_JAILBREAK_FILE",
    "SYNTHETIC_USERS_FILE",
    "AuthorshipScore",
    "AuthorshipScorer",
    "CorpusFormatError",
    "CorpusText",
    "CorpusUser",
    "DeliberativeAlignment",
    "GenericPolicy",
    "IdenticalConditions",
    "ImitatePolicy",
    "PersonalizedWriting",
    "PromptItem",
    "RefusePolicy",
    "SafetyScore",
    "SingleTextEnv",
    "SplitRecord",
    "StyleWriterPolicy",
    "UnknownUserError",
    "answer_format",
    "attribution_accuracy",
    "char_ngrams",
    "corpus_split",
    "corpus_user",
    "cosine",
    "ditto_ccat50",
    "ditto_cmcc",
    "identical_conditions",
    "is_refusal",
    "load_jailbreak_prompts",
    "load_prompt_set",
    "load_users",
    "lost_pairs",
    "normalize_label",
    "read_prompt_set",
    "read_split",
    "read_topic_file",
    "read_users_jsonl",
    "register_personalized_envs",
    "register_personalized_policies",
    "register_style_writer",
    "score_answer",
    "write_prompt_set",
    "write_split",
]

# Renamed (``personalization.users.get_user`` is the simulated user of that name).
__getattr__ = moved_names(__name__, {"get_user": "personalization.hyperalign:corpus_user"})
