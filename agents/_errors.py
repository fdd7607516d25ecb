"""The typed errors of the agent runtime.

Programmer and configuration errors (a misspelt model spec, a missing API key, a missing extra,
a replay cache that lacks a call) raise these, with the offending value and how to fix it.
Provider failures that survive the retry layer raise :class:`ProviderError` inside the runtime,
which turns them into an episode that stops with ``stop_reason="error"``: they never escape
:func:`agents.run_episode`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from telic import TelicError, UnknownNameError, suggestion


class ModelSpecError(TelicError, ValueError):
    """A model spec string the runtime cannot resolve (unknown provider, malformed spec)."""


class UnknownProviderError(ModelSpecError, UnknownNameError):
    """A model spec whose provider nobody registered (the message suggests close names)."""


class MissingAPIKeyError(TelicError, RuntimeError):
    """The provider needs an API key and its environment variable is not set."""

    def __init__(self, variable: str, spec: str) -> None:
        self.variable = variable
        """Name of the environment variable that should hold the key."""
        super().__init__(
            f"model {spec!r} needs an API key: set the environment variable {variable} "
            f"(or pass api_key=... to make_model)"
        )


class MissingExtraError(TelicError, ImportError):
    """An optional dependency (a pip extra) is not installed."""


class CacheMissError(TelicError, LookupError):
    """A replay-only LLM cache has no response recorded for a call."""

    def __str__(self) -> str:
        return str(self.args[0])


class ProviderError(TelicError, RuntimeError):
    """A model call that failed for good (retries exhausted or a non-retryable error)."""

    def __init__(self, kind: str, message: str, *, retries: Sequence[dict[str, Any]] = ()) -> None:
        self.kind = kind
        """Failure class: ``rate_limit``, ``server``, ``timeout``, ``connection``,
        ``malformed`` or ``client`` (a non-retryable 4xx)."""
        self.retries = list(retries)
        """The retries made before giving up: ``{"attempt", "error", "wait_s"}``."""
        super().__init__(message)


class BudgetConfigError(TelicError, ValueError):
    """A budget that cannot be enforced, e.g. a cost limit for a model without a price."""


def did_you_mean(value: str, known: Sequence[str]) -> str:
    """A `` Did you mean 'x'?`` suffix (empty when nothing is close): telic's one helper."""
    return suggestion(value, known)
