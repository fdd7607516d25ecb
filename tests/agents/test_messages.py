"""Transcript <-> LangChain conversion, the sliding window and the scripted chat model."""

from __future__ import annotations

import numpy as np
from agent_toy import ENV_ID
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agents import make_model
from agents._messages import (
    Conversation,
    Reply,
    action_string,
    read_reply,
    select_context,
    to_langchain,
)
from agents._scripted import observations_of, policy_rng
from envs import Message


def _turns(n: int, tools: bool) -> list[Message]:
    out = [Message(role="system", content="S"), Message(role="user", content="first")]
    for k in range(1, n + 1):
        if tools:
            call = {"id": f"id{k}", "name": "inc", "arguments": {}}
            out.append(Message(role="assistant", content="", step=k, tool_calls=[call]))
            out.append(Message(role="tool", content=f"obs{k}", step=k))
        else:
            out.append(Message(role="assistant", content=f"<inc> {k}", step=k))
            out.append(Message(role="user", content=f"obs{k}", step=k))
    return out


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 12), window=st.none() | st.integers(1, 5), tools=st.booleans())
def test_window_keeps_whole_recent_turns(n: int, window: int | None, tools: bool) -> None:
    transcript = _turns(n, tools)
    entries = select_context(transcript, [None] * len(transcript), (), window)
    messages = to_langchain(entries)
    assert isinstance(messages[0], SystemMessage) and messages[1].content == "first"
    kept = n if window is None else min(n, window)
    assert len(messages) == 2 + 2 * kept
    contents = [m.content for m in messages if not isinstance(m, AIMessage)]
    assert contents[2:] == [f"obs{k}" for k in range(n - kept + 1, n + 1)]
    for ai, answer in zip(messages[2::2], messages[3::2], strict=True):
        assert isinstance(ai, AIMessage)
        if tools:
            assert isinstance(answer, ToolMessage)
            assert answer.tool_call_id == ai.tool_calls[0]["id"]
        else:
            assert isinstance(answer, HumanMessage)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 10), window=st.none() | st.integers(1, 3), tools=st.booleans())
def test_conversation_extends_to_what_to_langchain_makes(
    n: int, window: int | None, tools: bool
) -> None:
    """Step by step (each call's entries extend the last, or do not under a window or after a
    new system message), the episode's conversation returns what ``to_langchain`` makes."""
    transcript = _turns(n, tools)
    prior = (Message(role="user", content="before"), Message(role="assistant", content="a"))
    conversation = Conversation()
    for end in range(2, len(transcript) + 1):
        seen = transcript[:end]
        if end == len(transcript) - 2:  # a set_prompt event: a new system message leads
            seen = [*seen, Message(role="system", content="S2", step=end)]
        entries = select_context(
            seen, [None] * len(seen), prior, window, conversation.prior_entries(prior)
        )
        assert entries == select_context(seen, [None] * len(seen), prior, window)
        made = conversation.langchain(entries)
        assert made == to_langchain(entries)
        assert [type(m) for m in made] == [type(m) for m in to_langchain(entries)]


def test_latest_system_message_leads_and_prior_messages_follow_it() -> None:
    transcript = [*_turns(1, False), Message(role="system", content="S2", step=2)]
    prior = [Message(role="system", content="old"), Message(role="user", content="before")]
    messages = to_langchain(select_context(transcript, [None] * 5, prior, None))
    assert [m.content for m in messages][:3] == ["S2", "before", "first"]
    assert sum(isinstance(m, SystemMessage) for m in messages) == 1
    windowed = to_langchain(select_context(transcript, [None] * 5, prior, 1))
    assert "before" not in [m.content for m in windowed]


def test_unparsable_tool_calls_round_trip_as_invalid_tool_calls() -> None:
    reply = read_reply(
        AIMessage(
            content="",
            invalid_tool_calls=[{"name": "add", "args": "{bad", "id": "z", "error": None}],
        )
    )
    assert reply.tool_calls == [{"id": "z", "name": "add", "arguments": "{bad"}]
    assert action_string(reply, "tools") == '{"arguments": "{bad", "name": "add"}'
    said = Message(role="assistant", content="", step=1, tool_calls=reply.tool_calls)
    back = to_langchain([(said, None), (Message(role="tool", content="Error", step=1), None)])
    assert back[0].invalid_tool_calls[0]["args"] == "{bad" and back[0].tool_calls == []
    assert back[1].tool_call_id == "z"


def test_usage_is_read_from_usage_metadata_only() -> None:
    usage = {"input_tokens": 11, "output_tokens": 5, "total_tokens": 16}
    assert read_reply(AIMessage(content="x", usage_metadata=usage)).total_tokens == 16
    assert read_reply(AIMessage(content="x")).total_tokens == 0
    assert action_string(Reply(text="hi <done>"), "tags") == "hi <done>"


def test_scripted_rng_depends_on_seed_and_conversation() -> None:
    def draw(seed, obs):
        return policy_rng(seed, obs).integers(0, 2**32, size=4).tolist()

    assert draw(0, ["a", "b"]) == draw(0, ["a", "b"])
    assert draw(0, ["a", "b"]) != draw(1, ["a", "b"])
    assert draw(0, ["a", "b"]) != draw(0, ["a", "c"])
    assert draw(0, ["ab"]) != draw(0, ["a", "b"])
    assert isinstance(policy_rng(0, []), np.random.Generator)


def test_scripted_model_answers_in_text_or_with_one_tool_call() -> None:
    model = make_model("scripted:toy_oracle").chat
    conversation = [SystemMessage("s"), HumanMessage("Reach the target 2. Counter is 0.")]
    assert observations_of(conversation) == ["Reach the target 2. Counter is 0."]
    text = model.invoke(conversation)
    assert text.content.endswith("<inc>") and not text.tool_calls
    assert text.usage_metadata["input_tokens"] == sum(len(m.content) for m in conversation) // 4
    tools = [{"type": "function", "function": {"name": "inc", "parameters": {}}}]
    called = model.bind_tools(tools).invoke(conversation)
    assert called.tool_calls == [{"name": "inc", "args": {}, "id": "call_1", "type": "tool_call"}]
    assert ENV_ID.startswith("telictest/")


def test_made_messages_are_reused_across_calls_and_dropped_with_their_message() -> None:
    import gc

    from agents._messages import MadeMessages

    made = MadeMessages()
    transcript = _turns(3, tools=True)
    entries = select_context(transcript, [None] * len(transcript), (), None)
    first = to_langchain(entries, made)
    again = to_langchain(entries, made)
    assert first == to_langchain(entries)  # the same messages as made without the memo
    for one, two, (message, _native) in zip(first, again, entries, strict=True):
        assert (one is two) == (message.role != "tool")  # tool messages are made afresh
    kept = len(made)
    assert kept == sum(m.role != "tool" for m in transcript)
    del transcript, entries, first, again, one, two, message
    gc.collect()
    assert len(made) == 0


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 8), steps=st.integers(1, 4), tools=st.booleans())
def test_episodes_with_the_same_prior_share_its_langchain_messages(
    n: int, steps: int, tools: bool
) -> None:
    """Episodes that carry the same prior (the same message objects) get the same LangChain
    objects for it from their first step, and every step still equals what ``to_langchain``
    makes (tool-call ids answered across the prior's end included)."""
    from agents._messages import MadeMessages

    made = MadeMessages()
    prior = tuple(_turns(n, tools)[1:])  # the prior's non-system messages
    if tools:  # the prior ends with a call its own messages do not answer
        call = {"id": "open", "name": "inc", "arguments": {}}
        prior = (*prior, Message(role="assistant", content="", step=99, tool_calls=[call]))
    firsts = []
    for episode in range(3):
        conversation = Conversation()
        transcript = [Message(role="system", content=f"S{episode}")]
        transcript.append(Message(role="tool" if tools else "user", content=f"e{episode}"))
        for step in range(steps):
            entries = select_context(transcript, [None] * len(transcript), prior, None,
                                     conversation.prior_entries(prior))  # fmt: skip
            messages = conversation.langchain(entries, made)
            assert messages == to_langchain(entries)
            if step == 0:
                firsts.append(messages)
            transcript.append(Message(role="assistant", content=f"a{step}", step=step + 1))
            transcript.append(Message(role="user", content=f"o{step}", step=step + 1))
    for first in firsts[1:]:
        shared = zip(first[1 : 1 + len(prior)], firsts[0][1 : 1 + len(prior)], strict=True)
        assert all(ours is theirs for ours, theirs in shared)
    if tools:
        assert firsts[0][1 + len(prior)].tool_call_id == "open"
