"""Reading scenario files: YAML in, a validated :class:`~scenarios.Scenario` out.

Every problem becomes a :class:`ScenarioError` whose message names the file, the line and
column, the offending field and a fix: malformed YAML, duplicate keys, unknown fields (with a
"did you mean"), wrong types and out-of-range values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from scenarios._schema import SECRET_OPTIONS, UNION_TAGS, Scenario
from telic import TelicError, suggestion


class ScenarioError(TelicError, ValueError):
    """A scenario that cannot be used: bad YAML, unknown fields, values out of range, ..."""


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: with the file, line and column of the problem and how to fix it.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"scenario file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario file {str(path)!r}: {exc}") from None
    return parse_scenario(text, source=str(path))


#: Deepest nesting of mappings and lists a scenario file may have.
MAX_DEPTH = 64
#: Most YAML nodes a scenario file may expand to, every alias counted at its full size.
MAX_NODES = 1_000_000


def parse_scenario(text: str, *, source: str = "<scenario>") -> Scenario:
    """Validate scenario YAML given as text (``source`` names it in messages)."""
    try:
        try:
            _check_shape(text, source, _FAST_LOADER)
            node, data = _compose_and_construct(text, _FAST_LOADER)
        except yaml.YAMLError:
            # read again by the pure-Python loader, whose messages the errors below quote
            _check_shape(text, source, yaml.SafeLoader)
            node, data = _compose_and_construct(text, yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError(f"{where}: malformed YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: malformed YAML: {exc}") from None
    if node is not None:
        _check_duplicate_keys(node, source)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}: a scenario must be a YAML mapping (name: ..., models: ..., envs: ...), "
            f"got {type(data).__name__}"
        )
    return scenario_from_dict(data, source=source, node=node)


#: libyaml's safe loader when PyYAML was built with it (about 15x quicker on a scenario);
#: the pure-Python loader otherwise, and for the text of every YAML error.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose_and_construct(text: str, loader_class: Any) -> tuple[yaml.Node | None, Any]:
    """The node tree of ``text`` and the data built from it, in one pass of ``loader_class``."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _check_shape(text: str, source: str, loader_class: Any = yaml.SafeLoader) -> None:
    """Refuse, before anything is built, YAML nested deeper than :data:`MAX_DEPTH` (the
    composer recurses per level) or expanding to more than :data:`MAX_NODES` nodes (an "alias
    bomb": a kilobyte of anchors that every later step would walk in full). Reads the event
    stream, which takes memory and time in proportion to the text."""
    anchors: dict[str, int] = {}
    opened: list[tuple[str | None, int]] = []
    expanded = 0
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, yaml.CollectionStartEvent):
            opened.append((event.anchor, expanded))
            expanded += 1
            if len(opened) > MAX_DEPTH:
                raise ScenarioError(
                    f"{_at(source, event)}: nested more than {MAX_DEPTH} "
                    "levels deep; a scenario needs only a few levels"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, start = opened.pop()
            if anchor is not None:
                anchors[anchor] = expanded - start
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor is not None:
                anchors[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            expanded += anchors.get(str(event.anchor), 1)
        else:
            continue
        if expanded > MAX_NODES:
            raise ScenarioError(
                f"{_at(source, event)}: the file expands to more than "
                f"{MAX_NODES:,} values (aliases counted in full); write the scenario out "
                "without nested aliases"
            )


def _at(source: str, event: yaml.Event) -> str:
    mark = event.start_mark
    return f"{source}:{mark.line + 1}:{mark.column + 1}" if mark is not None else source


def scenario_from_dict(
    data: dict[str, Any], *, source: str = "<scenario>", node: yaml.Node | None = None
) -> Scenario:
    """Validate a scenario given as a dict; ``node`` (the composed YAML) locates errors."""
    _refuse_literal_keys(data, source, node)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        lines = [_describe(err, source, node) for err in exc.errors()]
        head = f"{source}: invalid scenario ({len(lines)} problem{'s' * (len(lines) > 1)})"
        raise ScenarioError(head + ":\n" + "\n".join(f"  - {line}" for line in lines)) from None


def _refuse_literal_keys(data: Any, source: str, node: yaml.Node | None) -> None:
    """A literal API key in a scenario would be copied into the output folder's manifest and
    hash; the scenario names the environment variable holding it instead."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(data, ())]
    while stack:
        value, loc = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and key.lower() in SECRET_OPTIONS and item:
                    where = _locate(node, (*loc, key), source, key_last=True)
                    dotted = ".".join(str(p) for p in (*loc, key))
                    raise ScenarioError(
                        f"{where}: {dotted}: a literal API key must not be written in a scenario "
                        "(it would be copied into manifest.json); put it in an environment "
                        "variable and name that variable with api_key_env: YOUR_KEY_VARIABLE"
                    )
                stack.append((item, (*loc, key)))
        elif isinstance(value, list):
            stack.extend((item, (*loc, i)) for i, item in enumerate(value))


def _describe(err: Any, source: str, node: yaml.Node | None) -> str:
    loc = tuple(err["loc"])
    where = _locate(node, loc, source, key_last=err["type"] == "extra_forbidden")
    dotted = ".".join(str(p) for p in loc if not _is_union_tag(p)) or "(top level)"
    if err["type"] == "extra_forbidden":
        field = str(loc[-1])
        parent = ".".join(str(p) for p in loc[:-1] if not _is_union_tag(p)) or "scenario"
        allowed = _allowed_fields(loc[:-1])
        hint = suggestion(field, allowed, n=1, cutoff=0.6)
        known = f" Allowed: {', '.join(allowed)}." if allowed else ""
        return f"{where}: unknown field {field!r} in {parent}.{hint}{known}"
    message = err["msg"].removeprefix("Value error, ")
    hint = _HINTS.get(dotted.split(".")[0], "") if err["type"].endswith("_type") else ""
    return f"{where}: {dotted}: {message} (got {_short(err.get('input'))}){hint}"


_HINTS = {
    "seeds": "; write seeds as a list ([10, 11, 12]) or as {start: 10, count: 30}",
    "variants": "; write variants as names ([neutral, motivating]) or as {name: text}",
    "models": "; write a model as a spec string or as {spec, options, label}",
    "envs": "; write an env as an ID string or as {id, kwargs}",
}


def _is_union_tag(part: Any) -> bool:
    # pydantic adds the union member's tag or type (e.g. "list[str]") to error locations
    return isinstance(part, str) and (part in UNION_TAGS or "[" in part or part == "str")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _allowed_fields(loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model found at ``loc`` inside :class:`Scenario`."""
    model: type[BaseModel] = Scenario
    for part in loc:
        if isinstance(part, int) or _is_union_tag(part):
            continue
        field = model.model_fields.get(part)
        inner = _model_in(field.annotation) if field is not None else None
        if inner is None:
            return []
        model = inner
    fields = list(model.model_fields)
    if model is Scenario:
        fields.append("protocol")
    return sorted(fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _locate(
    node: yaml.Node | None, loc: tuple[Any, ...], source: str, *, key_last: bool = False
) -> str:
    """``file:line:column`` of the YAML node at ``loc`` (the deepest one that exists)."""
    if node is None:
        return source
    current = node
    for part in loc:
        child = None
        if isinstance(current, yaml.MappingNode) and isinstance(part, str):
            for key, value in current.value:
                if key.value == part:
                    # an unknown field points at its key, anything else at its value
                    child = key if key_last and part == loc[-1] else value
                    break
        elif (
            isinstance(current, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(current.value)
        ):
            child = current.value[part]
        if child is None:
            if _is_union_tag(part):
                continue
            break
        current = child
    mark = current.start_mark
    return f"{source}:{mark.line + 1}:{mark.column + 1}"


def _check_duplicate_keys(node: yaml.Node, source: str) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                first = seen[name].start_mark.line + 1
                mark = key.start_mark
                raise ScenarioError(
                    f"{source}:{mark.line + 1}:{mark.column + 1}: duplicate key {name!r} "
                    f"(first given on line {first}); keep only one"
                )
            seen[name] = key
            _check_duplicate_keys(value, source)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, source)
