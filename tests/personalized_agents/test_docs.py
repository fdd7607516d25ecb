"""docs/adding_a_simulated_user.md: its code blocks run as written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]
DOC = REPO / "docs" / "adding_a_simulated_user.md"


def _blocks() -> dict[str, str]:
    """Code blocks whose first line names a file (``# my_users.py``), by that file name."""
    found = {}
    for body in re.findall(r"```(?:python|yaml)\n(.*?)```", DOC.read_text(), re.S):
        first = body.splitlines()[0]
        if first.startswith("# ") and "." in first:
            found[first[2:].strip()] = body
    return found


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(cwd), str(REPO)])}
    env["LANGCHAIN_TRACING_V2"] = "false"
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("simulated_user_doc")
    for name, body in _blocks().items():
        (folder / name).write_text(body)
    return folder


def test_doc_has_the_three_files() -> None:
    assert set(_blocks()) == {"my_users.py", "try_my_user.py", "my_users.yaml"}


def test_try_script_runs_and_ranks_the_conditions(workdir: Path) -> None:
    done = _run([sys.executable, "try_my_user.py"], workdir)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert sum(line.startswith("Past session") for line in lines) == 3
    means = {
        m.group(1): float(m.group(2))
        for m in re.finditer(r"^(\S+): mean user reward (-?\d+\.\d+)$", done.stdout, re.M)
    }
    assert set(means) == {"none", "inferred:12", "oracle", "placebo"}
    assert means["oracle"] == max(means.values())
    assert means["placebo"] <= means["none"]
    assert means["none"] < means["inferred:12"]


def test_scenario_runs_with_the_plugin(workdir: Path) -> None:
    out = workdir / "run"
    done = _run(
        [sys.executable, "-m", "telic", "run", "my_users.yaml", "--out", str(out), "--no-progress"],
        workdir,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["personalization"]["conditions"]
    assert [r["condition"] for r in rows] == [
        "none",
        "inferred:4",
        "inferred:16",
        "oracle",
        "placebo",
    ]
    assert all(r["n_episodes"] == 4 for r in rows)
