"""Invalid model output is an environment event: counted, shown to the model, never a crash."""

from __future__ import annotations

import json

import pytest
from agent_toy import CannedChatModel, CounterEnv
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from agents import run_episode
from agents._messages import Reply, action_string, read_reply


def _play(replies: list[AIMessage], protocol: str):
    model = CannedChatModel(replies=replies)
    record = run_episode(env=CounterEnv(protocol=protocol), seed=0, model=model,
                         model_spec="test:canned")  # fmt: skip
    return record, model


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("I think I will add one now.", "No action found"),
        ("<inc> and then <inc>", "Only one set"),
        ("", "No action found"),
        ("<jump>", "not an available action"),
    ],
)
def test_bad_tag_replies_are_counted(text: str, error: str) -> None:
    record, _ = _play([AIMessage(content=text), AIMessage(content="<done>")], "tags")
    first = record.actions[0]
    assert not first.valid and first.action is None and error in first.error
    assert first.raw == text
    assert record.info["invalid_actions"] == 1
    assert record.transcript[3].role == "user"
    assert record.transcript[3].content.startswith("Error:")
    assert record.stop_reason == "terminated" and record.steps == 2


def _call(name: str, args: dict, call_id: str = "c1") -> dict:
    return {"name": name, "args": args, "id": call_id, "type": "tool_call"}


DONE = AIMessage(content="", tool_calls=[_call("done", {}, "c9")])


@pytest.mark.parametrize(
    ("reply", "error", "answered_by_tool"),
    [
        (AIMessage(content="I would add one."), "No tool call found", False),
        (AIMessage(content=""), "No tool call found", False),
        (AIMessage(content="", tool_calls=[_call("jump", {})]), "Unknown tool 'jump'", True),
        (
            AIMessage(
                content="",
                invalid_tool_calls=[
                    {"name": "add", "args": '{"amount": ', "id": "c1", "error": "bad json"}
                ],
            ),
            "not valid JSON",
            True,
        ),
        (AIMessage(content="", tool_calls=[_call("add", {"amount": "lots"})]), "number", True),
        (AIMessage(content="", tool_calls=[_call("add", {"size": 2})]), "unknown argument", True),
    ],
)
def test_bad_tool_replies_are_counted(reply: AIMessage, error: str, answered_by_tool: bool) -> None:
    record, model = _play([reply, DONE], "tools")
    first = record.actions[0]
    assert not first.valid and error in first.error
    assert record.info["invalid_actions"] == 1
    observation = record.transcript[3]
    assert observation.role == ("tool" if answered_by_tool else "user")
    # The second call shows the error the way the provider expects it.
    sent = model.calls[1][0][3]
    if answered_by_tool:
        assert isinstance(sent, ToolMessage) and sent.tool_call_id == "c1"
    else:
        assert isinstance(sent, HumanMessage)
    assert sent.content.startswith("Error:")
    assert model.calls[0][1] is not None  # tools were bound


def test_several_tool_calls_are_one_invalid_action_each_call_answered() -> None:
    two = AIMessage(content="", tool_calls=[_call("inc", {}, "a"), _call("inc", {}, "b")])
    record, model = _play([two, DONE], "tools")
    assert not record.actions[0].valid
    assert json.loads(record.actions[0].raw) == [
        {"name": "inc", "arguments": {}},
        {"name": "inc", "arguments": {}},
    ]
    tools = [m for m in record.transcript if m.role == "tool" and m.step == 1]
    assert len(tools) == 2
    sent = model.calls[1][0]
    assert [m.tool_call_id for m in sent if isinstance(m, ToolMessage)] == ["a", "b"]
    assert tools[0].content == tools[1].content and tools[0].content.startswith("Error:")


def test_reasoning_is_kept_apart_from_the_visible_text() -> None:
    blocks = [
        {"type": "thinking", "thinking": "Count first."},
        {"type": "text", "text": "Adding one. <inc>"},
    ]
    record, model = _play([AIMessage(content=blocks), AIMessage(content="<done>")], "tags")
    said = record.transcript[2]
    assert said.content == "Adding one. <inc>" and said.reasoning == "Count first."
    assert record.actions[0].valid
    # The provider's own blocks go back to it on the next call.
    assert model.calls[1][0][2].content == blocks
    other = read_reply(AIMessage(content="<inc>", additional_kwargs={"reasoning_content": "hm"}))
    assert other.reasoning == "hm" and other.text == "<inc>"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_reply_is_an_env_event(text: str) -> None:
    env = CounterEnv()
    env.reset(seed=0)
    _obs, _r, _term, _trunc, info = env.step(action_string(Reply(text=text), "tags"))
    assert info["invalid_action"] in (True, False)
    assert info["invalid_actions"] == int(info["invalid_action"])


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=6,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["inc", "add", "done", "jump", ""]), json_values | st.text()),
        max_size=3,
    )
)
def test_any_tool_calls_are_an_env_event(calls: list) -> None:
    reply = Reply(text="", tool_calls=[{"id": "x", "name": n, "arguments": a} for n, a in calls])
    env = CounterEnv(protocol="tools")
    env.reset(seed=0)
    _obs, _r, _term, _trunc, info = env.step(action_string(reply, "tools"))
    if len(calls) != 1:
        assert info["invalid_action"]
    assert info["invalid_actions"] == int(info["invalid_action"])
