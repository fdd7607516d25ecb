"""telic's error family: one base class, and one error for every unknown name.

Every exception telic raises on purpose derives from :class:`TelicError`, so a caller can catch
them all; each also keeps the builtin base it always had (``ValueError``, ``KeyError``,
``ImportError``...), so ``except ValueError`` code keeps working. Unknown names in any
registry (environments, policies, users, providers, GD declarations, conditions...) raise
:class:`UnknownNameError`, built by :func:`unknown_name`, whose message reads the same
everywhere: what was unknown, the closest known names, and how to fix it.

>>> str(unknown_name("scripted policy", "orcale", ["oracle", "random"]))
"unknown scripted policy 'orcale'. Did you mean 'oracle'? Known: oracle, random."
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TelicError(Exception):
    """Base class of every error telic raises on purpose (bad input, unknown names, failed
    runs). The message says what was wrong and how to fix it."""


class UnknownNameError(TelicError, KeyError):
    """A name that no registry knows. The message carries a did-you-mean and the fix.

    Attributes:
        name: the unknown name.
        kind: what it should have named (``environment``, ``scripted policy``...).
        suggestions: the closest known names.
    """

    def __init__(
        self,
        message: str,
        *,
        name: str = "",
        kind: str = "",
        suggestions: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.name = name
        self.kind = kind
        self.suggestions = suggestions

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0]) if self.args else ""


def did_you_mean(value: str, known: Iterable[str], *, n: int = 3, cutoff: float = 0.5) -> list[str]:
    """The known names closest to ``value`` (``difflib``), best first; empty when none is close.

    >>> did_you_mean("Combind", ["Combined", "MeasureHeight"])
    ['Combined']
    """
    return difflib.get_close_matches(str(value), [str(k) for k in known], n=n, cutoff=cutoff)


def suggestion(value: str, known: Iterable[str], *, n: int = 3, cutoff: float = 0.5) -> str:
    """``" Did you mean 'a' or 'b'?"`` for the names close to ``value``, or ``""``."""
    close = did_you_mean(value, known, n=n, cutoff=cutoff)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def unknown_name(
    kind: str,
    value: str,
    known: Iterable[str],
    *,
    fix: str | None = None,
    list_known: bool = True,
    error: type[UnknownNameError] = UnknownNameError,
    n: int = 3,
    cutoff: float = 0.5,
) -> UnknownNameError:
    """The error for an unknown ``value`` of ``kind`` among ``known``.

    Args:
        kind: what the name should name, as the message says it (``environment``).
        value: the unknown name.
        known: the names that exist.
        fix: the sentence that says how to fix it (after the known names).
        list_known: list the known names (``Known: a, b.``); off when they are too many.
        error: the :class:`UnknownNameError` subclass to build.
        n: at most this many suggestions.
        cutoff: ``difflib`` similarity a suggestion needs.
    """
    names = [str(k) for k in known]
    close = tuple(did_you_mean(value, names, n=n, cutoff=cutoff))
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    known_part = f" Known: {', '.join(sorted(names)) or '(none)'}." if list_known else ""
    tail = known_part + (f" {fix}" if fix else "")
    return error(
        f"unknown {kind} {value!r}.{hint}{tail}",
        name=str(value),
        kind=kind,
        suggestions=close,
    )
