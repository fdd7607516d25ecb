"""What the plugin examples' tests share: run the CLI as a user would, install a plugin's entry
points without pip, and read a walk-through's excerpts of the example files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_telic(
    args: list[str], *, pythonpath: list[Path], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``python -m telic ARGS`` in a fresh process with only ``pythonpath`` added."""
    variables = dict(os.environ)
    variables["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    variables["LANGCHAIN_TRACING_V2"] = "false"
    variables.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "telic", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=variables,
        timeout=1500,  # a hang, not a busy machine (see the test modules' limits)
    )


def install_entry_points(folder: Path, dist: str, entry_points: str) -> None:
    """Leave in ``folder`` the dist-info an installed package leaves behind: importlib finds
    its entry points (``entry_points``, in ``entry_points.txt`` syntax) exactly as for a
    pip-installed plugin once ``folder`` is on ``sys.path``."""
    info = folder / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


def doc_excerpts(doc: Path) -> list[tuple[str, list[str]]]:
    """``(path, non-blank lines)`` of every code block of ``doc`` whose first line is a
    ``# examples/...`` comment naming the file it is taken from."""
    found = []
    for block in re.findall(r"```(?:python|toml|yaml)\n(.*?)```", doc.read_text(), re.DOTALL):
        lines = block.splitlines()
        if lines and re.match(r"# examples/\S+$", lines[0]):
            found.append((lines[0][2:], [ln for ln in lines[1:] if ln.strip()]))
    return found


def excerpt_matches(path: str, lines: list[str]) -> bool:
    """Whether ``lines`` are a run of consecutive non-blank lines of the repository file
    ``path`` (blank lines ignored)."""
    content = [ln for ln in (REPO / path).read_text().splitlines() if ln.strip()]
    n = len(lines)
    return any(content[i : i + n] == lines for i in range(len(content) - n + 1))
