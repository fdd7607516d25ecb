"""Building blocks for environments and scripted policies built on the Blocksworld.

An environment that wraps a Blocksworld task (``personalization.users``' personalized
Blocksworld, a plugin's variant) subclasses :class:`BlocksworldEnv` and reuses its action
declarations; a policy that plays such an env reads the conversation with
:func:`parse_episode` and plans with the same strategies the built-in policies use. These names
are public so code outside ``envs`` never imports the package's private modules.
"""

from __future__ import annotations

from envs.blocksworld._base import BlocksworldEnv
from envs.blocksworld._configs import Configuration
from envs.blocksworld._observe import EpisodeView, WorldState, episode_start, parse_episode
from envs.blocksworld._render import ACTION_SPECS, CONTINUED
from envs.blocksworld._strategies import (
    Move,
    PolicyCapability,
    choose_configuration,
    digest,
    pair_step,
    top_two,
)
from telic import moved_names

# Renamed public names: the old name works until telic 0.3, with a DeprecationWarning.
__getattr__ = moved_names(__name__, {"Capability": "envs.blocksworld.extend:PolicyCapability"})

__all__ = [
    "ACTION_SPECS",
    "CONTINUED",
    "BlocksworldEnv",
    "Configuration",
    "EpisodeView",
    "Move",
    "PolicyCapability",
    "WorldState",
    "choose_configuration",
    "digest",
    "episode_start",
    "pair_step",
    "parse_episode",
    "top_two",
]
