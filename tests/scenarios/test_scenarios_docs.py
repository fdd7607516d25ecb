"""The complete scenario examples in docs/scenarios.md validate and run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scenarios import read_episodes
from scenarios.cli import run_cli

DOC = Path(__file__).parents[2] / "docs" / "scenarios.md"
EXAMPLES = dict(
    (m.group(1), m.group(0))
    for m in re.finditer(r"# example: (\S+)\n.*?(?=```)", DOC.read_text(), flags=re.DOTALL)
)


def test_the_doc_has_its_examples() -> None:
    assert set(EXAMPLES) == {"minimal", "stepped", "events"}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(EXAMPLES[name])
    assert run_cli(["validate", str(path)]) == 0
    out = tmp_path / "out"
    assert run_cli(["run", str(path), "--out", str(out), "--no-report"]) == 0
    records = read_episodes(out).records
    assert records and all(r["stop_reason"] != "error" for r in records), capsys.readouterr()
