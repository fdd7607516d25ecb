"""telic-orchard: a worked example of adding an environment family to telic from outside.

Importing this package (or letting telic load it through its entry points) registers:

* the environments ``orchard/Harvest-v0`` and ``orchard/TasteTree-v0``;
* scripted policies under telic's shared names ``oracle`` and ``lazy``;
* the goal-directedness declaration of ``Harvest``: which subtask defines the capability and
  how to simulate the ceiling (see :mod:`telic_orchard.gd`).

See ``docs/adding_an_environment.md`` in the telic repository for the walk-through.
"""

from __future__ import annotations

from envs import register_env, register_policy
from telic_orchard import policies

_registered = False


def register() -> None:
    """Register the envs, policies and GD declaration (idempotent)."""
    global _registered
    if _registered:
        return
    _registered = True
    register_env(
        "orchard/Harvest-v0",
        "telic_orchard.env:Harvest",
        "Example plugin: harvest the sweetest tree from noisy tastings.",
        source="telic-orchard",
    )
    register_env(
        "orchard/TasteTree-v0",
        "telic_orchard.env:TasteTree",
        "Example plugin: estimate one tree's sweetness (subtask of Harvest).",
        source="telic-orchard",
    )
    register_policy("oracle", policies.oracle)
    register_policy("lazy", policies.lazy)
    from telic_orchard import gd

    gd.declare()


register()

__all__ = ["register"]
