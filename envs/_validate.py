"""Validation of environments' keyword arguments, shared by every telic environment.

Bad settings fail when the environment is made, with the argument's name, the value and what is
allowed, never later at ``reset`` or ``step``.
"""

from __future__ import annotations

import math
import sys
from typing import Any


def _is_int(value: Any) -> bool:
    """An int or a numpy integer, not a bool (numpy is not imported for the check: a value
    cannot be a numpy integer unless numpy is loaded)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.integer)


def _is_real(value: Any) -> bool:
    """An int, a float or a numpy integer or floating-point number, not a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(value, numpy.integer | numpy.floating)


def require_int(name: str, value: Any) -> int:
    """Reject a non-integer keyword argument (bools and floats such as 1.0 included)."""
    if not _is_int(value):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


def check_int(name: str, value: Any, low: int, high: int, why: str = "") -> int:
    """Validate an integer keyword argument (bools are not integers here)."""
    if not _is_int(value):
        raise ValueError(f"{name} must be an integer between {low} and {high}, got {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"{name} must be between {low} and {high}{why}, got {value!r}")
    return int(value)


def check_float(name: str, value: Any, low: float, high: float) -> float:
    """Validate a real-valued keyword argument in ``[low, high]``."""
    if not _is_real(value):
        raise ValueError(f"{name} must be a number between {low} and {high}, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{name} must be a number between {low} and {high}, got {value!r}")
    return number
