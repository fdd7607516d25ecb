"""The scenario files shipped with telic, found by name from any folder.

``telic run quickstart`` and ``telic validate paper_gd`` name a bundled scenario; a path that
exists always wins over a bundled name, and the path the docs use (``scenarios/quickstart.yaml``)
also finds the bundled file when it is run outside a checkout.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import yaml

from scenarios._load import ScenarioError

BUNDLED_DIR = Path(__file__).parent
"""The folder of the bundled scenario files (inside the installed ``scenarios`` package)."""


@dataclass(frozen=True)
class BundledScenario:
    """One bundled scenario file."""

    name: str
    """The name to give on the command line (the file name without ``.yaml``)."""
    path: Path
    """Where the file is."""
    description: str
    """The scenario's ``description`` (first sentence), for listings."""


def bundled_names() -> list[str]:
    """Names of the bundled scenarios, sorted."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.yaml"))


def bundled_scenarios() -> list[BundledScenario]:
    """The bundled scenarios with their descriptions."""
    found = []
    for name in bundled_names():
        path = BUNDLED_DIR / f"{name}.yaml"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):  # a broken bundled file is listed, not fatal
            data = {}
        text = " ".join(str(data.get("description", "")).split())
        first = text.split(". ")[0].rstrip(".")
        found.append(BundledScenario(name=name, path=path, description=first))
    return found


def resolve_scenario(arg: str | Path) -> Path:
    """The scenario file ``arg`` names: an existing path, or a bundled scenario's name.

    Raises:
        ScenarioError: when ``arg`` is neither, with the bundled names that are close.
    """
    path = Path(arg)
    if path.exists():
        return path
    text = str(arg)
    stem = text.removesuffix(".yaml").removesuffix(".yml")
    names = bundled_names()
    if stem in names:
        return BUNDLED_DIR / f"{stem}.yaml"
    # the docs' spelling, scenarios/<name>.yaml, also works outside a checkout
    if path.parent.name == "scenarios" and path.stem in names and path.suffix in (".yaml", ".yml"):
        return BUNDLED_DIR / f"{path.stem}.yaml"
    close = difflib.get_close_matches(Path(stem).name, names, n=2, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ScenarioError(
        f"scenario file {text!r} does not exist and is not a bundled scenario.{hint} "
        f"Bundled: {', '.join(names)} (telic scenarios lists them)"
    )
