"""The individual conformance checks behind :func:`envs.testing.check_text_env`.

Each check takes a factory that builds a fresh, unwrapped env for a protocol and returns a
list of problems (empty when the check passes). Every message says what to fix.
"""

from __future__ import annotations

import json
import pickle
import string
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium.utils.env_checker import check_env

from envs._actions import ActionSpec, encode_tool_call
from envs._text import BASE_INFO_KEYS, SUMMARY_INFO_KEYS, TextEnv

Factory = Callable[[str], TextEnv]

#: Action strings every env must survive (invalid-action check), whatever the protocol.
GARBAGE_ACTIONS: tuple[str, ...] = (
    "",
    "   ",
    "hello there",
    "<>",
    "<< >>",
    "<not an action at all>",
    "<pick up> <put down>",
    "{not json",
    "[]",
    "null",
    '{"name": 3}',
    '{"name": "no_such_tool_xyz", "arguments": {}}',
    '{"name": "no_such_tool_xyz", "arguments": "{broken"}',
    "\u2603 \x00 \ud7ff",
    "<" + "x" * 5000 + ">",
)

_JSON_TYPES = {"string", "number", "integer", "boolean", "array", "object", "null"}


def sample_args(spec: ActionSpec, rng: np.random.Generator) -> dict[str, Any]:
    """Syntactically valid arguments for ``spec`` (they may still fail a precondition)."""
    letters = string.ascii_lowercase[:5]
    args: dict[str, Any] = {}
    for param in spec.params:
        if param.kind == "block":
            args[param.name] = letters[int(rng.integers(len(letters)))]
        elif param.kind == "number":
            args[param.name] = round(float(rng.uniform(0, 20)), 2)
        elif param.kind == "configuration":
            cut = int(rng.integers(1, 3))
            args[param.name] = [list(letters[:cut]), list(letters[cut:3])]
        else:
            args[param.name] = "x" + letters[int(rng.integers(len(letters)))]
    return args


def random_action(env: TextEnv, rng: np.random.Generator) -> str:
    """A random, well-formed action string in the env's protocol."""
    specs = list(env.available_actions())
    spec = specs[int(rng.integers(len(specs)))]
    args = sample_args(spec, rng)
    if env.protocol == "tools":
        return encode_tool_call(spec.name, args)
    return "Let me try this. " + spec.render(args)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=repr))


def rollout(env: TextEnv, seed: int, steps: int = 30) -> list[Any]:
    """A random-action trajectory as JSON-comparable data (resets when an episode ends)."""
    rng = np.random.default_rng(seed)
    obs, info = env.reset(seed=seed)
    trace: list[Any] = [obs, _jsonable(info)]
    for _ in range(steps):
        obs, reward, terminated, truncated, info = env.step(random_action(env, rng))
        trace.append([obs, float(reward), terminated, truncated, _jsonable(info)])
        if terminated or truncated:
            obs, info = env.reset()
            trace.append([obs, _jsonable(info)])
    return trace


def check_gymnasium(make: Factory, protocols: Sequence[str], seeds: Sequence[int]) -> list[str]:
    problems = []
    for protocol in protocols:
        env = make(protocol)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                # the render-mode check needs a registered spec; unregistered classes skip it
                check_env(env, skip_render_check=env.spec is None)
        except Exception as exc:  # any failure of Gymnasium's checker is reported, not raised
            problems.append(
                f"gymnasium's check_env failed with protocol={protocol!r}: "
                f"{type(exc).__name__}: {exc}. Fix the env so check_env passes with warnings "
                "as errors (reset(seed=...) must be deterministic, spaces must match)."
            )
    return problems


def check_protocols(make: Factory, protocols: Sequence[str], seeds: Sequence[int]) -> list[str]:
    problems = []
    parsed: dict[str, list[Any]] = {}
    for protocol in protocols:
        env = make(protocol)
        if env.protocol != protocol:
            problems.append(
                f"protocol={protocol!r} was passed but env.protocol is {env.protocol!r}; pass "
                "the protocol keyword through to TextEnv.__init__"
            )
            continue
        env.reset(seed=seeds[0])
        results = []
        for spec in env.action_specs():
            args = sample_args(spec, np.random.default_rng(len(spec.name)))
            text = encode_tool_call(spec.name, args) if protocol == "tools" else spec.render(args)
            try:
                action = env.parse_action(text)
            except Exception as exc:  # a well-formed action must parse in its own protocol
                problems.append(
                    f"protocol={protocol!r}: the well-formed action {text!r} was rejected "
                    f"({exc}); parse_action must accept its own protocol's actions"
                )
                continue
            results.append((action.name, sorted(action.args.items(), key=str)))
        parsed[protocol] = results
    if len(parsed) == 2 and parsed.get("tags") != parsed.get("tools"):
        problems.append(
            "the same action parses differently in the tags and tools protocols "
            f"({parsed.get('tags')} vs {parsed.get('tools')}); both must go through the same "
            "ActionSpec"
        )
    return problems


def _schema_problems(schema: Any, where: str) -> list[str]:
    if not isinstance(schema, Mapping):
        return [f"{where} is not a JSON object"]
    problems = []
    kind = schema.get("type")
    if kind not in _JSON_TYPES:
        problems.append(f"{where} has type {kind!r}; use one of {sorted(_JSON_TYPES)}")
    if kind == "object":
        properties = schema.get("properties", {})
        if not isinstance(properties, Mapping):
            return [*problems, f"{where}.properties must be an object"]
        for key, sub in properties.items():
            problems.extend(_schema_problems(sub, f"{where}.properties.{key}"))
        required = schema.get("required", [])
        missing = [r for r in required if r not in properties]
        if missing:
            problems.append(f"{where}.required names {missing}, which are not properties")
    if kind == "array" and "items" in schema:
        problems.extend(_schema_problems(schema["items"], f"{where}.items"))
    return problems


def check_tool_schemas(make: Factory, protocols: Sequence[str], seeds: Sequence[int]) -> list[str]:
    env = make("tools")
    env.reset(seed=seeds[0])
    problems = []
    schemas = env.tool_schemas()
    try:
        json.dumps(schemas)
    except (TypeError, ValueError) as exc:
        return [f"tool_schemas() is not JSON-serialisable ({exc}); use plain dicts and lists"]
    specs = {s.name: s for s in env.available_actions()}
    names = []
    for i, schema in enumerate(schemas):
        function = schema.get("function") if isinstance(schema, Mapping) else None
        if not isinstance(schema, Mapping) or schema.get("type") != "function" or not function:
            problems.append(f"tool_schemas()[{i}] must be {{'type': 'function', 'function': ...}}")
            continue
        name = function.get("name")
        names.append(name)
        spec = specs.get(name)
        if spec is None:
            problems.append(f"tool {name!r} has no matching ActionSpec among available_actions()")
            continue
        parameters = function.get("parameters", {})
        problems.extend(_schema_problems(parameters, f"tool {name!r} parameters"))
        props = set(parameters.get("properties", {})) if isinstance(parameters, Mapping) else set()
        wanted = {p.name for p in spec.params}
        if props != wanted:
            problems.append(
                f"tool {name!r} declares parameters {sorted(props)} but its ActionSpec has "
                f"{sorted(wanted)}; derive schemas with ActionSpec.tool_schema()"
            )
        try:
            from jsonschema import Draft202012Validator
        except ImportError:  # optional: the structural checks above still ran
            continue
        try:
            Draft202012Validator.check_schema(parameters)
        except Exception as exc:  # jsonschema's SchemaError
            problems.append(f"tool {name!r} parameters are not a valid JSON schema: {exc}")
    if sorted(n for n in names if n) != sorted(specs):
        problems.append(
            f"tool_schemas() names {sorted(map(str, names))} but available_actions() has "
            f"{sorted(specs)}; they must match one to one"
        )
    return problems


def check_invalid_actions(
    make: Factory, protocols: Sequence[str], seeds: Sequence[int]
) -> list[str]:
    """Garbage never raises; the flags agree with the counter; garbage is flagged invalid
    unless the tag protocol has a free-text action (one whose parameter is ``text``), which
    may legitimately accept any reply."""
    problems = []
    for protocol in protocols:
        env = make(protocol)
        env.reset(seed=seeds[0])
        free_text = protocol == "tags" and any(
            p.kind == "text" for spec in env.action_specs() for p in spec.params
        )
        garbage = list(GARBAGE_ACTIONS)
        for spec in env.available_actions():
            garbage.append(encode_tool_call(spec.name, {"bogus_argument": 1}))
            garbage.append(json.dumps({"name": spec.name, "arguments": "{bad json"}))
            if spec.params:
                garbage.append(encode_tool_call(spec.name, {}))
                garbage.append(encode_tool_call(spec.name, {p.name: [[1]] for p in spec.params}))
                garbage.append(f"<{spec.template.split('{')[0]}>")
        for action in garbage:
            before = env.invalid_actions
            try:
                _, _, terminated, truncated, info = env.step(action)
            except Exception as exc:  # the whole point: step must never raise on model output
                problems.append(
                    f"protocol={protocol!r}: step({action[:60]!r}) raised "
                    f"{type(exc).__name__}: {exc}; invalid model output must become an "
                    "error observation (raise ActionError inside _act)"
                )
                env.reset(seed=seeds[0])
                continue
            flagged = bool(info.get("invalid_action"))
            if flagged != (env.invalid_actions == before + 1) or (
                flagged == (info.get("action") is not None)
            ):
                problems.append(
                    f"protocol={protocol!r}: after step({action[:60]!r}) info['invalid_action'],"
                    " info['action'] and invalid_actions disagree; let TextEnv.step set them"
                )
            elif not flagged and not free_text:
                problems.append(
                    f"protocol={protocol!r}: step({action[:60]!r}) was accepted; malformed "
                    "actions must be flagged (info['invalid_action'] True, invalid_actions + 1)"
                )
            if terminated or truncated:
                env.reset(seed=seeds[0])
    return problems


def check_info_keys(make: Factory, protocols: Sequence[str], seeds: Sequence[int]) -> list[str]:
    problems: list[str] = []
    for protocol in protocols:
        env = make(protocol)
        rng = np.random.default_rng(seeds[0])
        _, info = env.reset(seed=seeds[0])
        missing = [k for k in BASE_INFO_KEYS if k not in info]
        if missing:
            problems.append(f"protocol={protocol!r}: reset info lacks {missing}")
        ended = 0
        for step in range(400):
            _, _, terminated, truncated, info = env.step(random_action(env, rng))
            missing = [k for k in BASE_INFO_KEYS if k not in info]
            if missing:
                problems.append(
                    f"protocol={protocol!r}: step {step + 1} info lacks {missing}; keep "
                    "TextEnv.step's info keys"
                )
                break
            if terminated or truncated:
                missing = [k for k in SUMMARY_INFO_KEYS if k not in info]
                if missing:
                    problems.append(
                        f"protocol={protocol!r}: the final info lacks {missing}; _summary() "
                        "must report them"
                    )
                    break
                ended += 1
                if ended == 2:
                    break
                env.reset(seed=seeds[-1])
        if ended == 0 and not problems:
            problems.append(
                f"protocol={protocol!r}: no episode ended within 400 random steps; define a "
                "step_cap and truncate with _out_of_steps()"
            )
    return problems


def check_determinism(make: Factory, protocols: Sequence[str], seeds: Sequence[int]) -> list[str]:
    problems = []
    for protocol in protocols:
        for seed in seeds:
            first = rollout(make(protocol), seed)
            second = rollout(make(protocol), seed)
            if first != second:
                at = next(i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b)
                problems.append(
                    f"protocol={protocol!r}, seed={seed}: two runs with the same seed and "
                    f"actions differ at entry {at}; draw all randomness from self.np_random"
                )
    return problems


def check_pickle(make: Factory, protocols: Sequence[str], seeds: Sequence[int]) -> list[str]:
    problems = []
    for protocol in protocols:
        env = make(protocol)
        rng = np.random.default_rng(seeds[0])
        env.reset(seed=seeds[0])
        for _ in range(3):
            _, _, terminated, truncated, _ = env.step(random_action(env, rng))
            if terminated or truncated:
                env.reset(seed=seeds[0])
        try:
            clone = pickle.loads(pickle.dumps(env))
        except Exception as exc:  # report any pickling failure
            problems.append(
                f"protocol={protocol!r}: the env cannot be pickled ({type(exc).__name__}: "
                f"{exc}); keep only picklable state (no lambdas, open files or locks)"
            )
            continue
        actions = [random_action(env, rng) for _ in range(5)]
        for action in actions:
            a = env.step(action)
            b = clone.step(action)
            if _jsonable(a) != _jsonable(b):
                problems.append(
                    f"protocol={protocol!r}: after a pickle round-trip the env answers "
                    f"{action[:40]!r} differently; pickle must preserve the whole state"
                )
                break
            if a[2] or a[3]:
                break
    return problems


def check_observations(make: Factory, protocols: Sequence[str], seeds: Sequence[int]) -> list[str]:
    problems = []
    for protocol in protocols:
        env = make(protocol)
        rng = np.random.default_rng(seeds[-1])
        obs, _ = env.reset(seed=seeds[-1])
        observations = [obs]
        for _ in range(40):
            obs, _, terminated, truncated, _ = env.step(random_action(env, rng))
            observations.append(obs)
            if terminated or truncated:
                observations.append(env.reset()[0])
        for obs in observations:
            if not isinstance(obs, str) or not env.observation_space.contains(obs):
                problems.append(
                    f"protocol={protocol!r}: observation {str(obs)[:60]!r} is outside the "
                    "observation space; return str and pass text through envs.to_charset"
                )
                break
    return problems


#: Every check by name, in the order they run.
CHECKS: dict[str, Callable[[Factory, Sequence[str], Sequence[int]], list[str]]] = {
    "gymnasium": check_gymnasium,
    "protocols": check_protocols,
    "tool_schemas": check_tool_schemas,
    "invalid_actions": check_invalid_actions,
    "info_keys": check_info_keys,
    "determinism": check_determinism,
    "pickle": check_pickle,
    "observation_space": check_observations,
}
