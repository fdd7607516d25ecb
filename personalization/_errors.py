"""The errors of the personalization package (re-exported by :mod:`personalization._types`)."""

from __future__ import annotations

import telic
from telic import TelicError, unknown_name


class PersonalizationError(TelicError, ValueError):
    """Bad input to a personalization function (the message says what and how to fix it)."""


class PersonalizationNameError(PersonalizationError, telic.UnknownNameError):
    """An unknown user, condition, control or model name (the message carries a
    did-you-mean): telic's :class:`~telic.UnknownNameError` for this package."""


def did_you_mean(
    value: str, known: list[str] | tuple[str, ...], what: str
) -> PersonalizationNameError:
    """The :class:`PersonalizationNameError` for an unknown ``value`` among ``known``."""
    error = unknown_name(what, value, known, error=PersonalizationNameError)
    assert isinstance(error, PersonalizationNameError)  # for the type checker: built as asked
    return error
