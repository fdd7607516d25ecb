"""The command blocks of docs/scenarios.md and the README run as written, from a folder outside
the checkout (bundled scenarios are found by name).

A command the README repeats from docs/scenarios.md (the same words) runs once; the rest run
verbatim, in order, in one temporary folder.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from scenarios import read_episodes
from scenarios.cli import run_cli

ROOT = Path(__file__).parents[2]


def _commands(path: Path) -> list[list[str]]:
    """The ``telic`` lines of the file's first bash block that runs telic."""
    for block in re.findall(r"```bash\n(.*?)```", path.read_text(), flags=re.DOTALL):
        lines = [line.split(" #")[0].strip() for line in block.splitlines()]
        found = [shlex.split(line) for line in lines if re.match(r"(\.venv/bin/)?telic ", line)]
        if found:
            return [words[1:] for words in found]
    raise AssertionError(f"{path.name} has no block of telic commands")


@pytest.mark.slow
# plays the quickstart's 1,600 episodes and reports them twice: minutes on an idle machine, and
# a 2-core machine at load 10 gives it a fifth of a core; the limit only catches a hang
@pytest.mark.timeout(3600)
def test_the_documented_commands_run_outside_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    done: set[str] = set()
    for doc in (ROOT / "docs" / "scenarios.md", ROOT / "README.md"):
        for args in _commands(doc):
            if " ".join(args) in done:
                continue
            done.add(" ".join(args))
            if "EPISODE_ID" in args:
                episode = read_episodes(tmp_path / "runs" / "quickstart").records[0]
                args = [episode["episode_id"] if a == "EPISODE_ID" else a for a in args]
            code = run_cli(args)
            _, err = capsys.readouterr()
            assert code == 0, (doc.name, args, err[-2000:])
    assert (tmp_path / "runs" / "quickstart" / "compare.md").exists()
    assert not (tmp_path / "scenarios").exists()  # nothing needed from a checkout
