"""Model text made safe for a terminal.

A model's reply (or a provider's error message quoting it) may hold control characters:
escape sequences that set the window title, clear the screen or move the cursor, and bidi
overrides that reorder what a reader sees. Everything telic prints from such text goes through
:func:`escape_controls`, which keeps newlines and tabs and shows every other control character
as a visible escape (``\\x1b``, ``\\u202e``).
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidi embedding/override/isolate
# characters (the "Trojan source" set).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with control characters other than ``\\n`` and ``\\t`` shown as escapes.

    >>> escape_controls("ok\\x1b]0;pwned\\x07 done")
    'ok\\\\x1b]0;pwned\\\\x07 done'
    >>> escape_controls("line one\\nline two")
    'line one\\nline two'
    """
    return _CONTROL.sub(_visible, text)
