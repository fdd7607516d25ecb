"""Detect when a generic top-level name resolves to a package that is not telic's.

telic ships its layers as top-level packages named ``envs``, ``agents``, ``metrics``,
``personalization`` and ``scenarios``. Those names are generic: another installed
distribution (or a folder on ``sys.path``) can shadow them. Every telic package calls
:func:`verify_layout` when it is imported, so a shadowed name fails at once with a message
that says which package was found where, instead of a confusing ``AttributeError`` later.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from telic.errors import TelicError

PACKAGES = ("envs", "agents", "personalization", "metrics", "scenarios")
_MARKER = "__telic_package__ = True"
_verified = False


class ForeignPackageError(TelicError, ImportError):
    """A telic package name resolves to a package that telic did not ship."""


def _is_telic_package(init_file: Path) -> bool:
    try:
        head = init_file.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return False
    return _MARKER in head


def verify_layout(names: tuple[str, ...] = PACKAGES) -> None:
    """Check that each name in ``names`` is telic's own package.

    The check uses ``importlib.util.find_spec``, which locates a module without importing
    it, and looks for the marker line every telic package carries in its ``__init__.py``.

    Raises:
        ForeignPackageError: naming the package, where it was found and how to fix it.
    """
    global _verified
    if _verified and names == PACKAGES:
        return
    problems = []
    for name in names:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__telic_package__", False):
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            problems.append(f"  - '{name}' cannot be found at all (telic is not installed?)")
            continue
        origin = Path(spec.origin)
        if origin.name != "__init__.py" or not _is_telic_package(origin):
            problems.append(f"  - '{name}' resolves to {origin}, which is not telic's package")
    if problems:
        raise ForeignPackageError(
            "telic's top-level packages are shadowed by other installed code:\n"
            + "\n".join(problems)
            + "\nFix: uninstall the other distribution that provides these names "
            "(`pip show -f <dist>` tells which), or run telic from a virtual environment "
            "of its own (`make install` creates .venv)."
        )
    if names == PACKAGES:
        _verified = True
