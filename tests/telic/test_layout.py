"""The layout guard: telic refuses to run when a generic package name is someone else's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from telic import ForeignPackageError, verify_layout
from telic._layout import PACKAGES

REPO = Path(__file__).resolve().parents[2]


def test_own_packages_pass() -> None:
    verify_layout()  # raises if any of them is not telic's


@pytest.mark.parametrize("name", ["envs", "agents", "metrics"])
def test_shadowing_package_is_named_in_the_error(tmp_path: Path, name: str) -> None:
    fake = tmp_path / name
    fake.mkdir()
    (fake / "__init__.py").write_text("VALUE = 'somebody else'\n")
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from telic._layout import verify_layout, ForeignPackageError\n"
        "try:\n"
        "    verify_layout()\n"
        "except ForeignPackageError as exc:\n"
        "    print(exc)\n"
        "    raise SystemExit(3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 3, result.stderr
    assert f"'{name}' resolves to" in result.stdout
    assert str(fake / "__init__.py") in result.stdout
    assert "uninstall" in result.stdout


def test_console_script_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    fake = tmp_path / "metrics"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "from telic.__main__ import main\n"
        "raise SystemExit(main(['envs']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert result.returncode == 2
    assert "'metrics' resolves to" in result.stderr


def test_every_package_carries_the_marker() -> None:
    for name in PACKAGES:
        head = (REPO / name / "__init__.py").read_text()
        assert "__telic_package__ = True" in head, name


def test_error_type_is_an_import_error() -> None:
    assert issubclass(ForeignPackageError, ImportError)
