"""Validation of environments' keyword arguments, shared by every telic environment.

Bad settings fail when the environment is made, with the argument's name, the value and what is
allowed, never later at ``reset`` or ``step``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def require_int(name: str, value: Any) -> int:
    """Reject a non-integer keyword argument (bools and floats such as 1.0 included)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(value)


def check_int(name: str, value: Any, low: int, high: int, why: str = "") -> int:
    """Validate an integer keyword argument (bools are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name} must be an integer between {low} and {high}, got {value!r}")
    if not low <= int(value) <= high:
        raise ValueError(f"{name} must be between {low} and {high}{why}, got {value!r}")
    return int(value)


def check_float(name: str, value: Any, low: float, high: float) -> float:
    """Validate a real-valued keyword argument in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ValueError(f"{name} must be a number between {low} and {high}, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{name} must be a number between {low} and {high}, got {value!r}")
    return number
