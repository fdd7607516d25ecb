"""One name per meaning across telic's packages.

Every public name (an entry of the ``__all__`` of a top-level package or of one of its public
submodules) names the same object wherever it is exported: a name two packages export with
different meanings would make ``from envs import X`` and ``from scenarios import X`` two
different things. Renamed names keep their old spelling for one release, with a warning.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from collections import defaultdict
from types import ModuleType
from typing import Any

import pytest

TOP_LEVEL = ("telic", "envs", "agents", "personalization", "metrics", "scenarios")


def _public_modules(package: str) -> list[ModuleType]:
    """The package and its public submodules that declare ``__all__``."""
    root = importlib.import_module(package)
    modules = [root]
    for info in pkgutil.walk_packages(root.__path__, f"{package}."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or parts[-1] in ("cli", "__main__"):
            continue
        module = importlib.import_module(info.name)
        if hasattr(module, "__all__"):
            modules.append(module)
    return modules


def _exports() -> dict[str, dict[str, list[tuple[str, Any]]]]:
    """name -> top-level package -> [(module, object)] for every public export."""
    found: dict[str, dict[str, list[tuple[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # __all__ lists no deprecated name
        for package in TOP_LEVEL:
            for module in _public_modules(package):
                for name in module.__all__:
                    found[name][package].append((module.__name__, getattr(module, name)))
    return found


def test_no_name_has_two_meanings_across_packages() -> None:
    clashes = []
    for name, by_package in sorted(_exports().items()):
        if len(by_package) < 2:
            continue
        objects = {id(obj): module for places in by_package.values() for module, obj in places}
        if len(objects) > 1:
            clashes.append(f"{name}: {', '.join(sorted(objects.values()))}")
    assert not clashes, "names exported with different meanings:\n" + "\n".join(clashes)


def test_the_check_sees_the_public_submodules() -> None:
    exports = _exports()
    assert "envs.blocksworld.extend" in {m for m, _ in exports["PolicyCapability"]["envs"]}
    assert "metrics" in exports["Capability"]  # the capability the GD method measures
    assert {"agents"} == set(exports["Budget"])


@pytest.mark.parametrize(
    ("module", "old", "new"),
    [
        ("envs", "EnvEntry", "RegisteredEnv"),
        ("envs.blocksworld.extend", "Capability", "PolicyCapability"),
        ("metrics", "Message", "AnalysisMessage"),
        ("personalization", "UnknownNameError", "PersonalizationNameError"),
        ("scenarios", "Budget", "BudgetSettings"),
        ("scenarios", "Analysis", "AnalysisSettings"),
    ],
)
def test_renamed_names_still_resolve_with_a_warning(module: str, old: str, new: str) -> None:
    package = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=rf"{module}\.{old} moved: import {new} from"):
        value = getattr(package, old)
    assert value is getattr(package, new)
    assert old not in package.__all__ and new in package.__all__
