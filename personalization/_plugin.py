"""How the personalization domain plugs into telic's registries.

``pyproject.toml`` names these two functions in the ``telic.envs`` and ``telic.policies``
entry-point groups, the same way a third-party plugin registers itself. ``envs`` loads them
lazily (the first time an unknown environment ID or policy name is looked up, or a catalogue is
listed), so importing ``envs`` never imports this package.
"""

from __future__ import annotations


def register_envs() -> None:
    """Register the HyPerAlign and simulated-user environments (idempotent)."""
    from personalization.hyperalign import register_personalized_envs
    from personalization.users import register_user_envs

    register_personalized_envs()
    register_user_envs()


#: (name, "module:Class", doc) of the domain's scripted policies, in resolution order.
POLICIES: tuple[tuple[str, str, str], ...] = (
    (
        "generic",
        "personalization.hyperalign._policies:GenericPolicy",
        "Personalized envs: a bland text or on-topic answer (ignores personalization).",
    ),
    (
        "imitate",
        "personalization.hyperalign._policies:ImitatePolicy",
        "Personalized envs: resubmit a shown demonstration / copy the preferred format.",
    ),
    (
        "refuse",
        "personalization.hyperalign._policies:RefusePolicy",
        "DeliberativeAlignment: always declines the request.",
    ),
    (
        "style_writer",
        "personalization.hyperalign._style_writer:StyleWriterPolicy",
        "PersonalizedWriting: follows the personalization block's stylometric hypotheses "
        "and examples (offline stand-in for a model).",
    ),
    (
        "personal_oracle",
        "personalization.users._policy:PersonalOraclePolicy",
        "Blocksworld: the oracle, adapted to the preferences in the personalization block.",
    ),
    (
        "personal_writer",
        "personalization.users._writer:PersonalWriterPolicy",
        "Users: writes the requested message in the style the personalization block states.",
    ),
    ("personal_oracle", "personalization.users._writer:PersonalWriterPolicy", ""),
    (
        "deliberative_reader",
        "personalization.hyperalign._deliberative_reader:DeliberativeReaderPolicy",
        "DeliberativeAlignment: the generic answer in the format and length the "
        "personalization block states (offline plumbing check).",
    ),
    (
        "stylometric_judge",
        "personalization.hyperalign._stylometric_judge:StylometricJudgePolicy",
        "Pairwise authorship judge prompts: picks the output whose character n-grams are "
        "closer to the known texts (offline stand-in for a judge; a plumbing check).",
    ),
)


def register_policies() -> None:
    """Register the domain's scripted policies (idempotent) by name only: each is imported
    the first time a policy of its name is made, so listing or making ``oracle`` imports
    nothing of this package."""
    from envs import register_policy

    for name, target, doc in POLICIES:
        register_policy(name, target, doc=doc)
