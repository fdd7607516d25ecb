"""Fixtures of the personalization tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from hyperalign_fakes import FIXTURES


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
