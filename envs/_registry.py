"""telic's catalogue of environments on top of Gymnasium's registry.

:func:`register_env` registers an ID with Gymnasium (a string entry point, so nothing is
imported until the env is made) and records a one-line description for ``telic envs``.
Third-party packages add environments through the ``telic.envs`` entry-point group (each entry
names a module whose import registers its envs, or a callable that does); they are loaded
lazily, the first time the catalogue is listed or an unknown ID is looked up.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from telic.errors import TelicError, UnknownNameError
from telic.registry import Registry

ENTRY_POINT_GROUP = "telic.envs"


@dataclass(frozen=True)
class RegisteredEnv:
    """One registered telic environment."""

    id: str
    """Gymnasium ID, ``namespace/Name-vN``."""
    entry_point: str
    """``module:Class`` string."""
    description: str
    """One line for ``telic envs``."""
    kwargs: dict[str, Any] = field(default_factory=dict)
    """Default keyword arguments."""
    source: str = "telic"
    """Which package registered it."""


class UnknownEnvError(UnknownNameError):
    """An environment ID that no package registered."""


class EnvRegistrationError(TelicError, ValueError):
    """An ID registered again with a different entry point."""


_CATALOGUE: Registry[RegisteredEnv] = Registry(
    "environment",
    group=ENTRY_POINT_GROUP,
    fix="`telic envs` lists the registered ones.",
    list_known=False,
    error=UnknownEnvError,
    extra_known=lambda: list(gym.registry),
)


def register_env(
    env_id: str,
    entry_point: str,
    description: str,
    *,
    kwargs: dict[str, Any] | None = None,
    source: str = "telic",
) -> None:
    """Register ``env_id`` with Gymnasium and with telic's catalogue.

    Registering the same ID again with the same entry point is a no-op (modules may be
    re-imported); a different entry point is an error, since results under one ID must stay
    comparable.
    """
    existing = _CATALOGUE.peek(env_id)
    if existing is not None:
        if existing.entry_point != entry_point:
            raise EnvRegistrationError(
                f"{env_id} is already registered to {existing.entry_point}; a changed "
                "environment gets a new version (-v1), it does not replace -v0"
            )
        return
    gym.register(id=env_id, entry_point=entry_point, kwargs=dict(kwargs or {}))
    _CATALOGUE.register(
        env_id, RegisteredEnv(env_id, entry_point, description, dict(kwargs or {}), source)
    )


def load_plugins() -> list[str]:
    """Import every ``telic.envs`` entry point once; returns the names loaded."""
    return _CATALOGUE.load_plugins()


def import_plugin_modules(modules: list[str]) -> None:
    """Import plain modules (a scenario's ``plugins:`` list) so they can register envs."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise ImportError(
                f"plugin module {name!r} could not be imported ({exc}); check that it is "
                "installed or on PYTHONPATH"
            ) from exc


def registered_envs() -> list[RegisteredEnv]:
    """Every telic environment (plugins included), sorted by ID."""
    return [entry for _, entry in _CATALOGUE.items()]


def env_entry(env_id: str) -> RegisteredEnv:
    """The catalogue entry of ``env_id``, or :class:`UnknownEnvError` with a suggestion."""
    return _CATALOGUE.get(env_id)


def make(env_id: str, **kwargs: Any) -> gym.Env:
    """``gymnasium.make`` for a telic (or plugin) ID, with a clear error for unknown IDs."""
    if env_id not in gym.registry:
        env_entry(env_id)  # raises with a suggestion, or loads the plugin that defines it
    return gym.make(env_id, **kwargs)
