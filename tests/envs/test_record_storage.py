"""Each reply is stored once in a record's JSON (schema version 2), and reads back whole."""

from __future__ import annotations

import json

from envs import SCHEMA_VERSION, ActionRecord, EpisodeRecord, Message

REPLY = "I will pick up c now. <pick up c>"


def _record(raw: str) -> EpisodeRecord:
    return EpisodeRecord(
        episode_id="e1",
        model="scripted:oracle",
        env_id="telic/PlanAndExecute-v0",
        seed=1,
        transcript=[
            Message(role="user", content="state"),
            Message(role="assistant", content=REPLY, step=1),
        ],
        actions=[ActionRecord(step=1, raw=raw, action="<pick up c>", valid=True)],
    )


def test_a_tags_reply_is_written_once_and_read_back() -> None:
    record = _record(REPLY)
    line = json.dumps(record.to_json_dict())
    assert line.count("I will pick up c now.") == 1 and SCHEMA_VERSION == 2
    back = EpisodeRecord.model_validate(json.loads(line))
    assert back == record and back.actions[0].raw == REPLY


def test_a_raw_that_differs_from_the_reply_is_kept() -> None:
    call = '{"arguments": {"block": "c"}, "name": "pick_up"}'
    record = _record(call)
    assert record.to_json_dict()["actions"][0]["raw"] == call
    assert EpisodeRecord.model_validate(record.to_json_dict()) == record


def test_version_1_records_read_as_before() -> None:
    data = _record(REPLY).model_dump(mode="json", by_alias=True)
    data["schema_version"] = 1
    assert data["actions"][0]["raw"] == REPLY
    assert EpisodeRecord.model_validate(data).actions[0].raw == REPLY
