"""Declaring an environment's actions once and reading them in both protocols.

An :class:`ActionSpec` says what an action is called, how it is written inside tags
(``"stack {block} on {target}"``) and what its parameters are. From that one declaration the
toolkit derives the tag parser (the paper's protocol: free text with one action in ``< >``), the
JSON schema of a native tool, the parser of a tool call, and the rendering of a call back into
tag text (used by scripted policies and in transcripts).

Every parsing failure raises :class:`ActionError`, whose message is written for the model: it is
shown to the agent as the next observation, never raised out of ``env.step``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from telic import TelicError

ParamKind = Literal["block", "number", "configuration", "text"]

_KIND_REGEX: dict[str, str] = {
    "block": r"[a-z]+",
    "number": r"-?\d+(?:\.\d+)?",
    "configuration": r".+",
    "text": r".+",
}
_KIND_SCHEMA: dict[str, dict[str, Any]] = {
    "block": {"type": "string", "description": "a block name, such as 'a'"},
    "number": {"type": "number"},
    "configuration": {
        "type": "array",
        "description": "two towers, each a list of block names, e.g. [['a', 'b'], ['c']]",
        "items": {"type": "array", "items": {"type": "string"}},
        "minItems": 2,
        "maxItems": 2,
    },
    "text": {"type": "string"},
}


class ActionError(TelicError, ValueError):
    """An action the environment cannot accept. The message is shown to the model."""


@dataclass(frozen=True)
class Param:
    """One parameter of an action."""

    name: str
    """Identifier used in the tag template (``{name}``) and as the tool argument name."""
    kind: ParamKind = "text"
    """How the value is matched in tag text and typed in the tool schema."""
    description: str = ""
    """Shown to the model in the tool schema."""


@dataclass(frozen=True)
class ParsedAction:
    """An action as the environment understood it, independent of the protocol."""

    name: str
    """The action's :attr:`ActionSpec.name`."""
    args: Mapping[str, Any] = field(default_factory=dict)
    """Converted argument values: block names as str, numbers as float, configurations as a
    pair of sorted tuples."""


def _tower_list(value: Any) -> list[str]:
    if isinstance(value, str):
        items = [part.strip().strip("'\"").strip() for part in value.split(",")]
        return [item.lower() for item in items if item]
    if isinstance(value, list | tuple):
        out = []
        for item in value:
            if not isinstance(item, str):
                raise ActionError(f"block names must be strings, got {item!r}")
            out.append(item.strip().strip("'\"").lower())
        return out
    raise ActionError(f"a tower must be a list of block names, got {value!r}")


def parse_configuration(value: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Read a two-tower configuration from tag text or from a tool argument.

    Accepts ``"['a','b']; ['c']"`` (tag text, any quoting) or ``[["a", "b"], ["c"]]``.
    Blocks inside each tower are sorted; validity against the world (duplicates, missing
    blocks) is the environment's job.

    >>> parse_configuration("['b', 'a']; [c]")
    (('a', 'b'), ('c',))
    """
    if isinstance(value, str):
        groups = re.findall(r"\[([^\[\]]*)\]", value)
        if len(groups) != 2:
            raise ActionError(
                "a configuration is two towers in square brackets separated by ';', "
                f"for example <towers ['a', 'b']; ['c']>; got {value.strip()!r}"
            )
        towers = [_tower_list(group) for group in groups]
    elif isinstance(value, list | tuple) and len(value) == 2:
        towers = [_tower_list(tower) for tower in value]
    else:
        raise ActionError(f"a configuration is a list of exactly two towers, got {value!r}")
    return tuple(sorted(towers[0])), tuple(sorted(towers[1]))


def _convert(kind: str, name: str, value: Any) -> Any:
    if kind == "block":
        if not isinstance(value, str) or not re.fullmatch(r"\s*[A-Za-z]+\s*", value):
            raise ActionError(f"argument '{name}' must be a block name such as 'a', got {value!r}")
        return value.strip().lower()
    if kind == "number":
        if isinstance(value, bool):
            raise ActionError(f"argument '{name}' must be a number, got {value!r}")
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(?:cm)?\s*", value)
            if not match:
                raise ActionError(f"argument '{name}' must be a number, got {value!r}")
            value = match.group(1)
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise ActionError(f"argument '{name}' must be a number, got {value!r}") from exc
        if not math.isfinite(number):
            raise ActionError(f"argument '{name}' must be a finite number, got {value!r}")
        return number
    if kind == "configuration":
        return parse_configuration(value)
    if not isinstance(value, str):
        raise ActionError(f"argument '{name}' must be text, got {value!r}")
    return value


def format_configuration(config: Sequence[Sequence[str]]) -> str:
    """Write a configuration the way the tag protocol reads it: ``['a', 'b']; ['c']``."""
    return "; ".join("[" + ", ".join(f"'{b}'" for b in tower) + "]" for tower in config)


@dataclass(frozen=True)
class ActionSpec:
    """One action of a text environment, declared once for both protocols."""

    name: str
    """Tool name (``[a-z_]+``), also the key of the action in ``info``."""
    template: str
    """How the action is written inside tags, with ``{param}`` placeholders."""
    description: str
    """One sentence for the model: what the action does and when it is allowed."""
    params: tuple[Param, ...] = ()
    """The parameters, in the order they appear in the template."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"action names must match [a-z][a-z0-9_]*, got {self.name!r}")
        placeholders = re.findall(r"\{(\w+)\}", self.template)
        if placeholders != [p.name for p in self.params]:
            raise ValueError(
                f"template {self.template!r} has placeholders {placeholders}, "
                f"but the params are {[p.name for p in self.params]}"
            )

    @cached_property
    def _regex(self) -> re.Pattern[str]:
        parts = re.split(r"(\{\w+\})", self.template.strip())
        kinds = {p.name: p.kind for p in self.params}
        pattern = ""
        for part in parts:
            if part.startswith("{") and part.endswith("}"):
                key = part[1:-1]
                pattern += f"(?P<{key}>{_KIND_REGEX[kinds[key]]})"
                if kinds[key] == "number":
                    pattern += r"\s*(?:cm)?"
            elif part:
                words = part.split()
                body = r"\s+".join(re.escape(w) for w in words)
                lead = r"\s+" if part[:1].isspace() else ""
                trail = r"\s+" if part[-1:].isspace() else ""
                pattern += lead + body + trail
        return re.compile(rf"^{pattern}$", re.DOTALL)

    def match(self, text: str) -> ParsedAction | None:
        """Parse tag content (already stripped and lower-cased); ``None`` if it is not this
        action. Raises :class:`ActionError` if it is this action with a bad argument."""
        found = self._regex.match(text)
        if not found:
            return None
        kinds = {p.name: p.kind for p in self.params}
        args = {key: _convert(kinds[key], key, val) for key, val in found.groupdict().items()}
        return ParsedAction(self.name, args)

    def render(self, args: Mapping[str, Any] | None = None) -> str:
        """The tag text of a call, e.g. ``<stack a on b>``."""
        args = dict(args or {})
        values = {}
        for param in self.params:
            if param.name not in args:
                raise ValueError(f"action {self.name!r} needs argument {param.name!r}")
            value = args[param.name]
            if param.kind == "configuration":
                value = format_configuration(value)
            elif param.kind == "number":
                value = f"{float(value):.2f}"
            values[param.name] = value
        return "<" + self.template.format(**values) + ">"

    def tool_schema(self, choices: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
        """The OpenAI-style function schema of this action (``{"type": "function", ...}``).

        Args:
            choices: the legal values of a parameter kind in the current episode (e.g.
                ``{"block": ["a", "b", "c"]}``); they become the parameter's ``enum``, which
                lets providers (and grammar-constrained local models) emit only real names.
        """
        properties = {}
        for param in self.params:
            schema = dict(_KIND_SCHEMA[param.kind])
            if param.description:
                schema["description"] = param.description
            if choices and param.kind == "block" and choices.get("block"):
                schema["enum"] = list(choices["block"])
            properties[param.name] = schema
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": properties,
                    "required": [p.name for p in self.params],
                    "additionalProperties": False,
                },
            },
        }

    def convert_args(self, arguments: Mapping[str, Any]) -> ParsedAction:
        """Validate and convert tool-call arguments."""
        if not isinstance(arguments, Mapping):
            raise ActionError(f"the arguments of '{self.name}' must be a JSON object")
        expected = {p.name for p in self.params}
        unknown = sorted(set(arguments) - expected)
        missing = sorted(expected - set(arguments))
        if unknown:
            raise ActionError(
                f"'{self.name}' got unknown argument(s) {unknown}; it takes {sorted(expected)}"
            )
        if missing:
            raise ActionError(f"'{self.name}' is missing argument(s) {missing}")
        args = {p.name: _convert(p.kind, p.name, arguments[p.name]) for p in self.params}
        return ParsedAction(self.name, args)


def extract_tag(text: str) -> str:
    """Take the action out of free text as the paper's parser does (spec 1.2).

    The action is the text between the last ``<`` and the last ``>``, stripped and lower-cased.
    No tag, or more than one ``<``, is an :class:`ActionError`.

    >>> extract_tag("I will measure first. <Measure a>")
    'measure a'
    """
    if not isinstance(text, str):
        raise ActionError("the reply must be text")
    opens = text.count("<")
    if opens == 0 or ">" not in text:
        raise ActionError(
            "No action found. Write exactly one action inside < > tags, for example <help>."
        )
    if opens > 1:
        raise ActionError(
            "Only one set of < > tags is allowed per reply. Write exactly one action in tags."
        )
    start = text.rfind("<")
    end = text.rfind(">")
    if end < start:
        raise ActionError("The action tag is not closed. Write it as <action>.")
    return text[start + 1 : end].strip().lower()


def parse_tag_action(text: str, specs: Sequence[ActionSpec]) -> ParsedAction:
    """Parse a free-text reply into one of ``specs``; :class:`ActionError` otherwise."""
    content = extract_tag(text)
    for spec in specs:
        parsed = spec.match(content)
        if parsed is not None:
            return parsed
    names = ", ".join("<" + s.template + ">" for s in specs)
    raise ActionError(f"'<{content}>' is not an available action. Available actions: {names}.")


def encode_tool_call(name: str, arguments: Mapping[str, Any] | None = None) -> str:
    """The ``env.step`` action string of a native tool call in the tool protocol."""
    return json.dumps({"name": name, "arguments": dict(arguments or {})}, sort_keys=True)


def parse_tool_action(action: str, specs: Sequence[ActionSpec]) -> ParsedAction:
    """Parse a tool-protocol action string (see :func:`encode_tool_call`)."""
    if not isinstance(action, str) or not action.strip():
        raise ActionError("No tool call found. Call exactly one of the available tools.")
    try:
        call = json.loads(action)
    except json.JSONDecodeError as exc:
        raise ActionError(
            "No tool call found (the reply was not a tool call). Call exactly one of the "
            "available tools."
        ) from exc
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        raise ActionError('A tool call needs a "name" and "arguments".')
    arguments = call.get("arguments", {})
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise ActionError(
                f"The arguments of '{call['name']}' are not valid JSON: {arguments!r}"
            ) from exc
    by_name = {s.name: s for s in specs}
    spec = by_name.get(call["name"])
    if spec is None:
        raise ActionError(
            f"Unknown tool '{call['name']}'. Available tools: {', '.join(sorted(by_name))}."
        )
    return spec.convert_args(arguments)
