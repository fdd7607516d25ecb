"""Simulated users with a hidden preference profile, and the environment that rates agents by it.

A :class:`SimulatedUser` has a hidden ground-truth profile (:data:`PREFERENCE_KEYS`: in the
Blocksworld the cost of a measurement, a block wanted on top or on the table, risk aversion,
the report wanted; in writing the length, formality and sign-off of messages). From it the user

* produces demonstrations, seeded (:func:`demonstrations`): past choices, corrections and
  remarks (Blocksworld) or messages it wrote (writing);
* rates an episode (:func:`rate_blocksworld`) or a message (:func:`rate_message`),
  deterministically.

``telic/PersonalizedBlocksworld-v0`` (:class:`PersonalizedBlocksworld`) attaches a user to a
composite Blocksworld task: the reward is the task return adjusted by the user's rating.
``telic/PersonalizedMessage-v0`` (:class:`PersonalizedMessage`) asks for a message on behalf of
a writing user, rewarded by its rating. The scripted policies ``personal_oracle`` and
``personal_writer`` read stated preferences from the system prompt's ``telic-preferences:``
line and adapt. The bundled library (:func:`all_users`) has seven
Blocksworld and six writing users; add one with :func:`register_user`
(``docs/adding_a_simulated_user.md``). Preference inference from demonstrations, each
episode's personalization block and the report section of these users live here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from personalization.users._episode import (
        USER_CONDITIONS,
        check_user_settings,
        condition_hypotheses,
        episode_personalization,
    )
    from personalization.users._hypotheses import (
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
    from personalization.users._report import (
        cluster_bootstrap_ci,
        condition_summary,
    )

from envs import register_env
from personalization.users._demos import Demonstration, demonstrations
from personalization.users._env import MAX_REPORTS, SUPPORTED_TASKS, PersonalizedBlocksworld
from personalization.users._library import (
    UnknownUserIdError,
    all_users,
    bundled_users,
    disagreement,
    get_user,
    placebo_user,
    register_user,
)
from personalization.users._line import (
    PREFERENCES_PREFIX,
    format_preference_line,
    parse_preference_line,
)
from personalization.users._message_env import PersonalizedMessage
from personalization.users._policy import (
    PersonalOraclePolicy,
    arrange,
    ordered_build_step,
    register_personal_policies,
)
from personalization.users._profiles import (
    PREFERENCE_KEYS,
    WORLDS,
    PreferenceKey,
    SimulatedUser,
    UserError,
    claim_statement,
    keys_of,
    valid_claim,
)
from personalization.users._rating import (
    BlocksworldOutcome,
    Rating,
    message_features,
    rate_blocksworld,
    rate_message,
)
from personalization.users._writer import PersonalWriterPolicy, register_writer_policy
from telic import lazy_exports

#: (ID, entry point, description) of the environments of this package.
USER_ENVS: tuple[tuple[str, str, str], ...] = (
    (
        "telic/PersonalizedBlocksworld-v0",
        "personalization.users._env:PersonalizedBlocksworld",
        "Users: a composite Blocksworld task done for a simulated user with hidden preferences.",
    ),
    (
        "telic/PersonalizedMessage-v0",
        "personalization.users._message_env:PersonalizedMessage",
        "Users: write a message for a simulated user with hidden style preferences.",
    ),
)


def register_user_envs() -> None:
    """Register the simulated-user environments and the ``personal_oracle`` policy
    (idempotent)."""
    for env_id, entry_point, description in USER_ENVS:
        register_env(env_id, entry_point, description)
    register_personal_policies()
    register_writer_policy()


# Inference from demonstrations, each episode's block and the report section load on first use
# (they import model code), so registering the envs stays light.
_LAZY: dict[str, str] = {
    "USER_CONDITIONS": "personalization.users._episode",
    "ClaimScore": "personalization.users._hypotheses",
    "build_preference_messages": "personalization.users._hypotheses",
    "claim_hypothesis": "personalization.users._hypotheses",
    "demonstration_profile": "personalization.users._hypotheses",
    "hypothesis_claims": "personalization.users._hypotheses",
    "infer_preferences_llm": "personalization.users._hypotheses",
    "infer_preferences_offline": "personalization.users._hypotheses",
    "preferences_from_output": "personalization.users._hypotheses",
    "profile_hypotheses": "personalization.users._hypotheses",
    "score_claims": "personalization.users._hypotheses",
    "score_hypotheses": "personalization.users._hypotheses",
    "check_user_settings": "personalization.users._episode",
    "condition_hypotheses": "personalization.users._episode",
    "episode_personalization": "personalization.users._episode",
    "cluster_bootstrap_ci": "personalization.users._report",
    "condition_summary": "personalization.users._report",
}


__getattr__ = lazy_exports(globals(), _LAZY)


__all__ = [
    "MAX_REPORTS",
    "PREFERENCES_PREFIX",
    "PREFERENCE_KEYS",
    "SUPPORTED_TASKS",
    "USER_CONDITIONS",
    "USER_ENVS",
    "WORLDS",
    "BlocksworldOutcome",
    "ClaimScore",
    "Demonstration",
    "PersonalOraclePolicy",
    "PersonalWriterPolicy",
    "PersonalizedBlocksworld",
    "PersonalizedMessage",
    "PreferenceKey",
    "Rating",
    "SimulatedUser",
    "UnknownUserIdError",
    "UserError",
    "all_users",
    "arrange",
    "build_preference_messages",
    "bundled_users",
    "check_user_settings",
    "claim_hypothesis",
    "claim_statement",
    "cluster_bootstrap_ci",
    "condition_hypotheses",
    "condition_summary",
    "demonstration_profile",
    "demonstrations",
    "disagreement",
    "episode_personalization",
    "format_preference_line",
    "get_user",
    "hypothesis_claims",
    "infer_preferences_llm",
    "infer_preferences_offline",
    "keys_of",
    "message_features",
    "ordered_build_step",
    "parse_preference_line",
    "placebo_user",
    "preferences_from_output",
    "profile_hypotheses",
    "rate_blocksworld",
    "rate_message",
    "register_personal_policies",
    "register_user",
    "register_user_envs",
    "register_writer_policy",
    "score_claims",
    "score_hypotheses",
    "valid_claim",
]
