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


def register_policies() -> None:
    """Register the domain's scripted policies (idempotent): ``generic``, ``imitate``,
    ``refuse``, ``style_writer``, ``deliberative_reader``, ``stylometric_judge``,
    ``personal_oracle`` and ``personal_writer``."""
    from personalization.hyperalign import register_personalized_policies, register_style_writer
    from personalization.hyperalign._deliberative_reader import register_deliberative_reader
    from personalization.hyperalign._stylometric_judge import register_stylometric_judge
    from personalization.users import register_personal_policies, register_writer_policy

    register_personalized_policies()
    register_style_writer()
    register_deliberative_reader()
    register_stylometric_judge()
    register_personal_policies()
    register_writer_policy()
