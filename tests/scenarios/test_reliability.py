"""The reliability suite: whole runs against the fake provider with every fault kind, on both
wires, must record exactly what a fault-free run records.

One :class:`~agents.testing.FakeProviderServer` per wire (OpenAI chat completions through the
openai SDK, Anthropic messages through the anthropic SDK) plays a small Blocksworld scenario
twice: once clean, once with a fault served on every third request. Transient faults (HTTP
429/500/503, a reply slower than the call deadline, a body dripping in byte by byte, a dropped
connection, a truncated body, empty choices or content blocks, a choice without its message)
must be retried until the outcome is the fault-free one; an oversized reply is cut to
``max_reply_chars`` (the cut recorded) and plays the same action. A full disk in the middle of
the run must stop it with no request started afterwards, and ``--resume`` must finish with the
fault-free records. The records are compared field by field (steps, actions, outcome, the
transcript's text); provider-side usage is left out since a padded reply costs more tokens.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import scenario_data

from agents.testing import FakeProviderServer, Fault
from scenarios import read_episodes, read_manifest, run_plan
from scenarios._execute import LocalExecutor
from scenarios._load import scenario_from_dict
from scenarios._preflight import preflight
from scenarios._store import EpisodeWriter

pytestmark = pytest.mark.filterwarnings("ignore:The model .* is deprecated:DeprecationWarning")

WIRES = {"openai": "openai-compatible:fake-model", "anthropic": "anthropic:claude-fake"}
#: Transient faults (retried) with how many to serve: slow ones cost a deadline each.
TRANSIENT = {
    "rate_limit": 4,
    "overloaded": 4,
    "server_error": 4,
    "truncated": 4,
    "no_choices": 4,
    "no_message": 4,
    "disconnect": 4,
    "timeout": 2,
    "drip": 2,
}
#: Deadline of one call: generous for a loaded test machine (a call that answers at once must
#: never meet it: the empty-reply and oversized-reply tests count on every faulty reply being
#: played), short against the slow faults, whose bytes still come well within the SDKs' read
#: timeout (the call's deadline too).
CALL_TIMEOUT_S = 4.0
SLOW_FAULT_S = 40.0
MAX_REPLY_CHARS = 2_000


def _scenario(wire: str, server: FakeProviderServer) -> Any:
    url = server.anthropic_base_url if wire == "anthropic" else server.openai_base_url
    options = {"base_url": url, "timeout": CALL_TIMEOUT_S, "base_wait_s": 0.0,
               "max_attempts": 6, "max_reply_chars": MAX_REPLY_CHARS,
               "api_key_env": "TELIC_FAKE_PROVIDER_KEY"}  # fmt: skip
    data = scenario_data(
        name=f"faults-{wire}",
        models=[{"spec": WIRES[wire], "options": options}],
        envs=["telic/PlanAndExecute-v0"],
        protocols=["tags", "tools"],
        seeds=[10, 11],
        concurrency={"max_concurrency": 4},
    )
    return preflight(scenario_from_dict(data))


def _outcome(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "steps": record["steps"],
        "stop_reason": record["stop_reason"],
        "completed": record["completed"],
        "return": record["return"],
        "actions": [(a["action"], a["valid"]) for a in record["actions"]],
        "said": [(m["role"], m["content"].strip()) for m in record["transcript"]],
    }


def _executor(prepared: Any) -> LocalExecutor:
    # fresh models for every run: an SDK client belongs to the event loop that first used it
    return LocalExecutor(preflight(prepared.plan.scenario).models)


def _run(prepared: Any, out: Path, **kw: Any) -> dict[str, dict[str, Any]]:
    stats = run_plan(prepared.plan, out, _executor(prepared), progress=False, **kw)
    assert stats.status == "completed", stats.failure
    return {r["episode_id"]: r for r in read_episodes(out).records}


@pytest.fixture(scope="module", params=list(WIRES))
def wire(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    mp = pytest.MonkeyPatch()
    mp.setenv("TELIC_FAKE_PROVIDER_KEY", "test-dummy-key")
    with FakeProviderServer(policy="oracle", seed=0) as server:
        prepared = _scenario(request.param, server)
        clean = _run(prepared, tmp_path_factory.mktemp("clean"))
        # a loaded machine may time a call out; nothing else may go wrong without faults
        assert all(r["completed"] and not r["errors"] for r in clean.values())
        assert {x["kind"] for r in clean.values() for x in r["retries"]} <= {"timeout"}
        yield request.param, server, prepared, clean
    mp.undo()


@pytest.mark.parametrize("kind", list(TRANSIENT))
def test_transient_faults_leave_the_records_of_a_fault_free_run(wire, kind, tmp_path) -> None:
    name, server, prepared, clean = wire
    count = TRANSIENT[kind]
    server.inject(*[Fault(kind, delay_s=SLOW_FAULT_S), None, None] * count)
    served = len(server.faults_served)
    faulty = _run(prepared, tmp_path)
    while server.pending_faults:  # the run was shorter than the schedule: drop the rest
        server._faults.clear()
    assert len(server.faults_served) - served == count  # every fault was met ...
    assert faulty.keys() == clean.keys()  # ... and no episode was lost
    for episode_id, record in faulty.items():
        assert _outcome(record) == _outcome(clean[episode_id]), (name, kind, episode_id)
        assert record["errors"] == []
    expected = {"rate_limit": "rate_limit", "overloaded": "server", "server_error": "server",
                "timeout": "timeout", "drip": "timeout", "disconnect": "connection"}.get(
        kind, "malformed")  # fmt: skip
    every = [r for rec in faulty.values() for r in rec["retries"]]
    assert {r["kind"] for r in every} <= {expected, "timeout"}, every  # nothing else failed
    retried = [r for r in every if r["kind"] == expected]
    # each fault was retried as its kind (a loaded machine may add a timeout or two)
    assert len(retried) == count or (expected == "timeout" and len(retried) > count)


def test_an_oversized_reply_is_cut_and_plays_the_same_action(wire, tmp_path) -> None:
    name, server, prepared, clean = wire
    server.inject(*[Fault("huge", size=200_000), None] * 4)
    faulty = _run(prepared, tmp_path)
    server._faults.clear()
    cuts = [e for r in faulty.values() for e in r["errors"]]
    assert len(cuts) == 4 and {e["kind"] for e in cuts} == {"reply_truncated"}
    for episode_id, record in faulty.items():
        assert _outcome(record) == _outcome(clean[episode_id]), (name, episode_id)
        assert all(len(m["content"]) <= MAX_REPLY_CHARS for m in record["transcript"])
    # four 200,000-character replies, stored at most 2,000 characters each (twice in tags)
    assert (tmp_path / "episodes.jsonl").stat().st_size < 4 * 2 * MAX_REPLY_CHARS + 100_000


def test_a_full_disk_stops_the_requests_and_resume_finishes_exactly(
    wire, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _name, server, prepared, clean = wire
    at_failure: list[int] = []

    def fills_up(fd: int, data: bytes) -> None:
        if len(at_failure) or os.fstat(fd).st_size > 0:
            at_failure.append(server.requests)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        os.write(fd, data)

    monkeypatch.setattr(EpisodeWriter, "_write_all", staticmethod(fills_up))
    plan = prepared.plan
    stats = run_plan(plan, tmp_path, _executor(prepared), progress=False)
    after = server.requests - at_failure[0]
    assert stats.status == "failed" and "No space left on device" in (stats.failure or "")
    assert after <= plan.scenario.concurrency.max_concurrency  # only calls already in flight
    assert read_manifest(tmp_path)["status"] == "failed"
    monkeypatch.undo()
    resumed = _run(prepared, tmp_path, resume=True)
    assert resumed.keys() == clean.keys()
    assert all(_outcome(resumed[i]) == _outcome(clean[i]) for i in clean)
    lines = (tmp_path / "episodes.jsonl").read_text().splitlines()
    assert len(lines) == len(clean)  # each episode exactly once


def test_empty_and_bad_replies_stay_model_output(wire, tmp_path) -> None:
    """An empty text or unusable tool arguments are what the model said: the env sees an
    invalid action (never an error, never a retry), as with a scripted model."""
    _name, server, prepared, clean = wire
    server.inject("empty", "bad_tool_args")
    faulty = _run(prepared, tmp_path)
    assert all(not r["retries"] and not r["errors"] for r in faulty.values())
    invalid = sum(not a["valid"] for r in faulty.values() for a in r["actions"])
    assert invalid == 2 and faulty.keys() == clean.keys()


def test_the_suite_plays_both_protocols(wire) -> None:
    _name, _server, _prepared, clean = wire
    assert len(clean) == 4 and {r["protocol"] for r in clean.values()} == {"tags", "tools"}
