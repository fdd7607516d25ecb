"""telic's catalogue of environments on top of Gymnasium's registry.

:func:`register_env` registers an ID with Gymnasium (a string entry point, so nothing is
imported until the env is made) and records a one-line description for ``telic envs``.
Third-party packages add environments through the ``telic.envs`` entry-point group (each entry
names a module whose import registers its envs, or a callable that does); they are loaded
lazily, the first time the catalogue is listed or an unknown ID is looked up.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import gymnasium as gym

ENTRY_POINT_GROUP = "telic.envs"


@dataclass(frozen=True)
class EnvEntry:
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


_CATALOGUE: dict[str, EnvEntry] = {}
_plugins_loaded = False


class UnknownEnvError(KeyError):
    """An environment ID that no package registered."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


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
    existing = _CATALOGUE.get(env_id)
    if existing is not None:
        if existing.entry_point != entry_point:
            raise ValueError(
                f"{env_id} is already registered to {existing.entry_point}; a changed "
                "environment gets a new version (-v1), it does not replace -v0"
            )
        return
    gym.register(id=env_id, entry_point=entry_point, kwargs=dict(kwargs or {}))
    _CATALOGUE[env_id] = EnvEntry(env_id, entry_point, description, dict(kwargs or {}), source)


def load_plugins() -> list[str]:
    """Import every ``telic.envs`` entry point once; returns the names loaded."""
    global _plugins_loaded
    if _plugins_loaded:
        return []
    _plugins_loaded = True
    loaded = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        target = ep.load()
        if callable(target):
            target()
        loaded.append(ep.name)
    return loaded


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


def registered_envs() -> list[EnvEntry]:
    """Every telic environment (plugins included), sorted by ID."""
    load_plugins()
    return sorted(_CATALOGUE.values(), key=lambda e: e.id)


def env_entry(env_id: str) -> EnvEntry:
    """The catalogue entry of ``env_id``, or :class:`UnknownEnvError` with a suggestion."""
    if env_id not in _CATALOGUE:
        load_plugins()
    if env_id in _CATALOGUE:
        return _CATALOGUE[env_id]
    known = list(_CATALOGUE) + [k for k in gym.registry if k not in _CATALOGUE]
    close = difflib.get_close_matches(env_id, known, n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise UnknownEnvError(
        f"unknown environment {env_id!r}.{hint} `telic envs` lists the registered ones."
    )


def make(env_id: str, **kwargs: Any) -> gym.Env:
    """``gymnasium.make`` for a telic (or plugin) ID, with a clear error for unknown IDs."""
    if env_id not in gym.registry:
        env_entry(env_id)  # raises with a suggestion, or loads the plugin that defines it
    return gym.make(env_id, **kwargs)
