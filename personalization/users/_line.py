"""The machine-readable preference line of a personalization block.

A personalization block (``personalization.render_block``) that carries structured hypotheses
ends with one line ``telic-preferences: {json}``: the claims as a JSON object. Scripted policies
that read the system prompt find it with :func:`parse_preference_line`; a language model reads
the same line as plain text. Malformed lines are ignored (the prompt may hold anything).

>>> line = format_preference_line({"measurement_cost": "high"})
>>> line
'telic-preferences: {"measurement_cost": "high"}'
>>> parse_preference_line("some text\\n" + line)
{'measurement_cost': 'high'}
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PREFERENCES_PREFIX = "telic-preferences: "


def format_preference_line(claims: Mapping[str, Any]) -> str:
    """``telic-preferences: {...}`` with the claims in the given order (JSON, ASCII only)."""
    return PREFERENCES_PREFIX + json.dumps(dict(claims), ensure_ascii=True)


def parse_preference_line(text: str | None) -> dict[str, str] | None:
    """The claims of the last well-formed preference line in ``text``; ``None`` if none.

    Values are kept only when they are strings, numbers or booleans (as strings).
    """
    if not text:
        return None
    for line in reversed(text.splitlines()):
        stripped = line.strip()
        if not stripped.startswith(PREFERENCES_PREFIX.strip()):
            continue
        body = stripped[len(PREFERENCES_PREFIX.strip()) :].strip()
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            return {
                str(k): str(v)
                for k, v in data.items()
                if isinstance(v, str | int | float | bool) and not isinstance(v, dict)
            }
    return None
