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

from envs._registry import register_env
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


register_personal_policies()
register_writer_policy()

__all__ = [
    "MAX_REPORTS",
    "PREFERENCES_PREFIX",
    "PREFERENCE_KEYS",
    "SUPPORTED_TASKS",
    "USER_ENVS",
    "WORLDS",
    "BlocksworldOutcome",
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
    "bundled_users",
    "claim_statement",
    "demonstrations",
    "disagreement",
    "format_preference_line",
    "get_user",
    "keys_of",
    "message_features",
    "ordered_build_step",
    "parse_preference_line",
    "placebo_user",
    "rate_blocksworld",
    "rate_message",
    "register_personal_policies",
    "register_user",
    "register_user_envs",
    "register_writer_policy",
    "valid_claim",
]
