"""What failed in a run, in one line: the error kinds of errored episodes, the stop conditions
of ``--fail-fast`` and ``--cost-limit``, and the exit code they lead to.

An episode that ended in an error carries ``errors[-1] = {"kind", "message"}``; provider
failures have the kinds of :func:`agents.classify_error`'s family (``connection``,
``timeout``, ``rate_limit``, ``server``, ``malformed``, ``client``). A ``client`` failure whose
message names an authentication or permission error is reported as ``authentication``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from envs import EpisodeRecord
from scenarios._terminal import escape_controls

#: Failure kinds after which playing more episodes only repeats the failure.
FATAL_KINDS = frozenset({"authentication", "connection"})
_AUTH_WORDS = ("AuthenticationError", "PermissionDeniedError", "401", "403", "invalid api key")


def failure_kind(record: EpisodeRecord | dict[str, Any]) -> str | None:
    """The kind of failure an errored episode ended with (``None`` if it did not fail)."""
    data = (
        record if isinstance(record, dict) else record.model_dump(include={"stop_reason", "errors"})
    )
    if data.get("stop_reason") != "error":
        return None
    errors = data.get("errors") or [{}]
    last = errors[-1]
    kind = str(last.get("kind") or "error")
    message = str(last.get("message") or "")
    if kind == "client" and any(word.lower() in message.lower() for word in _AUTH_WORDS):
        return "authentication"
    return kind


def _message(record: EpisodeRecord) -> str:
    errors = record.errors or [{}]
    text = " ".join(str(errors[-1].get("message") or "").split())
    return escape_controls(text if len(text) <= 160 else text[:157] + "...")


def failure_line(records: Sequence[EpisodeRecord], played: int) -> str:
    """``N of M episodes ended in an error: 3 connection, 1 timeout; first: <message>``."""
    kinds = Counter(failure_kind(r) or "error" for r in records)
    counts = ", ".join(f"{n} {kind}" for kind, n in kinds.most_common())
    first = f"; first ({records[0].episode_id}): {_message(records[0])}" if records else ""
    return f"{len(records)} of {played} episodes played ended in an error ({counts}){first}"


def stop_condition(
    *, fail_fast: bool, cost_limit: float | None
) -> Callable[[EpisodeRecord, Any], str | None] | None:
    """The runner's ``stop_when`` for ``--fail-fast`` and ``--cost-limit`` (None: neither)."""
    if not fail_fast and cost_limit is None:
        return None

    def stop_when(record: EpisodeRecord, stats: Any) -> str | None:
        kind = failure_kind(record)
        if fail_fast and kind in FATAL_KINDS:
            return f"--fail-fast: episode {record.episode_id} failed with a {kind} error: " + (
                _message(record)
            )
        if cost_limit is not None and stats.cost_usd >= cost_limit:
            return (
                f"--cost-limit: the episodes played cost ${stats.cost_usd:.2f} >= ${cost_limit:g}"
            )
        return None

    return stop_when


def too_many_errors(errors: int, played: int, max_error_rate: float) -> bool:
    """Whether ``errors`` of ``played`` episodes exceed ``max_error_rate`` (0: any error)."""
    if errors == 0 or played == 0:
        return False
    return errors / played > max_error_rate
