"""The examples in the metrics docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["metrics._configs", "metrics._stats"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
