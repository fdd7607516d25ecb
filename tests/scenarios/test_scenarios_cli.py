"""The telic CLI in-process: every bad input exits 2 with one message and writes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import folder_snapshot, write_scenario

from scenarios.cli import run_cli

REPO = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default output folder runs/<name> must land here


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run_cli([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], *needles: str
) -> str:
    before = folder_snapshot(tmp_path)
    code, out, err = cli(capsys, *args)
    assert code == 2, (out, err)
    assert err.startswith("error: ") and err.count("error: ") == 1, err
    for needle in needles:
        assert needle in err, err
    assert folder_snapshot(tmp_path) == before
    return err


def test_malformed_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\nmodels: [scripted:oracle\nenvs: [a]\n")
    assert_refused(tmp_path, capsys, ["run", path], "bad.yaml:3:5", "malformed YAML")


def test_unknown_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, n_block=[3])
    assert_refused(tmp_path, capsys, ["run", path], "unknown field 'n_block'", "'n_blocks'")


def test_unknown_env_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, envs=["telic/MeasureHight-v0"])
    assert_refused(
        tmp_path, capsys, ["run", path], "telic/MeasureHight-v0", "Did you mean", "MeasureHeight"
    )


@pytest.mark.parametrize(
    ("spec", "needle"),
    [("scripted:oracel", "'oracle'"), ("opneai:gpt-4o", "'openai'"), ("gpt-4o", "openai:gpt-4o")],
)
def test_unknown_model_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str, needle: str
) -> None:
    path = write_scenario(tmp_path)
    assert_refused(tmp_path, capsys, ["run", path, "--model", spec], needle)


def test_missing_api_key_names_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tmp_path, models=["scripted:oracle", "openai:gpt-4o-mini"])
    assert_refused(tmp_path, capsys, ["run", path], "OPENAI_API_KEY")
    gemini = write_scenario(
        tmp_path,
        name="gemini.yaml",
        models=[
            {
                "spec": "openai-compatible:gemini-2.0-flash",
                "options": {"base_url": "http://127.0.0.1:9/v1", "api_key_env": "GEMINI_API_KEY"},
            }
        ],
    )
    assert_refused(tmp_path, capsys, ["run", gemini], "GEMINI_API_KEY")


def test_unimportable_plugin(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, plugins=["no_such_plugin_module"])
    assert_refused(tmp_path, capsys, ["run", path], "no_such_plugin_module")


def test_bad_env_kwargs_fail_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(
        tmp_path, envs=[{"id": "telic/MeasureHeight-v1", "kwargs": {"target_block": "z"}}]
    )
    assert_refused(tmp_path, capsys, ["run", path], "target_block", "telic/MeasureHeight-v1")


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--backend", "spark"], "--backend must be one of local, ray"),
        (["--cache", "always"], "--cache must be one of"),
        (["--retry-errors"], "add --resume"),
    ],
)
def test_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], needle: str
) -> None:
    path = write_scenario(tmp_path)
    assert_refused(tmp_path, capsys, ["run", path, *extra], needle)


def test_output_folders_of_this_and_other_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tmp_path, seeds=[10])
    code, _out, err = cli(capsys, "run", path, "--out", tmp_path / "out", "--no-report")
    assert code == 0, err
    assert_refused(tmp_path, capsys, ["run", path, "--out", tmp_path / "out"], "--resume")
    other = write_scenario(tmp_path, name="other.yaml", seeds=[11])
    assert_refused(
        tmp_path, capsys, ["run", other, "--out", tmp_path / "out", "--resume"], "another scenario"
    )
    code, _, err = cli(capsys, "run", path, "--out", tmp_path / "out", "--resume", "--no-report")
    assert code == 0 and "0 played, 2 already recorded" in err


def test_run_report_show_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(
        tmp_path,
        envs=[
            "telic/InformationGathering-v1",
            "telic/MeasureHeight-v1",
            "telic/BuildTwoBlockTower-v1",
        ],
    )
    code, out, err = cli(capsys, "run", path)
    out_dir = tmp_path / "runs" / "tiny"
    assert code == 0, err
    assert "Goal-directedness" in out and "information_gathering" in out
    assert f"report: {Path('runs/tiny/report.html')}" in out
    for name in ("episodes.jsonl", "manifest.json", "summary.json", "report.md", "report.html"):
        assert (out_dir / name).exists(), name
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["summary_version"] == 1 and summary["episodes"]["recorded"] == 9
    assert any(r["task"] == "information_gathering" for r in summary["analysis"]["gd"])

    (out_dir / "summary.json").unlink()
    code, out, err = cli(capsys, "report", out_dir)
    assert code == 0 and json.loads((out_dir / "summary.json").read_text()) == summary

    ids = [json.loads(line)["episode_id"] for line in (out_dir / "episodes.jsonl").open()]
    code, out, err = cli(capsys, "show", out_dir, ids[0][:6])
    assert code == 0 and f"episode {ids[0]}" in out and "[step 0] system" in out
    code, out, err = cli(capsys, "show", out_dir, "zzzz")
    assert code == 2 and "no episode id starts with 'zzzz'" in err
    code, out, err = cli(capsys, "show", out_dir, "")
    assert code == 2 and "matches 9 episodes" in err


def test_report_of_a_folder_without_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_refused(tmp_path, capsys, ["report", tmp_path], "no episodes.jsonl")


def test_validate_counts_and_estimates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_scenario(tmp_path, models=["scripted:oracle", "scripted:random"], n_blocks=[3, 4])
    code, out, err = cli(capsys, "validate", path)
    assert code == 0, err
    assert "episodes: 24 (2 models" in out and "model calls: about " in out
    about, most = re.search(r"about ([\d,]+) .*, at most ([\d,]+)", out).groups()
    assert 0 < int(about.replace(",", "")) < int(most.replace(",", ""))
    assert "cost (rough): about $0.00, at most $0.00" in out
    assert folder_snapshot(tmp_path).keys() == {"scenario.yaml"}


def test_validate_paper_grid_warns_about_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "validate", REPO / "scenarios" / "paper_gd.yaml")
    assert code == 0, err
    assert "episodes: 7200 (8 models" in out
    assert "OPENAI_API_KEY" in out and "ANTHROPIC_API_KEY" in out and "GEMINI_API_KEY" in out
    assert "cost (rough): about $" in out and "no price known" not in out


def test_envs_and_policies_tables(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "envs")
    assert code == 0
    for name in ("telic/Combined-v1", "telic/MeasureHeight-v1", "telic/ExecutePlan-v1"):
        assert name in out
    code, out, _ = cli(capsys, "policies")
    assert code == 0 and "oracle" in out and "random" in out


def test_help_for_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ([], ["run"], ["report"], ["validate"], ["show"], ["envs"], ["policies"]):
        code, out, _ = cli(capsys, *command, "--help")
        assert code == 0 and "Usage" in out
    code, out, _ = cli(capsys, "hypotheses", "infer", "--help")
    assert code == 0 and "user_file" in out.lower()


def test_hypotheses_infer_delegates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import personalization

    seen = []

    def fake(user_file: Path, **kwargs: object) -> int:
        seen.append((user_file, kwargs["model"], kwargs["out"], kwargs["user"], kwargs["n"]))
        return 0

    monkeypatch.setattr(personalization, "infer_hypotheses_cli", fake, raising=False)
    code, _, _ = cli(capsys, "hypotheses", "infer", "u.txt", "--model", "scripted:x", "--n", "3")
    assert code == 0 and seen == [(Path("u.txt"), "scripted:x", None, None, 3)]


def test_hypotheses_infer_offline_on_a_synthetic_user(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(
        capsys, "hypotheses", "infer", "synthetic:edie", "--n", "3", "--out", tmp_path / "h.json"
    )
    assert code == 0, err
    assert "User edie:" in out and (tmp_path / "h.json").exists()
    code, _, err = cli(capsys, "hypotheses", "infer", "synthetic:edi")
    assert code == 2 and "Did you mean 'edie'" in err
    code, _, err = cli(capsys, "hypotheses", "infer", tmp_path / "missing.jsonl")
    assert code == 2 and "missing.jsonl" in err


def test_cache_read_write_then_replay_gives_the_same_episodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tmp_path, seeds=[10])
    assert cli(capsys, "run", path, "--out", "a", "--no-report", "--cache", "read_write")[0] == 0
    assert (tmp_path / ".telic-cache" / "llm.sqlite").exists()
    assert cli(capsys, "run", path, "--out", "b", "--no-report", "--cache", "replay")[0] == 0
    first = {r["episode_id"]: r for r in map(json.loads, (tmp_path / "a/episodes.jsonl").open())}
    again = [json.loads(line) for line in (tmp_path / "b/episodes.jsonl").open()]
    assert len(again) == 2
    for record in again:
        assert record["usage"]["cached_calls"] == record["usage"]["calls"] > 0
        assert record["transcript"] == first[record["episode_id"]]["transcript"]


def test_plugins_register_envs_before_ids_are_resolved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scn_plugin_measure.py").write_text(
        "import envs\n"
        "envs.register_env('scn-test/Measure-v0', 'envs.blocksworld.tasks:MeasureHeight',\n"
        "                  'MeasureHeight under a plugin ID', source='scn_plugin_measure')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    without = write_scenario(tmp_path, name="without.yaml", envs=["scn-test/Measure-v0"])
    assert_refused(tmp_path, capsys, ["validate", without], "unknown environment")
    path = write_scenario(tmp_path, envs=["scn-test/Measure-v0"], plugins=["scn_plugin_measure"])
    code, out, err = cli(capsys, "run", path, "--out", tmp_path / "out", "--no-report")
    assert code == 0, err
    records = [json.loads(line) for line in (tmp_path / "out" / "episodes.jsonl").open()]
    assert len(records) == 3 and {r["env_id"] for r in records} == {"scn-test/Measure-v0"}
    assert all(r["completed"] for r in records)
    code, out, _ = cli(capsys, "envs")
    assert "scn-test/Measure-v0" in out and "scn_plugin_measure" in out
