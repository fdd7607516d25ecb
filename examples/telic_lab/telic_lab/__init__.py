"""telic-lab: a worked example of adding a model provider to telic from outside.

Importing this package (or letting telic load it through its ``telic.providers`` entry point)
registers the provider ``lab``, so ``lab:<model>`` specs reach the models served by a lab's
gateway. See ``docs/adding_a_provider.md`` in the telic repository for the walk-through.
"""

from __future__ import annotations

from agents import register_provider


def register() -> None:
    """Register the ``lab`` provider (registering it again is a no-op)."""
    register_provider(
        "lab",
        "telic_lab.provider:chat_model",
        doc="Models served by the lab's gateway (LAB_BASE_URL, LAB_API_KEY).",
    )


register()

__all__ = ["register"]
