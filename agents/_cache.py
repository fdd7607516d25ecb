"""An on-disk cache of LLM calls (SQLite), for cheap re-runs and exact offline replays.

The key of a call is a hash of the model spec, the messages sent, the tools bound, the
sampling options and the sample index. The value is the response: content, tool calls, token
usage and any reasoning the provider returned.

Modes:

* ``off``: never read or write.
* ``read_write``: answer from the cache when possible, otherwise call the model and store.
* ``replay``: answer only from the cache and never call the model. A miss raises
  :class:`~agents.CacheMissError` saying how the call differs from the nearest recorded one.

One cache object may be shared by many concurrent coroutines or threads of one process.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from agents._errors import CacheMissError

if TYPE_CHECKING:
    import sqlite3

    from langchain_core.messages import AIMessage, BaseMessage

CacheMode = Literal["off", "read_write", "replay"]
CACHE_MODES: tuple[str, ...] = ("off", "read_write", "replay")
_REASONING_KEYS = ("reasoning_content", "reasoning")


def _message_json(message: BaseMessage) -> dict[str, Any]:
    data: dict[str, Any] = {"role": message.type, "content": message.content}
    calls = getattr(message, "tool_calls", None)
    if calls:
        data["tool_calls"] = [
            {"id": c.get("id"), "name": c["name"], "args": c["args"]} for c in calls
        ]
    invalid = getattr(message, "invalid_tool_calls", None)
    if invalid:
        data["invalid_tool_calls"] = [
            {"id": c.get("id"), "name": c.get("name"), "args": c.get("args")} for c in invalid
        ]
    call_id = getattr(message, "tool_call_id", None)
    if call_id:
        data["tool_call_id"] = call_id
    return data


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class CacheKey:
    """The parts that identify one model call."""

    spec: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None
    options: dict[str, Any]
    sample_index: int

    @classmethod
    def of(
        cls,
        spec: str,
        messages: Sequence[BaseMessage],
        tools: Sequence[Mapping[str, Any]] | None,
        options: Mapping[str, Any],
        sample_index: int,
    ) -> CacheKey:
        """Build the key of a call (everything made JSON-ready)."""
        return cls(
            spec=spec,
            messages=json.loads(_dumps([_message_json(m) for m in messages])),
            tools=json.loads(_dumps(list(tools))) if tools else None,
            options=json.loads(_dumps(dict(options))),
            sample_index=int(sample_index),
        )

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON of every part (computed once per key: a lookup and the
        store that follows a miss share it)."""
        payload = _dumps([self.spec, self.messages, self.tools, self.options, self.sample_index])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _snippet(value: Any, other: Any) -> str:
    a, b = _dumps(value), _dumps(other)
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, i - 20)
    return f"now {a[start : i + 40]!r} vs recorded {b[start : i + 40]!r}"


def describe_difference(now: CacheKey, recorded: CacheKey) -> str:
    """Say which part of ``now`` differs from ``recorded``, most significant first."""
    parts = []
    common = 0
    for a, b in zip(now.messages, recorded.messages, strict=False):
        if a != b:
            break
        common += 1
    if common < min(len(now.messages), len(recorded.messages)):
        role = now.messages[common].get("role")
        parts.append(
            f"message {common} ({role}) differs: "
            f"{_snippet(now.messages[common], recorded.messages[common])}"
        )
    elif len(now.messages) != len(recorded.messages):
        parts.append(
            f"the call has {len(now.messages)} messages, the recorded one "
            f"{len(recorded.messages)} (the first {common} agree)"
        )
    if now.tools != recorded.tools:
        parts.append("tools differ")
    if now.options != recorded.options:
        diffs = []
        for name in sorted(set(now.options) | set(recorded.options)):
            a = now.options.get(name, "unset")
            b = recorded.options.get(name, "unset")
            if a != b:
                diffs.append(f"{name} {a} vs {b}")
        parts.append("options differ: " + ", ".join(diffs))
    if now.sample_index != recorded.sample_index:
        parts.append(f"sample index differs: {now.sample_index} vs {recorded.sample_index}")
    return "; ".join(parts) or "the keys are equal (the response row is missing)"


class LLMCache:
    """SQLite-backed cache of model calls (see the module docstring).

    Args:
        path: The database file (created with its folder if missing).
        mode: ``off``, ``read_write`` (default) or ``replay``.
    """

    def __init__(self, path: str | Path, mode: CacheMode = "read_write") -> None:
        if mode not in CACHE_MODES:
            raise ValueError(f"cache mode must be one of {list(CACHE_MODES)}, got {mode!r}")
        self.path = Path(path)
        self.mode: CacheMode = mode
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        if mode != "off":
            import sqlite3  # here: commands that never open a cache start without it

            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), check_same_thread=False)
            with self._lock:
                self._conn.execute(
                    "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, spec TEXT, "
                    "messages TEXT, tools TEXT, options TEXT, sample_index INTEGER, "
                    "response TEXT, created REAL)"
                )
                self._conn.execute("CREATE INDEX IF NOT EXISTS calls_spec ON calls(spec)")
                self._conn.commit()

    def __repr__(self) -> str:
        return f"LLMCache({str(self.path)!r}, mode={self.mode!r})"

    def __len__(self) -> int:
        if self._conn is None:
            return 0
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def get(self, key: CacheKey) -> AIMessage | None:
        """The cached response of ``key``; ``None`` on a miss (``replay`` mode raises)."""
        if self._conn is None:
            if self.mode == "replay":
                raise CacheMissError(f"the cache {self.path} is closed")
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT response FROM calls WHERE key = ?", (key.digest,)
            ).fetchone()
        if row is not None:
            return _response_message(json.loads(row[0]))
        if self.mode == "replay":
            raise CacheMissError(self._miss_message(key))
        return None

    def put(self, key: CacheKey, message: BaseMessage) -> None:
        """Store the response of ``key`` (no-op unless the mode is ``read_write``)."""
        if self.mode != "read_write" or self._conn is None:
            return
        row = (
            key.digest,
            key.spec,
            _dumps(key.messages),
            _dumps(key.tools),
            _dumps(key.options),
            key.sample_index,
            _dumps(_response_json(message)),
            time.time(),
        )
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO calls VALUES (?,?,?,?,?,?,?,?)", row)
            self._conn.commit()

    def _miss_message(self, key: CacheKey) -> str:
        conn = self._conn
        if conn is None:
            return f"the cache {self.path} is closed"
        with self._lock:
            rows = conn.execute(
                "SELECT messages, tools, options, sample_index FROM calls WHERE spec = ?",
                (key.spec,),
            ).fetchall()
            specs = [r[0] for r in conn.execute("SELECT DISTINCT spec FROM calls")]
        head = f"replay-only cache {self.path} has no recorded call for this request"
        if not rows:
            known = ", ".join(sorted(specs)) or "none"
            return f"{head}: nothing recorded for model {key.spec!r} (recorded models: {known})"
        best: tuple[Any, ...] | None = None
        best_key: CacheKey | None = None
        for messages, tools, options, sample in rows:
            cand = CacheKey(key.spec, json.loads(messages), json.loads(tools),
                            json.loads(options), int(sample))  # fmt: skip
            prefix = 0
            for a, b in zip(key.messages, cand.messages, strict=False):
                if a != b:
                    break
                prefix += 1
            score = (
                prefix,
                -abs(len(cand.messages) - len(key.messages)),
                cand.tools == key.tools,
                cand.options == key.options,
                cand.sample_index == key.sample_index,
            )
            if best is None or score > best:
                best, best_key = score, cand
        nearest = describe_difference(key, best_key) if best_key is not None else "none"
        return f"{head}; nearest recorded call for {key.spec!r}: {nearest}"


def _response_json(message: BaseMessage) -> dict[str, Any]:
    extra = getattr(message, "additional_kwargs", {}) or {}
    return {
        "content": message.content,
        "tool_calls": [dict(c) for c in getattr(message, "tool_calls", []) or []],
        "invalid_tool_calls": [dict(c) for c in getattr(message, "invalid_tool_calls", []) or []],
        "usage_metadata": dict(getattr(message, "usage_metadata", None) or {}),
        "additional_kwargs": {k: extra[k] for k in _REASONING_KEYS if k in extra},
    }


def _response_message(data: Mapping[str, Any]) -> AIMessage:
    from langchain_core.messages import AIMessage

    return AIMessage(
        content=data["content"],
        tool_calls=data.get("tool_calls", []),
        invalid_tool_calls=data.get("invalid_tool_calls", []),
        usage_metadata=data.get("usage_metadata") or None,
        additional_kwargs=dict(data.get("additional_kwargs", {})),
    )
