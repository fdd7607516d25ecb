"""telic's catalogue of environments on top of Gymnasium's registry.

:func:`register_env` registers an ID with Gymnasium (a string entry point, so nothing is
imported until the env is made) and records a one-line description for ``telic envs``.
Third-party packages add environments through the ``telic.envs`` entry-point group (each entry
names a module whose import registers its envs, or a callable that does); they are loaded
lazily, the first time the catalogue is listed or an unknown ID is looked up.

Gymnasium itself (and numpy under it) is not imported by ``import envs``: an ID registered while
Gymnasium is not loaded yet waits in the catalogue and goes to Gymnasium's registry the moment
Gymnasium is imported, by anyone (:func:`make`, an env module, or the user's own
``import gymnasium``). Either order of ``import envs`` and ``import gymnasium`` therefore leaves
every telic ID in ``gymnasium.registry``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from telic.errors import TelicError, UnknownNameError
from telic.registry import Registry

if TYPE_CHECKING:
    import importlib.machinery

    import gymnasium as gym

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
    extra_known=lambda: list(_gymnasium().registry),
)

#: Catalogue entries not yet in Gymnasium's registry (registered before Gymnasium was loaded).
_PENDING: dict[str, RegisteredEnv] = {}
_PENDING_LOCK = threading.Lock()


def _gymnasium() -> ModuleType:
    """Gymnasium, imported on first need (its import hands over the pending IDs)."""
    import gymnasium

    _hand_over()  # in case Gymnasium was imported before the hook was installed
    return gymnasium


def _hand_over() -> None:
    """Register every pending entry with Gymnasium (which must be loaded)."""
    from gymnasium.envs.registration import register

    with _PENDING_LOCK:
        entries = list(_PENDING.values())
        _PENDING.clear()
    for entry in entries:
        register(id=entry.id, entry_point=entry.entry_point, kwargs=dict(entry.kwargs))


class _HandOverOnImport:
    """Runs :func:`_hand_over` right after the ``gymnasium`` package has been executed.

    A finder on ``sys.meta_path`` (importlib's protocol: an object with ``find_spec``): it
    finds Gymnasium's spec with the other finders and wraps that loader's ``exec_module`` for
    this one import; the module, its spec and its loader stay Gymnasium's own.
    """

    def __init__(self) -> None:
        self._searching = threading.local()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "gymnasium" or getattr(self._searching, "active", False):
            return None
        self._searching.active = True
        try:
            spec = importlib.util.find_spec(fullname)  # the other finders' answer
        finally:
            self._searching.active = False
        loader = spec.loader if spec is not None else None
        if loader is None:
            return spec
        exec_module = loader.exec_module

        def exec_then_hand_over(module: ModuleType) -> None:
            try:
                exec_module(module)
            finally:
                with contextlib.suppress(AttributeError):
                    del loader.exec_module  # type: ignore[method-assign]
            _remove_hook()
            _hand_over()

        # a loader that cannot be wrapped leaves the pending IDs to the next make()
        with contextlib.suppress(AttributeError):
            loader.exec_module = exec_then_hand_over  # type: ignore[method-assign]
        return spec


_HOOK = _HandOverOnImport()


def _remove_hook() -> None:
    with contextlib.suppress(ValueError):
        sys.meta_path.remove(_HOOK)


def _to_gymnasium(entry: RegisteredEnv) -> None:
    """Register ``entry`` with Gymnasium now if it is loaded, else when it is imported."""
    with _PENDING_LOCK:
        _PENDING[entry.id] = entry
    if "gymnasium.envs.registration" in sys.modules:
        _hand_over()
    elif _HOOK not in sys.meta_path:
        sys.meta_path.insert(0, _HOOK)


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
    entry = RegisteredEnv(env_id, entry_point, description, dict(kwargs or {}), source)
    _to_gymnasium(entry)
    _CATALOGUE.register(env_id, entry)


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


def make(env_id: str, **kwargs: Any) -> gym.Env[Any, Any]:
    """``gymnasium.make`` for a telic (or plugin) ID, with a clear error for unknown IDs."""
    gymnasium = _gymnasium()
    if env_id not in gymnasium.registry:
        env_entry(env_id)  # raises with a suggestion, or loads the plugin that defines it
    env: gym.Env[Any, Any] = gymnasium.make(env_id, **kwargs)
    return env
