"""``telic validate SCENARIO`` takes a quick path past the typer app; it must say and exit
exactly what the full command line does, and its call estimate must be the oracle's real pace.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_scenario

from scenarios._preflight import _turns_sent, estimate, preflight
from scenarios.cli import run_cli
from scenarios.quick import quick_command
from telic.__main__ import main


def _both(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[tuple, tuple]:
    quick = main(list(args))
    quick_streams = capsys.readouterr()
    full = run_cli(list(args))
    full_streams = capsys.readouterr()
    return (quick, quick_streams.out, quick_streams.err), (full, full_streams.out, full_streams.err)


def test_quick_validate_prints_and_exits_as_the_full_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tmp_path, models=["scripted:oracle", "scripted:random"], n_blocks=[3, 4])
    quick, full = _both(capsys, "validate", str(path))
    assert quick == full
    assert quick[0] == 0 and "episodes: 24 (2 models" in quick[1] and quick[2] == ""
    quick, full = _both(capsys, "validate", "quickstart")  # a bundled scenario by name
    assert quick == full and quick[0] == 0 and "'quickstart' is valid" in quick[1]


@pytest.mark.parametrize("problem", ["missing", "bad_yaml", "unknown_env"])
def test_quick_validate_refuses_bad_input_as_the_full_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], problem: str
) -> None:
    path = tmp_path / "scenario.yaml"
    if problem == "bad_yaml":
        path.write_text("name: [unclosed\n")
    elif problem == "unknown_env":
        write_scenario(tmp_path, envs=["telic/NoSuchEnv-v0"])
    quick, full = _both(capsys, "validate", str(path))
    assert quick == full
    code, out, err = quick
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["validate"],
        ["validate", "--help"],
        ["validate", "-m"],
        ["validate", "quickstart", "--model", "scripted:oracle"],
        ["validate", "quickstart", "extra"],
        ["run", "quickstart"],
        ["--version"],
    ],
)
def test_only_validate_with_one_scenario_takes_the_quick_path(args: list[str]) -> None:
    assert quick_command(args) is None


def test_options_still_reach_the_full_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tmp_path)
    assert main(["validate", str(path), "-m", "scripted:lazy"]) == 0
    assert "scripted:lazy: about" in capsys.readouterr().out
    assert main(["validate", str(path), "--bogus"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--bogus" in err[0]


@pytest.mark.parametrize("window", [None, 1, 2, 5, 40])
def test_turn_count_in_closed_form_equals_the_per_call_sum(window: int | None) -> None:
    for calls in range(60):
        assert _turns_sent(calls, window) == sum(min(i, window or i) for i in range(calls))


def test_typical_calls_equal_the_calls_a_scripted_oracle_run_makes(tmp_path: Path) -> None:
    from scenarios import run_scenario

    # one seed per environment: the estimate plays that very episode with the oracle
    path = write_scenario(
        tmp_path,
        envs=["telic/MeasureHeight-v1", "telic/Combined-v1", "telic/PickConfiguration-v1"],
        n_blocks=[3],
        seeds=[5],
    )
    predicted = estimate(preflight(path, build_models=False))
    run_scenario(path, tmp_path / "out")
    lines = (tmp_path / "out" / "episodes.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 3 and all(r["completed"] for r in records)
    assert predicted.typical_calls == sum(r["usage"]["calls"] for r in records) > 3


def test_quick_validate_pauses_the_collector_and_restores_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gc

    import scenarios._commands as commands

    seen: list[bool] = []
    real = commands.validate_command

    def spy(path: str) -> int:
        seen.append(gc.isenabled())
        return real(path)

    monkeypatch.setattr(commands, "validate_command", spy)
    assert gc.isenabled()
    assert quick_command(["validate", "quickstart"]) == 0
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        assert quick_command(["validate", "quickstart"]) == 0
        assert not gc.isenabled()  # a caller's own setting is left as it was
    finally:
        gc.enable()
    capsys.readouterr()


_BLAS_PROBE = """
import json, os, sys
from scenarios.quick import one_blas_thread
with one_blas_thread():
    inside = os.environ.get("OPENBLAS_NUM_THREADS")
    import numpy
    from threadpoolctl import threadpool_info
    threads = [p["num_threads"] for p in threadpool_info() if p.get("internal_api") == "openblas"]
print(json.dumps({"inside": inside, "after": os.environ.get("OPENBLAS_NUM_THREADS"),
                  "threads": threads}))
"""


def _blas_probe(env: dict[str, str]) -> dict[str, object]:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _BLAS_PROBE],
        env={k: v for k, v in {**os.environ, **env}.items() if v != "<unset>"},
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_validate_starts_numpy_with_one_blas_thread_and_leaves_no_trace() -> None:
    got = _blas_probe({"OPENBLAS_NUM_THREADS": "<unset>"})
    assert got["inside"] == "1" and got["after"] is None
    assert got["threads"] in ([], [1])  # [] where numpy's BLAS is not OpenBLAS


def test_validate_keeps_a_blas_size_the_user_set() -> None:
    got = _blas_probe({"OPENBLAS_NUM_THREADS": "2"})
    assert got["inside"] == "2" and got["after"] == "2"
