"""The import rule of docs/architecture.md, checked from the code.

Layers, bottom to top: ``telic`` < ``envs`` < {``agents``, ``metrics``, ``personalization``}
< ``scenarios``. A module may import its own package and the layers below it; the middle
packages do not import each other, except that ``personalization`` may use ``agents``' public
API (it calls models). Across packages only public modules are imported (no ``pkg._private``
module and no ``from pkg import _private``), and nothing looks a sibling package up with
``getattr``. Every import counts: module level, inside functions and under ``TYPE_CHECKING``,
and ``importlib.import_module`` with a literal name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RANK = {
    "telic": 0,
    "envs": 1,
    "agents": 2,
    "metrics": 2,
    "personalization": 2,
    "scenarios": 3,
}
#: The console-script entry (``telic = telic.__main__:main``) runs the CLI: it sits on top.
ENTRY_MODULES = {"telic/__main__.py": 4}
#: (importer, imported) pairs allowed although they sit on one layer.
SIDEWAYS = {("personalization", "agents")}
#: Deprecated aliases of moved modules: they name the new home as a string (resolved lazily
#: with a DeprecationWarning) and may hold nothing else; removed in telic 0.3.
DEPRECATED_ALIASES = {"envs/users.py", "envs/personalized.py"}


def _modules() -> list[Path]:
    return sorted(p for pkg in RANK for p in (ROOT / pkg).rglob("*.py") if ".venv" not in p.parts)


def _imports(tree: ast.AST) -> list[tuple[int, str, list[str]]]:
    """``(line, module, imported names)`` of every import in ``tree``."""
    found: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module, [a.name for a in node.names]))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value, []))
    return found


def _package_aliases(tree: ast.AST) -> dict[str, str]:
    """Local names bound to a telic package by ``import pkg`` / ``import pkg as x``."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in RANK and alias.asname is None:
                    names[top] = top
                elif top in RANK and alias.asname:
                    names[alias.asname] = alias.name.split(".")[0]
    return names


def violations(path: Path) -> list[str]:
    """Every breach of the import rule in one module, as ``file:line: what``."""
    rel = path.relative_to(ROOT).as_posix()
    own = rel.split("/")[0]
    own_rank = ENTRY_MODULES.get(rel, RANK.get(own, 0))
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
    found = []
    for line, module, names in _imports(tree):
        parts = module.split(".")
        other = parts[0]
        if other not in RANK or other == own:
            continue
        where = f"{rel}:{line}"
        if RANK[other] >= own_rank and (own, other) not in SIDEWAYS:
            found.append(
                f"{where}: {own} (layer {own_rank}) imports {module} (layer {RANK[other]})"
            )
        if any(p.startswith("_") for p in parts[1:]):
            found.append(f"{where}: private module {module} of another package")
        # dunders such as __version__ are public by convention
        private = [n for n in names if n.startswith("_") and not n.endswith("__")]
        if private:
            found.append(f"{where}: private name(s) {private} imported from {module}")
    aliases = _package_aliases(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and node.args
            and isinstance(node.args[0], ast.Name)
            and aliases.get(node.args[0].id, own) != own
        ):
            found.append(f"{rel}:{node.lineno}: {node.func.id} on package {node.args[0].id}")
    return found


def test_every_module_follows_the_import_rule() -> None:
    modules = _modules()
    assert len(modules) > 100  # the walk found the packages
    found = [v for path in modules for v in violations(path)]
    assert not found, "import rule (docs/architecture.md) broken:\n" + "\n".join(found)


@pytest.mark.parametrize("rel", sorted(DEPRECATED_ALIASES))
def test_deprecated_aliases_only_forward(rel: str) -> None:
    """The alias modules hold the forwarding ``__getattr__`` and nothing else."""
    tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"))
    kinds = [type(node).__name__ for node in tree.body]
    assert kinds == ["Expr", "ImportFrom", "Assign"], kinds


@pytest.mark.parametrize(
    ("rel", "source", "expected"),
    [
        ("envs/x.py", "import scenarios\n", "layer"),
        ("envs/x.py", "def f():\n    from personalization import get_user\n", "layer"),
        ("metrics/x.py", "from agents import make_model\n", "layer"),
        ("personalization/x.py", "from agents import make_model\n", None),
        ("scenarios/x.py", "from envs._policy import Policy\n", "private module"),
        ("scenarios/x.py", "import envs.blocksworld._configs as c\n", "private module"),
        ("scenarios/x.py", "from personalization import _types\n", "private name"),
        ("scenarios/x.py", "import personalization\ngetattr(personalization, 'x')\n", "getattr"),
        ("scenarios/x.py", "import importlib\nimportlib.import_module('envs._x')\n", "private"),
        ("scenarios/x.py", "from scenarios._load import load\n", None),
        ("scenarios/x.py", "from telic import __version__\n", None),
    ],
)
def test_the_checker_catches_breaches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rel: str, source: str, expected: str | None
) -> None:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    found = violations(path)
    if expected is None:
        assert found == []
    else:
        assert found and expected in found[0], found
