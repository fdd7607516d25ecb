"""``telic show`` listing and filters, terminal escaping, price files and cost budgets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_scenario

from scenarios._terminal import escape_controls
from scenarios.cli import run_cli


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = run_cli([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def run_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = write_scenario(
        tmp_path,
        models=["scripted:oracle", "scripted:random"],
        protocols=["tags", "tools"],
        seeds=[10, 11],
    )
    code, _, err = cli(capsys, "run", path, "--out", "r", "--no-report")
    assert code == 0, err
    return tmp_path / "r"


def test_show_lists_episodes_with_the_keys_that_vary(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "show", run_dir, "--limit", "0")
    assert code == 0
    assert "16 of 16 episodes" in out
    header = next(line for line in out.splitlines() if "episode" in line and "model" in line)
    assert "protocol" in header and "seed" in header and "task" in header
    assert "variant" not in header  # one value only: no column
    assert "stop reasons:" in out


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        (["--model", "scripted:oracle"], 8),
        (["--protocol", "tools"], 8),
        (["--seed", "11", "--task", "measure_height"], 4),
        (["--model", "scripted:random", "--protocol", "tags", "--seed", "10"], 2),
    ],
)
def test_show_filters(
    run_dir: Path, capsys: pytest.CaptureFixture[str], filters: list[str], count: int
) -> None:
    code, out, _ = cli(capsys, "show", run_dir, *filters)
    assert code == 0
    assert f"{count} of 16 episodes" in out


def test_show_filter_typo_names_the_values(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "show", run_dir, "--protocol", "tool")
    assert code == 2
    assert "Did you mean 'tools'" in err and err.count("\n") == 1


def test_show_one_transcript_by_prefix_within_filters(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = [json.loads(line) for line in (run_dir / "episodes.jsonl").read_text().splitlines()]
    target = records[3]
    code, out, err = cli(capsys, "show", run_dir, target["episode_id"][:10])
    assert code == 0, err
    assert f"episode {target['episode_id']}" in out


def test_show_escapes_terminal_control_sequences(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = run_dir / "episodes.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    evil = "\x1b]0;pwned\x07\x1b[2J\u202edone"
    records[0]["transcript"][1]["content"] = evil
    records[0]["model"] = "scripted:oracle\x1b[31m"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    for args in (["show", run_dir, records[0]["episode_id"]], ["show", run_dir, "--limit", "0"]):
        code, out, _ = cli(capsys, *args)
        assert code == 0
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    code, out, _ = cli(capsys, "show", run_dir, records[0]["episode_id"])
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\u202edone" in out


def test_escape_controls_keeps_newlines_and_text() -> None:
    assert escape_controls("a\tb\nc é 中") == "a\tb\nc é 中"
    assert escape_controls("\r\x00\x9b") == "\\x0d\\x00\\x9b"


# ---------------------------------------------------------------- prices and budgets


def test_validate_refuses_a_cost_budget_for_an_unpriced_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(
        tmp_path,
        models=[{"spec": "openai-compatible:my-model", "options": {"base_url": "http://h/v1"}}],
        budget={"max_cost_usd": 0.5},
    )
    code, _, err = cli(capsys, "validate", path)
    assert code == 2
    assert "no price" in err or "there is none" in err
    assert "openai-compatible:my-model" in err and "--prices" in err
    # the same without a budget is fine (the estimate just has no cost for it)
    plain = write_scenario(tmp_path, name="b.yaml", models=["openai-compatible:my-model"])
    code, out, err = cli(capsys, "validate", plain, "--base-url", "http://h/v1")
    assert code == 0, err
    assert "no price known for openai-compatible:my-model" in out
    # --cost-limit is a cost budget too
    code, _, err = cli(capsys, "validate", tmp_path / "b.yaml", "--base-url", "http://h/v1",
                       "--cost-limit", "5")  # fmt: skip
    assert code == 2 and "--cost-limit" in err


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_price_file_prices_the_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    prices = {"openai-compatible:my-model": {"input": 2.0, "output": 8.0}}
    price_file = tmp_path / f"prices{suffix}"
    price_file.write_text(json.dumps(prices))  # JSON is YAML too
    path = write_scenario(
        tmp_path,
        models=[{"spec": "openai-compatible:my-model", "options": {"base_url": "http://h/v1"}}],
        budget={"max_cost_usd": 0.5},
    )
    code, out, err = cli(capsys, "validate", path, "--prices", price_file)
    assert code == 0, err
    assert "$2 / $8 per M tokens" in out and "no price known" not in out
    # the same from the scenario itself (path relative to the scenario file)
    inline = write_scenario(
        tmp_path,
        name="inline.yaml",
        models=[{"spec": "openai-compatible:my-model", "label": "mine",
                 "options": {"base_url": "http://h/v1"}}],
        budget={"max_cost_usd": 0.5},
        prices={"mine": [1.0, 3.0]},
    )  # fmt: skip
    code, out, err = cli(capsys, "validate", inline)
    assert code == 0, err
    assert "$1 / $3 per M tokens" in out


def test_a_malformed_price_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("openai:gpt-4o: {input: cheap, output: 1}\n")
    code, _, err = cli(capsys, "validate", write_scenario(tmp_path), "--prices", bad)
    assert code == 2 and "prices must be numbers" in err
    code, _, err = cli(capsys, "validate", write_scenario(tmp_path), "--prices", tmp_path / "no")
    assert code == 2 and "cannot read price file" in err


def test_database_prices_for_the_bundled_models(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "validate", "paper_gd")
    assert code == 0, err
    assert "no price known" not in out
    assert "gemini-2.5-flash: about" in out and "anthropic:claude-haiku-4-5: about" in out


def test_cost_limit_stops_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from agents.testing import FakeProviderServer

    path = write_scenario(
        tmp_path, models=["openai-compatible:toy"], envs=["telic/MeasureHeight-v0"],
        seeds={"start": 10, "count": 40},
    )  # fmt: skip
    with FakeProviderServer(policy="oracle") as server:
        code, out, err = cli(
            capsys, "run", path, "--base-url", server.openai_base_url, "--out", "r",
            "--concurrency", "1", "-M", "price={input: 1000, output: 1000}",
            "--cost-limit", "1",
        )  # fmt: skip
    assert code == 1, (out, err)
    assert "--cost-limit" in err and "Continue with" in err
    played = (tmp_path / "r" / "episodes.jsonl").read_text().splitlines()
    assert 1 <= len(played) < 40
