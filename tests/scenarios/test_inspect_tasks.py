"""telic envs as Inspect tasks: ``inspect eval telic/<Env>``, offline.

The models here are plumbing checks, not language models: telic's scripted policies served
either by telic's own Inspect provider (``telic/scripted:<policy>``) or over HTTP by the local
fake provider through Inspect's real ``openai`` provider. They show that episodes, tool calls,
scores and logs pass through Inspect intact; they say nothing about any model's behaviour.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import write_scenario
from inspect_ai import eval as inspect_eval
from inspect_ai.log import read_eval_log

from agents.testing import FakeProviderServer
from scenarios import read_episodes
from scenarios.cli import run_cli
from scenarios.inspect_bridge import TaskParameterError, env_task, parse_seeds, records_from_logs
from scenarios.inspect_bridge._registry import latest_env_ids

# the cognitive-effort task and its subtasks: Inspect task name -> the env ID it plays
CE_TASKS = {
    env_id: f"telic/{name}"
    for name, env_id in latest_env_ids().items()
    if name
    in ("CognitiveEffort", "GenerateConfigurations", "EvaluateConfiguration", "PickConfiguration")
}
SEEDS = list(range(10, 18))
ANALYSIS = {"mc_iterations": 300, "n_resamples": 300}


def _eval(tasks: Any, model: str, log_dir: Path, **task_args: Any) -> list[Any]:
    logs = inspect_eval(
        tasks, model=model, task_args=task_args, log_dir=str(log_dir), display="none"
    )
    assert all(log.status == "success" for log in logs), [log.error for log in logs]
    return logs


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The cognitive-effort task and its subtasks with ``scripted:lazy`` (GD well below 1),
    played by ``telic run`` and by ``inspect eval`` of the telic tasks; the report of each."""
    folder = tmp_path_factory.mktemp("both")
    scenario = write_scenario(
        folder,
        models=["scripted:lazy"],
        envs=list(CE_TASKS),
        seeds=SEEDS,
        protocol="tools",
        analysis=ANALYSIS,
    )
    assert run_cli(["run", str(scenario), "--out", str(folder / "run"), "--no-progress"]) == 0
    _eval(
        list(CE_TASKS.values()),
        "telic/scripted:lazy",
        folder / "logs",
        n_blocks=3,
        seeds=f"{SEEDS[0]}-{SEEDS[-1]}",
        protocol="tools",
    )
    # the tasks carry telic's default analysis settings; use the run's for the comparison
    assert run_cli(["report", str(folder / "logs"), "--out", str(folder / "rep")]) == 0
    manifest = json.loads((folder / "rep" / "manifest.json").read_text())
    manifest["scenario"]["analysis"] = ANALYSIS
    (folder / "rep" / "manifest.json").write_text(json.dumps(manifest))
    assert run_cli(["report", str(folder / "rep")]) == 0
    return {"run": folder / "run", "logs": folder / "logs", "rep": folder / "rep"}


def _by_cell(records: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(r["env_id"], r["seed"]): r for r in records}


def test_inspect_plays_the_same_episodes_as_telic_run(both: dict[str, Path]) -> None:
    """Plumbing check: the scripted policy gets the env seed through Inspect, so every episode
    is the one telic run played: same actions, same return."""
    ours = _by_cell(records_from_logs([both["logs"]]).records)
    theirs = _by_cell(read_episodes(both["run"]).records)
    assert ours.keys() == theirs.keys() and len(ours) == len(CE_TASKS) * len(SEEDS)
    for key, record in ours.items():
        assert record["model"] == "telic/scripted:lazy"
        assert [a["action"] for a in record["actions"]] == [
            a["action"] for a in theirs[key]["actions"]
        ]
        assert record["return"] == theirs[key]["return"]
        assert record["transcript"][0]["content"] == theirs[key]["transcript"][0]["content"]


def test_report_of_inspect_logs_gives_telic_runs_gd(both: dict[str, Path]) -> None:
    ours = json.loads((both["rep"] / "summary.json").read_text())["analysis"]["gd"]
    theirs = json.loads((both["run"] / "summary.json").read_text())["analysis"]["gd"]
    rows = {(r["task"], r["n_blocks"]): r for r in theirs}
    assert ours and len(ours) == len(theirs)
    checked = 0
    for row in ours:
        other = rows[(row["task"], row["n_blocks"])]
        if other["gd"] is None:
            assert row["gd"] is None
            continue
        checked += 1
        assert row["gd"] == pytest.approx(other["gd"], abs=1e-9)
        # the bootstrap's random stream is keyed by the model's name, which differs
        # (telic/scripted:lazy), so the intervals agree only up to resampling error
        assert row["paired_ci_low"] <= other["gd"] <= row["paired_ci_high"]
    assert checked, "the lazy policy has a defined GD on cognitive effort"
    gd = next(r["gd"] for r in ours if r["task"] == "cognitive_effort" and r["n_blocks"] == "all")
    assert gd < 0.9, "lazy under-uses its capabilities; a GD of 1 would not test anything"


def test_scores_and_usage_in_the_inspect_log(both: dict[str, Path]) -> None:
    for path in sorted(both["logs"].glob("*.eval")):
        log = read_eval_log(str(path))
        assert log.eval.task_registry_name in CE_TASKS.values()
        assert log.results is not None
        assert {s.name for s in log.results.scores} == {"return", "regret", "completed"}
        for sample in log.samples or []:
            record = sample.store["telic_record"]
            assert sample.scores["telic_episode"].value["return"] == record["return"]
            assert sample.model_usage["telic/scripted:lazy"].input_tokens > 0
            calls = [
                c for m in sample.messages if m.role == "assistant" for c in m.tool_calls or []
            ]
            assert calls, "the tools protocol goes through Inspect's tool calls"
            model_events = [e for e in sample.events if e.event == "model"]
            assert len(model_events) == record["usage"]["calls"]


def test_tags_protocol_through_inspects_openai_provider(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inspect's real openai provider (the openai SDK over HTTP) against the local fake
    server, which answers with the scripted oracle: the tags protocol end to end."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with FakeProviderServer(policy="oracle") as server:
        logs = inspect_eval(
            ["telic/PickConfiguration", "telic/EvaluateConfiguration"],
            model="openai/fake-model",
            model_base_url=server.openai_base_url,
            model_args={"responses_api": False},
            task_args={"n_blocks": 3, "seeds": [10, 11], "protocol": "tags"},
            log_dir=str(tmp_path),
            display="none",
        )
        bodies = list(server.bodies)
    assert all(log.status == "success" for log in logs)
    records = records_from_logs([tmp_path]).records
    assert len(records) == 4
    assert all(r["completed"] and r["model"] == "openai/fake-model" for r in records)
    assert all(r["protocol"] == "tags" and r["info"]["regret"] == 0 for r in records)
    assert bodies and not any(body.get("tools") for body in bodies)


def test_personalization_conditions_are_task_parameters(tmp_path: Path) -> None:
    logs = _eval(
        "telic/PersonalizedBlocksworld",
        "telic/scripted:personal_oracle",
        tmp_path,
        n_blocks=3,
        seeds=[10],
        condition=["none", "oracle"],
        env_kwargs={"user": "frugal_fay", "show": "none"},
        personalization={"inferer": "offline"},
    )
    samples = logs[0].samples or []
    assert sorted(s.metadata["condition"] for s in samples) == ["none", "oracle"]
    records = {r["condition"]: r for r in records_from_logs([tmp_path]).records}
    assert "frugal_fay" not in records["none"]["transcript"][0]["content"]
    assert records["oracle"]["extra"]["personalization"]
    assert (
        records["oracle"]["transcript"][0]["content"] != records["none"]["transcript"][0]["content"]
    )


def test_task_parameters() -> None:
    assert parse_seeds(["10", "12-13"]) == [10, 12, 13]
    task = env_task("telic/Combined-v1", n_blocks=["3", "4"], seeds="1,2", variant="motivating")
    assert len(task.dataset) == 4
    assert {s.metadata["n_blocks"] for s in task.dataset} == {3, 4}
    assert {s.metadata["variant"] for s in task.dataset} == {"motivating"}
    with pytest.raises(TaskParameterError, match="seeds"):
        parse_seeds("ten")
    with pytest.raises(TaskParameterError, match="n_blocks"):
        env_task("telic/Combined-v0", n_blocks=40, seeds=1)
    with pytest.raises(TaskParameterError, match="variant"):
        env_task("telic/Combined-v0", seeds=1, variant="motivatin")


def test_every_registered_env_is_a_task() -> None:
    from inspect_ai._util.registry import registry_info

    import envs
    from scenarios.inspect_bridge._export import task_name
    from scenarios.inspect_bridge._registry import TASKS

    names = latest_env_ids()
    # every registered env has a task of its name (older versions through telic/env)
    assert set(names) == {task_name(e.id) for e in envs.registered_envs()}
    assert set(names.values()) <= {e.id for e in envs.registered_envs()}
    # the tasks are registered when Inspect loads telic's entry point: telic's own envs and the
    # plugins' known then (envs registered later in this process come after)
    builtin = {task_name(e.id) for e in envs.registered_envs() if e.source == "telic"}
    assert builtin | {"env"} <= set(TASKS)
    any_env = TASKS["env"](env_id="telic/MeasureHeight-v0", n_blocks=3, seeds="1-2")
    assert registry_info(any_env).name == "telic/env"
    assert [s.metadata["env_id"] for s in any_env.dataset] == ["telic/MeasureHeight-v0"] * 2
    assert names["Combined"] == max(
        (e.id for e in envs.registered_envs() if e.id.startswith("telic/Combined-v")),
        key=lambda i: int(i.rsplit("-v", 1)[1]),
    )
    assert registry_info(TASKS["Combined"]()).name == "telic/Combined"


def test_inspect_eval_command_line(tmp_path: Path) -> None:
    """The documented command: ``inspect eval telic/<Env> --model telic/scripted:<policy> -T``."""
    env = {**os.environ, "LANGCHAIN_TRACING_V2": "false", "LANGSMITH_TRACING": "false"}
    inspect = Path(sys.executable).with_name("inspect")
    done = subprocess.run(
        [
            str(inspect), "eval", "telic/MeasureHeight", "--model", "telic/scripted:oracle",
            "-T", "n_blocks=3", "-T", "seeds=10,11", "-T", "protocol=tools",
            "--log-dir", str(tmp_path), "--display", "plain",
        ],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    (log_file,) = tmp_path.glob("*.eval")
    log = read_eval_log(str(log_file))
    assert log.eval.task_registry_name == "telic/MeasureHeight"
    assert log.eval.task_args["seeds"] == [10, 11] or log.eval.task_args["seeds"] == ["10", "11"]
    assert {s.metadata["seed"] for s in log.samples or []} == {10, 11}
