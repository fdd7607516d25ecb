"""One registry mechanism for every kind of named thing telic looks up.

A :class:`Registry` maps names to values (environment entries, policy factories, simulated
users, GD declarations, capabilities...) and gives every kind the same behaviour:

* **registration** with :meth:`Registry.register` (registering the same value again is a no-op;
  a different value under a taken name is an error unless ``replace=True``);
* **plugins**: the registry's entry-point group (``telic.envs``, ``telic.policies``) is loaded
  lazily, the first time a name is missing or the catalogue is listed; an entry point names a
  module whose import registers things, or a callable that does;
* **lazy values**: a value given as :func:`lazy("module:attribute") <lazy>` is imported on
  first use;
* **unknown names** raise :class:`~telic.errors.UnknownNameError` (or the subclass the registry
  names) with a did-you-mean and the fix.

>>> colours = Registry("colour", fix="Register one with add_colour().", list_known=False)
>>> colours.register("red", "#f00")
>>> colours.get("red")
'#f00'
>>> colours.get("rde")
Traceback (most recent call last):
  ...
telic.errors.UnknownNameError: unknown colour 'rde'. Did you mean 'red'? Register one with ...
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from telic.errors import TelicError, UnknownNameError, unknown_name

T = TypeVar("T")


class RegistrationError(TelicError, ValueError):
    """A name registered twice with different values."""


def load_object(target: str) -> Any:
    """The object a ``"module:attribute"`` (or ``"module"``) string names."""
    module_name, _, attr = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


class Registry(Generic[T]):
    """Named values of one kind, with plugins loaded lazily and did-you-mean errors.

    Args:
        kind: what a name names, as messages say it (``scripted policy``).
        group: the entry-point group of plugins that register into it (None: no plugins).
        fix: the sentence that ends an unknown-name message, saying how to fix it.
        list_known: whether the message lists the known names.
        error: the :class:`UnknownNameError` subclass raised for unknown names.
        extra_known: called for more names to suggest from (e.g. Gymnasium's own IDs).
    """

    def __init__(
        self,
        kind: str,
        *,
        group: str | None = None,
        fix: str | None = None,
        list_known: bool = True,
        error: type[UnknownNameError] = UnknownNameError,
        extra_known: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self.kind = kind
        self.group = group
        self.fix = fix
        self.list_known = list_known
        self.error = error
        self._extra_known = extra_known
        self._values: dict[str, Any] = {}
        self._docs: dict[str, str] = {}
        self._plugins_loaded = group is None

    # ------------------------------------------------------------------ registration
    def register(self, name: str, value: T | str, *, doc: str = "", replace: bool = False) -> None:
        """Register ``value`` (or a lazy ``"module:attribute"`` string) under ``name``.

        Raises:
            RegistrationError: ``name`` holds a different value and ``replace`` is False.
        """
        if not isinstance(name, str) or not name:
            raise RegistrationError(f"a {self.kind} name must be a non-empty string, got {name!r}")
        existing = self._values.get(name, _MISSING)
        if existing is not _MISSING and existing != value and not replace:
            raise RegistrationError(
                f"{self.kind} {name!r} is already registered ({existing!r}); register the new "
                "one under another name"
            )
        self._values[name] = value
        if doc and (replace or name not in self._docs):
            self._docs[name] = doc

    def setdefault(self, name: str, default: T) -> T:
        """The value of ``name``, registering ``default`` first when it has none (no plugins
        are loaded: this is for registration code)."""
        if name not in self._values:
            self._values[name] = default
        return self._resolve(name)

    def pop(self, name: str, default: Any = None) -> Any:
        """Remove ``name`` and return its value, or ``default`` (tests and interactive use)."""
        self._docs.pop(name, None)
        if name not in self._values:
            return default
        value = self._resolve(name)
        del self._values[name]
        return value

    # ------------------------------------------------------------------ plugins
    def load_plugins(self) -> list[str]:
        """Load every entry point of the group once; returns the entry-point names loaded."""
        if self._plugins_loaded or self.group is None:
            return []
        self._plugins_loaded = True
        loaded = []
        from importlib.metadata import entry_points  # deferred: costly, and rarely needed

        for ep in entry_points(group=self.group):
            target = ep.load()
            if callable(target):
                target()
            loaded.append(ep.name)
        return loaded

    # ------------------------------------------------------------------ lookup
    def __contains__(self, name: object) -> bool:
        """Whether ``name`` is registered now (plugins are not loaded)."""
        return name in self._values

    def get(self, name: str) -> T:
        """The value of ``name`` (plugins loaded if needed).

        Raises:
            UnknownNameError: (or the registry's subclass) with a did-you-mean and the fix.
        """
        if name not in self._values:
            self.load_plugins()
        if name not in self._values:
            raise self.unknown(name)
        return self._resolve(name)

    def peek(self, name: str) -> T | None:
        """The value of ``name`` if it is registered now, else None (plugins are not loaded:
        this is for registration code)."""
        return self._resolve(name) if name in self._values else None

    def find(self, name: str) -> T | None:
        """The value of ``name``, or None (plugins loaded if needed)."""
        if name not in self._values:
            self.load_plugins()
        return self._resolve(name) if name in self._values else None

    def unknown(self, name: str) -> UnknownNameError:
        """The error for an unknown ``name`` (for callers that check membership themselves)."""
        known = list(self._values)
        if self._extra_known is not None:
            known += [k for k in self._extra_known() if k not in self._values]
        return unknown_name(
            self.kind,
            str(name),
            known,
            fix=self.fix,
            list_known=self.list_known,
            error=self.error,
        )

    def names(self) -> list[str]:
        """Every registered name, sorted (plugins loaded)."""
        self.load_plugins()
        return sorted(self._values)

    def items(self) -> Iterator[tuple[str, T]]:
        """``(name, value)`` of every registration, sorted by name (plugins loaded)."""
        for name in self.names():
            yield name, self._resolve(name)

    def doc(self, name: str) -> str:
        """The one-line doc registered with ``name`` (empty when none)."""
        return self._docs.get(name, "")

    def _resolve(self, name: str) -> T:
        value = self._values[name]
        if isinstance(value, _Lazy):
            value = load_object(value.target)
            self._values[name] = value
        return value  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {len(self._values)} names)"


class _Lazy:
    """A value to import on first use (``Registry.register(name, lazy("m:attr"))``)."""

    __slots__ = ("target",)

    def __init__(self, target: str) -> None:
        self.target = target

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Lazy) and other.target == self.target

    def __hash__(self) -> int:
        return hash(self.target)

    def __repr__(self) -> str:
        return f"lazy({self.target!r})"


def lazy(target: str) -> Any:
    """A registry value imported the first time it is looked up: ``"module:attribute"``."""
    if ":" not in target:
        raise RegistrationError(f"a lazy value names 'module:attribute', got {target!r}")
    return _Lazy(target)


_MISSING = object()
