"""``telic export inspect``: a run as Inspect eval logs, read back with Inspect's own reader."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from conftest import write_scenario
from inspect_ai.log import EvalLog, list_eval_logs, read_eval_log
from inspect_ai.model import ChatMessageAssistant, ChatMessageTool

from envs import EpisodeRecord, Message
from scenarios import read_episodes, read_manifest
from scenarios.cli import run_cli
from scenarios.inspect_bridge import build_logs, record_to_sample, records_from_logs, sample_record


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real run: two scripted models, two envs, both protocols, two seeds."""
    folder = tmp_path_factory.mktemp("run")
    scenario = write_scenario(
        folder,
        models=["scripted:oracle", "scripted:noisy"],
        envs=["telic/InformationGathering-v0", "telic/PickConfiguration-v0"],
        seeds=[10, 11],
        protocols=["tags", "tools"],
        analysis={"mc_iterations": 200, "n_resamples": 200},
    )
    assert run_cli(["run", str(scenario), "--out", str(folder / "out"), "--no-progress"]) == 0
    return folder / "out"


@pytest.fixture(scope="module")
def exported(run_dir: Path) -> Path:
    out = run_dir.parent / "logs"
    assert run_cli(["export", "inspect", str(run_dir), "--out", str(out)]) == 0
    return out


def _logs(folder: Path) -> list[EvalLog]:
    return [read_eval_log(info.name) for info in list_eval_logs(str(folder))]


def test_one_log_per_model_env_and_protocol(run_dir: Path, exported: Path) -> None:
    logs = _logs(exported)
    cells = {
        (log.eval.model, log.eval.dataset.name, log.eval.task_args["protocol"]) for log in logs
    }
    assert len(logs) == len(cells) == 2 * 2 * 2
    assert {log.eval.task for log in logs} == {
        "telic/InformationGathering",
        "telic/PickConfiguration",
    }
    assert {log.eval.model for log in logs} == {"telic/scripted:oracle", "telic/scripted:noisy"}
    assert all(log.status == "success" and len(log.samples or []) == 2 for log in logs)


def test_read_back_gives_the_run_records(run_dir: Path, exported: Path) -> None:
    original = {r["episode_id"]: r for r in read_episodes(run_dir).records}
    found = records_from_logs([exported])
    assert len(found.records) == len(original) == 16
    for record in found.records:
        assert record == original[record["episode_id"]]


def test_samples_show_the_episode_the_inspect_way(run_dir: Path, exported: Path) -> None:
    original = {r["episode_id"]: r for r in read_episodes(run_dir).records}
    for log in _logs(exported):
        for sample in log.samples or []:
            record = original[str(sample.id)]
            assert [m.role for m in sample.messages] == [m["role"] for m in record["transcript"]]
            assert [m.text for m in sample.messages] == [m["content"] for m in record["transcript"]]
            calls = [
                [(c.function, c.arguments) for c in m.tool_calls or []]
                for m in sample.messages
                if isinstance(m, ChatMessageAssistant)
            ]
            expected = [
                [(c["name"], c["arguments"]) for c in m.get("tool_calls") or []]
                for m in record["transcript"]
                if m["role"] == "assistant"
            ]
            assert calls == expected
            if record["protocol"] == "tools":
                assert any(calls), "the tools protocol records native tool calls"
                answered = [m for m in sample.messages if isinstance(m, ChatMessageTool)]
                assert answered and all(m.tool_call_id and m.function for m in answered)
            score = sample.scores["telic_episode"].value
            assert score["return"] == record["return"]
            assert score["regret"] == record["info"]["regret"]
            assert score["completed"] == (1.0 if record["completed"] else 0.0)
            meta = sample.metadata
            for key in ("seed", "n_blocks", "protocol", "variant", "condition", "env_id"):
                assert meta[key] == record[key]
            usage = sample.model_usage[log.eval.model]
            assert usage.input_tokens == record["usage"]["input_tokens"] > 0
            assert usage.output_tokens == record["usage"]["output_tokens"]
            assert sample.error is None


def test_log_results_are_the_means_of_the_samples(exported: Path) -> None:
    for log in _logs(exported):
        assert log.results is not None
        means = {s.name: s.metrics["mean"].value for s in log.results.scores}
        returns = [s.scores["telic_episode"].value["return"] for s in log.samples or []]
        assert means["return"] == pytest.approx(sum(returns) / len(returns))
        assert log.stats.model_usage[log.eval.model].total_tokens == sum(
            s.model_usage[log.eval.model].total_tokens for s in log.samples or []
        )


def _record(**changes: Any) -> dict[str, Any]:
    base = EpisodeRecord(
        episode_id="e1",
        model="openai:gpt-4o-mini",
        env_id="telic/Combined-v0",
        env_kwargs={"n_blocks": 3, "protocol": "tools"},
        seed=4,
        task="combined",
        n_blocks=3,
        protocol="tools",
        condition="oracle",
        transcript=[
            Message(role="system", content="sys"),
            Message(role="user", content="obs"),
            Message(
                role="assistant",
                content="",
                step=1,
                reasoning="thinking it over",
                tool_calls=[{"id": "c1", "name": "measure", "arguments": "{not json"}],
            ),
            Message(role="tool", content="invalid action", step=1),
        ],
        stop_reason="error",
        errors=[{"step": 2, "kind": "ProviderError", "message": "rate limited for good"}],
    )
    return {**base.to_json_dict(), **changes}


def test_failed_episode_becomes_a_sample_with_an_error() -> None:
    sample = record_to_sample(_record())
    assert sample.error is not None and "rate limited for good" in sample.error.message
    assert math.isnan(sample.scores["telic_episode"].value["return"])
    assert sample.scores["telic_episode"].value["completed"] == 0.0
    assert sample.metadata["condition"] == "oracle"
    assistant = sample.messages[2]
    assert isinstance(assistant, ChatMessageAssistant)
    assert assistant.tool_calls and assistant.tool_calls[0].parse_error == "{not json"
    assert "thinking it over" in json.dumps(assistant.model_dump(mode="json"))
    assert sample_record(sample) == _record()


def test_the_log_of_a_failed_episode_round_trips(tmp_path: Path) -> None:
    from inspect_ai.log import write_eval_log

    (log,) = build_logs([_record()], {"scenario": {"name": "x"}, "scenario_hash": "h"})
    write_eval_log(log, str(tmp_path / "x.eval"))
    back = read_eval_log(str(tmp_path / "x.eval"))
    assert back.eval.model == "telic/openai:gpt-4o-mini"
    assert back.results is not None and back.results.completed_samples == 0
    assert records_from_logs([tmp_path / "x.eval"]).records == [_record()]


def test_report_of_the_exported_logs_equals_the_run_report(
    run_dir: Path, exported: Path, tmp_path: Path
) -> None:
    assert run_cli(["report", str(run_dir)]) == 0
    assert run_cli(["report", str(exported), "--out", str(tmp_path / "rep")]) == 0
    theirs = json.loads((run_dir / "summary.json").read_text())
    ours = json.loads((tmp_path / "rep" / "summary.json").read_text())
    assert ours["analysis"] == theirs["analysis"]
    assert ours["episodes"] == theirs["episodes"]
    assert ours["plots"] == theirs["plots"] and ours["plots"]
    assert read_manifest(tmp_path / "rep")["source"] == "inspect_logs"


def test_export_is_deterministic(run_dir: Path, exported: Path, tmp_path: Path) -> None:
    assert run_cli(["export", "inspect", str(run_dir), "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in exported.iterdir())


def test_export_of_a_folder_without_a_run_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["export", "inspect", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no episodes.jsonl" in err


def test_inspect_view_bundle_lists_every_exported_log(exported: Path, tmp_path: Path) -> None:
    """``inspect view bundle`` (the static viewer) reads each log's header into its listing."""
    from inspect_ai.log import bundle_log_dir

    bundle_log_dir(str(exported), str(tmp_path / "bundle"))
    assert (tmp_path / "bundle" / "index.html").exists()
    listing = json.loads((tmp_path / "bundle" / "logs" / "listing.json").read_text())
    assert sorted(listing) == sorted(p.name for p in exported.glob("*.eval"))
    for name, header in listing.items():
        assert (tmp_path / "bundle" / "logs" / name).exists()
        assert header["status"] == "success"
        assert header["task"] in {"telic/InformationGathering", "telic/PickConfiguration"}
        assert header["model"].startswith("telic/scripted:")
        assert header["primary_metric"]["name"] == "mean"


def test_a_telic_task_sample_that_failed_in_inspect_is_an_error_episode(tmp_path: Path) -> None:
    """A sample of a telic task that Inspect stopped before the episode ended (the solver
    raised) has no record; telic counts it as an episode that ended in an error."""
    from inspect_ai.log import EvalError, write_eval_log

    (log,) = build_logs([_record()], {"scenario": {"name": "x"}, "scenario_hash": "h"})
    sample = log.samples[0].model_copy(
        update={
            "store": {},
            "error": EvalError(message="boom", traceback="tb", traceback_ansi="tb"),
            "metadata": {"env_id": "telic/Combined-v0", "seed": 4, "n_blocks": 3},
        }
    )
    write_eval_log(log.model_copy(update={"samples": [sample]}), str(tmp_path / "x.eval"))
    (record,) = records_from_logs([tmp_path]).records
    assert record["stop_reason"] == "error" and record["seed"] == 4
    assert record["errors"] == [{"step": 0, "kind": "inspect_error", "message": "boom"}]
    assert record["model"] == "telic/openai:gpt-4o-mini"
