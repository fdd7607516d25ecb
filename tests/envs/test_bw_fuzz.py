"""Property-based fuzzing of everything fed by model output: the tag parser, tool-call
parsing and argument validation, and ``env.step`` on arbitrary strings."""

from __future__ import annotations

import json

import gymnasium as gym
from hypothesis import given, settings
from hypothesis import strategies as st

from envs import ActionError, ParsedAction, encode_tool_call, parse_tag_action, parse_tool_action
from envs.blocksworld._render import ACTION_SPECS

SPECS = list(ACTION_SPECS.values())
FUZZ = settings(derandomize=True, max_examples=250, deadline=None)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
tag_like = st.builds(
    lambda before, name, middle, after: f"{before}<{name} {middle}>{after}",
    st.text(max_size=30),
    st.sampled_from(["pick up", "put down", "stack", "unstack", "measure", "height", "towers",
                     "help", "done", "PICK UP", "tower"]),
    st.text(alphabet="abcz ;[]',.0123456789-cm\n\t<>", max_size=40),
    st.text(max_size=10),
)  # fmt: skip


@FUZZ
@given(st.one_of(st.text(max_size=200), tag_like))
def test_tag_parser_raises_only_action_error(text: str) -> None:
    try:
        parsed = parse_tag_action(text, SPECS)
    except ActionError as exc:
        assert str(exc)
    else:
        assert isinstance(parsed, ParsedAction) and parsed.name in ACTION_SPECS


@FUZZ
@given(st.sampled_from(sorted(ACTION_SPECS)), json_values)
def test_tool_argument_validation_raises_only_action_error(name: str, arguments) -> None:  # type: ignore[no-untyped-def]
    for action in (
        json.dumps({"name": name, "arguments": arguments}),
        json.dumps({"name": name, "arguments": json.dumps(arguments)}),
    ):
        try:
            parsed = parse_tool_action(action, SPECS)
        except ActionError:
            continue
        assert parsed.name == name
        _assert_renders_back(parsed)


def _assert_renders_back(parsed: ParsedAction) -> None:
    """Whatever was accepted renders to a tag that parses to the same action (numbers are
    shown with 2 decimals)."""
    args = {k: [list(t) for t in v] if k == "configuration" else v for k, v in parsed.args.items()}
    again = parse_tag_action("Reasoning first. " + ACTION_SPECS[parsed.name].render(args), SPECS)
    assert again.name == parsed.name
    for key, value in parsed.args.items():
        if isinstance(value, float):
            assert abs(again.args[key] - value) <= 0.0051 * max(1.0, abs(value))
        else:
            assert again.args[key] == value


block_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC ", min_size=1, max_size=3)
valid_ish_args = st.fixed_dictionaries(
    {},
    optional={
        "block": st.one_of(block_names, json_values),
        "target": block_names,
        "value": st.one_of(
            st.floats(-1e6, 1e6), st.integers(-100, 100), st.text("0123456789.cm -", max_size=8)
        ),
        "configuration": st.one_of(
            st.lists(st.lists(block_names, max_size=4), min_size=0, max_size=3),
            st.text("[]'a,b c;", max_size=20),
        ),
    },
)


@FUZZ
@given(st.sampled_from(sorted(ACTION_SPECS)), valid_ish_args)
def test_plausible_tool_arguments_are_accepted_or_explained(name: str, arguments) -> None:  # type: ignore[no-untyped-def]
    try:
        parsed = parse_tool_action(encode_tool_call(name, arguments), SPECS)
    except ActionError as exc:
        assert str(exc)
        return
    assert set(parsed.args) == {p.name for p in ACTION_SPECS[name].params}
    _assert_renders_back(parsed)


@FUZZ
@given(st.one_of(st.text(max_size=200), json_values.map(json.dumps)))
def test_tool_parser_raises_only_action_error(text: str) -> None:
    try:
        parsed = parse_tool_action(text, SPECS)
    except ActionError as exc:
        assert str(exc)  # a message for the model
    else:
        assert parsed.name in ACTION_SPECS


def _env(env_id: str, protocol: str):  # type: ignore[no-untyped-def]
    env = gym.make(env_id, protocol=protocol, n_blocks=3)
    env.reset(seed=0)
    return env


ENVS = ["telic/Combined-v1", "telic/GenerateConfigurations-v1", "telic/MeasureHeight-v1"]


@settings(derandomize=True, max_examples=120, deadline=None)
@given(
    st.sampled_from(ENVS),
    st.sampled_from(["tags", "tools"]),
    st.lists(
        st.one_of(
            st.text(max_size=120),
            tag_like,
            st.builds(encode_tool_call, st.sampled_from(sorted(ACTION_SPECS)),
                      st.dictionaries(st.sampled_from(["block", "target", "value",
                                                       "configuration", "x"]),
                                      json_values, max_size=3)),
        ),
        min_size=1,
        max_size=8,
    ),
)  # fmt: skip
def test_env_step_never_raises_on_any_string(env_id: str, protocol: str, actions) -> None:  # type: ignore[no-untyped-def]
    env = _env(env_id, protocol)
    for action in actions:
        obs, reward, terminated, truncated, info = env.step(action)
        assert isinstance(obs, str) and env.observation_space.contains(obs)
        assert reward == 0.0 or terminated or truncated
        assert info["invalid_action"] == (info["action"] is None)
        if terminated or truncated:
            env.reset(seed=1)
