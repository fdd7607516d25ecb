"""Moved names keep working for one release, with a warning that says where they went.

A module whose public names moved replaces them with :func:`moved_names`'s ``__getattr__``
(PEP 562): the old import still resolves, imports the new home lazily and emits a
``DeprecationWarning`` naming the new import. Removal is planned for the release after next.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

#: The release in which the deprecated aliases are removed.
REMOVED_IN = "0.3"


def moved_names(
    old_module: str,
    moves: Mapping[str, str] | None = None,
    *,
    new_module: str | None = None,
    names: Iterable[str] | None = None,
    stacklevel: int = 2,
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that resolves moved names with a ``DeprecationWarning``.

    Args:
        old_module: the module the names used to live in (``__name__`` of the caller).
        moves: ``{old name: "new.module:new_name"}`` for names that moved one by one.
        new_module: a module every other public name moved to as a whole (a moved package).
        names: restrict ``new_module`` to these names (default: any public name it has).
        stacklevel: of the warning (3 when a module's own ``__getattr__`` calls this one).
    """
    table = dict(moves or {})
    allowed = set(names) if names is not None else None

    def __getattr__(name: str) -> Any:
        target = table.get(name)
        public = new_module is not None and not name.startswith("_")
        if target is None and public and (allowed is None or name in allowed):
            target = f"{new_module}:{name}"
        if target is None:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}")
        module_name, _, attr = target.partition(":")
        try:
            value = getattr(importlib.import_module(module_name), attr)
        except AttributeError:
            raise AttributeError(f"module {old_module!r} has no attribute {name!r}") from None
        warnings.warn(
            f"{old_module}.{name} moved: import {attr} from {module_name} instead "
            f"(the old name is removed in telic {REMOVED_IN})",
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        return value

    return __getattr__


def lazy_exports(
    namespace: dict[str, Any],
    exports: Mapping[str, str],
    fallback: Callable[[str], Any] | None = None,
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports public names on first use, then moved ones.

    Args:
        namespace: the package's ``globals()``; a name is stored there once imported, so the
            next lookup does not come back here.
        exports: ``{public name: module that defines it}``.
        fallback: called for any other name, usually the :func:`moved_names` of the package;
            without one, any other name is an ``AttributeError``.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            if fallback is None:
                raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
            return fallback(name)
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
