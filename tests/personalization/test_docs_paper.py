"""docs/personalization.md, "HyPerAlign as the paper runs it": its examples run as written."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]
DOC = REPO / "docs" / "personalization.md"


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("## HyPerAlign as the paper runs it", 1)[1].split("\n## ", 1)[0]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "LANGCHAIN_TRACING_V2": "false"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_baseline_table_example_prints_the_table(tmp_path: Path) -> None:
    (body,) = re.findall(r"```python\n(# baseline_table\.py\n.*?)```", _section(), re.S)
    (tmp_path / "baseline_table.py").write_text(body, encoding="utf-8")
    done = _run([sys.executable, "baseline_table.py"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Win rate against ditto" in done.stdout and "CIs resample prompts" in done.stdout
    rows = re.findall(
        r"^\| synthetic \| demo \| hypotheses \| (\d+) \| ([\d.]+) \| \[", done.stdout, re.M
    )
    assert rows == [("6", "100.0")]


def test_bring_your_own_user_commands_run_offline(tmp_path: Path) -> None:
    (block,) = re.findall(r"```bash\n(mkdir -p me.*?)```", _section(), re.S)
    lines = block.replace("\\\n", " ").strip().splitlines()
    telic = [
        sys.executable,
        "-c",
        "import sys; from scenarios.cli import run_cli; sys.exit(run_cli(sys.argv[1:]))",
    ]
    for line in lines:
        if line.startswith("telic "):
            done = _run([*telic, *shlex.split(line)[1:]], tmp_path)
        else:
            done = subprocess.run(line, shell=True, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, (line, done.stderr)
    assert (tmp_path / "me.json").exists()
    written = done.stdout.strip()
    assert written and "Task:" not in written  # the last command printed the written text


def test_split_example_records_the_split_in_the_run(tmp_path: Path) -> None:
    """The published-protocol example on a corpus in CMCC's real layout (invented texts)."""
    from corpus_layouts import cmcc_layout

    section = _section()
    (script,) = re.findall(r"```python\n(# split_corpus\.py.*?)```", section, re.S)
    (scenario,) = re.findall(r"```yaml\n# cmcc\.yaml\n(.*?)```", section, re.S)
    (block,) = re.findall(r"```bash\n(python split_corpus\.py\n.*?)```", section, re.S)
    cmcc_layout(tmp_path / "CMCC")
    (tmp_path / "cmcc_topics.txt").write_text("C: Should the church change?\n", "utf-8")
    (tmp_path / "split_corpus.py").write_text(script, encoding="utf-8")
    (tmp_path / "cmcc.yaml").write_text(scenario, encoding="utf-8")
    telic = [
        sys.executable,
        "-c",
        "import sys; from scenarios.cli import run_cli; sys.exit(run_cli(sys.argv[1:]))",
    ]
    for line in block.strip().splitlines():
        words = shlex.split(line.split(" #")[0])
        args = [*telic, *words[1:]] if words[0] == "telic" else [sys.executable, *words[1:]]
        done = _run(args, tmp_path)
        assert done.returncode == 0, (line, done.stderr)
    promised = re.search(r'prints "(Split: [^"]*?) \.\.\."', block)
    assert promised is not None
    assert promised.group(1) in done.stdout
    assert (tmp_path / "cmcc.split.json").exists()
