"""Model specs: from ``provider:model`` strings to :class:`agents.Model` objects.

Providers:

* ``openai:<model>``: ``ChatOpenAI``; key from ``api_key=`` or ``OPENAI_API_KEY``.
* ``anthropic:<model>``: ``ChatAnthropic``; key from ``api_key=`` or ``ANTHROPIC_API_KEY``.
* ``openai-compatible:<model>``: ``ChatOpenAI`` against ``base_url=`` or ``OPENAI_BASE_URL``
  (vLLM, llama.cpp server, Ollama, ...); the key is optional.
* ``local:smollm2``: the embedded SmolLM2-135M model (extra ``telic[local]``).
* ``scripted:<policy>``: a registered scripted policy; options are its parameters + ``seed``.

Providers live in a :class:`telic.Registry`, like environments and policies: another package
adds one with :func:`register_provider`, from code or through the ``telic.providers`` entry-point
group (loaded lazily, the first time a spec names a provider telic does not know). An unknown
provider raises :class:`~agents.UnknownProviderError` with a did-you-mean.

Provider SDKs and LangChain adapters are imported inside the factories, so importing
``agents`` stays light. The LangChain clients get ``max_retries=0``: telic's retry layer
retries instead, and records every retry; an SDK option that would take over one of telic's
jobs (``max_retries``, ``rate_limiter``, ``model``) is refused with the telic option to use.

Reasoning models (:func:`reasoning_rules`): OpenAI's o-series and GPT-5 reasoning models reject
``temperature`` and ``top_p``, so those options are dropped for them (a scenario may share one
temperature across all its models); ``reasoning_effort`` (``minimal``/``low``/``medium``/
``high``) is passed to OpenAI and OpenAI-compatible servers; ``thinking_budget`` (tokens) turns
on Anthropic's extended thinking, which also drops ``temperature`` and ``top_k`` and raises
``max_tokens`` above the budget when it is not set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agents._cache import LLMCache
from agents._errors import (
    MissingAPIKeyError,
    MissingExtraError,
    ModelSpecError,
    UnknownProviderError,
    did_you_mean,
)
from agents._limits import configure_limits
from agents._model import DEFAULT_CALL_TIMEOUT_S, DEFAULT_MAX_REPLY_CHARS, Model
from agents._pricing import set_price
from agents._retry import RetryPolicy, check_openai_body
from telic import Registry, load_object

#: The providers telic ships (plugins add more, see :func:`register_provider`).
PROVIDERS: tuple[str, ...] = ("openai", "anthropic", "openai-compatible", "local", "scripted")
#: The entry-point group through which installed packages register model providers.
PROVIDER_ENTRY_POINT_GROUP = "telic.providers"
LOCAL_MODELS: tuple[str, ...] = ("smollm2",)
#: Placeholder key for OpenAI-compatible servers that do not check keys.
PLACEHOLDER_KEY = "not-needed"
_TELIC_OPTIONS = ("max_attempts", "base_wait_s", "max_wait_s", "retry", "cache",
                  "max_concurrency", "rpm", "max_reply_chars", "price")  # fmt: skip
#: SDK options that would take over a job telic does itself -> the telic option to use.
CLASHING_OPTIONS: dict[str, str] = {
    "max_retries": "max_attempts (telic retries every call itself and records each retry; "
    "max_attempts: 1 turns retries off)",
    "rate_limiter": "rpm and max_concurrency (concurrency.rpm / concurrency.max_in_flight in a "
    "scenario)",
    "model": "the model spec itself (provider:model)",
    "model_name": "the model spec itself (provider:model)",
}
#: OpenAI models that reject sampling temperature: the o-series and the GPT-5 reasoning models.
_OPENAI_REASONING = re.compile(r"^(o\d+)(-|$)|^gpt-5(?!.*-chat)")
_REASONING_OPTIONS = ("reasoning_effort", "thinking_budget")


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``provider:model`` and check the provider.

    Raises:
        ModelSpecError: for a malformed spec or an unknown provider (with a suggestion).
    """
    if not isinstance(spec, str) or ":" not in spec:
        guess = ""
        if isinstance(spec, str) and spec.startswith(("gpt", "o1", "o3", "o4")):
            guess = f" Did you mean 'openai:{spec}'?"
        elif isinstance(spec, str) and spec.startswith("claude"):
            guess = f" Did you mean 'anthropic:{spec}'?"
        raise ModelSpecError(
            f"model specs look like 'provider:model' (e.g. 'openai:gpt-4o-mini' or "
            f"'scripted:oracle'), got {spec!r}.{guess}"
        )
    provider, name = spec.split(":", 1)
    _PROVIDERS.get(provider)  # UnknownProviderError with a did-you-mean
    if not name.strip():
        raise ModelSpecError(f"model spec {spec!r} names no model after '{provider}:'")
    return provider, name


def _key(options: dict[str, Any], variable: str, spec: str) -> str:
    key = options.pop("api_key", None) or os.environ.get(variable)
    if not key:
        raise MissingAPIKeyError(variable, spec)
    return str(key)


def _openai(name: str, spec: str, options: dict[str, Any], *, compatible: bool) -> Any:
    if compatible:
        base_url = options.pop("base_url", None) or os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            raise ModelSpecError(
                f"{spec!r} needs the server's address: pass base_url='http://host:port/v1' to "
                "make_model or set OPENAI_BASE_URL"
            )
        key = options.pop("api_key", None) or os.environ.get("OPENAI_API_KEY") or PLACEHOLDER_KEY
        options["base_url"] = base_url
    else:
        key = _key(options, "OPENAI_API_KEY", spec)
    if "http_async_client" not in options:
        # langchain-openai otherwise shares one cached async HTTP client per base URL across the
        # process; that client is bound to the first event loop that used it, so a model made
        # for a second `asyncio.run` (a second run_scenario, a notebook cell) would fail with
        # "Event loop is closed". Each model gets its own client instead.
        from agents._fastpath import async_http_client

        options["http_async_client"] = async_http_client()
    chat = _openai_class()(model=name, api_key=SecretStr(key), max_retries=0, **options)
    from agents._fastpath import install_fast_path

    install_fast_path(chat)  # plain requests skip the SDK's schema conversion
    return chat


@cache
def _openai_class() -> Any:
    """``ChatOpenAI`` that also keeps ``reasoning_content``/``reasoning`` message fields.

    OpenAI-compatible servers (vLLM, DeepSeek-style APIs) return a thinking model's reasoning in
    these non-standard fields, which ``ChatOpenAI`` drops; we copy them into
    ``additional_kwargs`` so the transcript can keep them in ``Message.reasoning``.
    """
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # a core dependency, but say how to fix a broken install
        raise MissingExtraError("openai models need langchain-openai: pip install telic") from exc

    class ReasoningChatOpenAI(ChatOpenAI):
        def _create_chat_result(self, response: Any, generation_info: Any = None) -> Any:
            data = response if isinstance(response, dict) else response.model_dump()
            check_openai_body(data)  # an empty answer is retried like a truncated one
            result = super()._create_chat_result(response, generation_info)
            for generation, choice in zip(result.generations, data.get("choices") or [],
                                          strict=False):  # fmt: skip
                message = (choice or {}).get("message") or {}
                for key in ("reasoning_content", "reasoning"):
                    value = message.get(key)
                    if isinstance(value, str) and value:
                        generation.message.additional_kwargs[key] = value
            return result

    return ReasoningChatOpenAI


def _anthropic(name: str, spec: str, options: dict[str, Any]) -> Any:
    key = _key(options, "ANTHROPIC_API_KEY", spec)
    # Anthropic's API has no seed parameter and rejects unknown fields; a scenario's shared
    # seed option therefore has no effect here.
    options.pop("seed", None)
    kwargs = {"model": name, "api_key": SecretStr(key), "max_retries": 0, **options}
    return _anthropic_class(spec)(**kwargs)


@cache
def _anthropic_class(spec: str) -> Any:
    """``ChatAnthropic`` with an async HTTP client of its own.

    langchain-anthropic shares one cached async HTTP client per base URL across the process,
    bound to the event loop that first used it: a model made for a second ``asyncio.run`` (a
    resumed run, a notebook cell) would fail its first call on every episode with a connection
    error (the same reason the OpenAI models get their own client above).
    """
    try:
        import anthropic
        from langchain_anthropic import ChatAnthropic
    except ImportError as exc:
        raise MissingExtraError(f"{spec} needs langchain-anthropic: pip install telic") from exc

    class OwnClientChatAnthropic(ChatAnthropic):
        @cached_property
        def _async_client(self) -> Any:
            return anthropic.AsyncClient(
                **self._client_params, http_client=anthropic.DefaultAsyncHttpxClient()
            )

    return OwnClientChatAnthropic


def _local(name: str, spec: str, options: dict[str, Any]) -> Any:
    if name not in LOCAL_MODELS:
        raise ModelSpecError(
            f"unknown local model {name!r}.{did_you_mean(name, LOCAL_MODELS)} "
            f"Local models: {', '.join(LOCAL_MODELS)}."
        )
    from agents._local import INSTALL_HINT, SAMPLING_OPTIONS, LocalChatModel, smollm2_path

    try:
        import llama_cpp  # noqa: F401  (checked here so the error comes at make_model time)
    except ImportError as exc:
        raise MissingExtraError(f"{spec} needs llama-cpp-python; {INSTALL_HINT}") from exc
    path = smollm2_path()
    n_ctx = int(options.pop("n_ctx", 8192))
    n_threads = options.pop("n_threads", None)
    grammar = bool(options.pop("tool_grammar", False))
    options.pop("timeout", None)  # in-process: nothing to time out
    for reasoning in _REASONING_OPTIONS:  # a small local model does not reason separately
        options.pop(reasoning, None)
    unknown = sorted(set(options) - SAMPLING_OPTIONS)
    if unknown:
        raise ModelSpecError(
            f"{spec} does not take option(s) {unknown}; it takes n_ctx, n_threads, "
            f"tool_grammar and {', '.join(sorted(SAMPLING_OPTIONS))}"
        )
    options.setdefault("max_tokens", 256)
    return LocalChatModel(
        model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, sampling=options,
        tool_grammar=grammar,
    )  # fmt: skip


def _scripted(name: str, spec: str, options: dict[str, Any]) -> Any:
    from agents._scripted import ScriptedChatModel
    from envs import UnknownPolicyError

    seed = options.pop("seed", 0)
    for transport in ("timeout", "temperature", "max_tokens", *_REASONING_OPTIONS):
        options.pop(transport, None)  # shared scenario options that mean nothing here
    try:
        return ScriptedChatModel(policy=name, params=options, seed=int(seed or 0))
    except UnknownPolicyError as exc:
        raise ModelSpecError(f"{spec!r}: {exc}") from exc
    except TypeError as exc:  # an option the policy does not take
        raise ModelSpecError(
            f"{spec!r}: {exc}. Options of scripted models are the policy's parameters and seed."
        ) from exc


#: ``factory(model_name, spec, options) -> chat model``: builds the LangChain chat model of one
#: spec; ``options`` are the spec's options minus telic's own (the factory may pop from them).
ProviderFactory = Callable[[str, str, dict[str, Any]], Any]


@dataclass(frozen=True)
class _Provider:
    """One registered provider: how to build its chat models."""

    factory: ProviderFactory | str
    """The factory, or its ``"module:function"`` string (imported on first use)."""
    network: bool
    """Whether calls go over the network (each call attempt then gets a deadline)."""

    def chat(self, name: str, spec: str, options: dict[str, Any]) -> Any:
        factory = load_object(self.factory) if isinstance(self.factory, str) else self.factory
        return factory(name, spec, options)


_PROVIDERS: Registry[_Provider] = Registry(
    "model provider",
    group=PROVIDER_ENTRY_POINT_GROUP,
    fix="Model specs look like 'provider:model'; a package adds a provider with "
    f"agents.register_provider or the {PROVIDER_ENTRY_POINT_GROUP!r} entry point.",
    error=UnknownProviderError,
)


def register_provider(
    name: str, factory: ProviderFactory | str, *, network: bool = True, doc: str = ""
) -> None:
    """Make ``name:<model>`` specs build their chat models with ``factory``.

    Args:
        name: the provider part of the spec (no ``:``).
        factory: ``factory(model_name, spec, options)`` returning a LangChain chat model, or its
            ``"module:function"`` string, imported the first time a spec names the provider (so
            registering imports no SDK). ``options`` holds the spec's options minus telic's
            own (retries, cache, limits, price); the factory pops the ones it consumes. telic
            retries every call itself, so the chat model should not retry (``max_retries=0``).
        network: whether calls go over the network; each call attempt then gets a deadline,
            the ``timeout`` option (default 300 s), which the factory also receives.
        doc: one line saying what the provider is.

    Registering the same factory again is a no-op; another factory under a taken name is a
    :class:`~telic.RegistrationError`.
    """
    if not isinstance(name, str) or not name or ":" in name:
        raise ModelSpecError(f"a provider name is a non-empty string without ':', got {name!r}")
    _PROVIDERS.register(name, _Provider(factory, network), doc=doc)


register_provider("openai", lambda n, s, o: _openai(n, s, o, compatible=False),
                  doc="OpenAI's API (OPENAI_API_KEY)")  # fmt: skip
register_provider("openai-compatible", lambda n, s, o: _openai(n, s, o, compatible=True),
                  doc="an OpenAI-compatible server at base_url or OPENAI_BASE_URL")  # fmt: skip
register_provider("anthropic", _anthropic, doc="Anthropic's API (ANTHROPIC_API_KEY)")
register_provider("local", _local, network=False, doc="the embedded SmolLM2 model")
register_provider("scripted", _scripted, network=False, doc="a registered scripted policy")


_SHARED_CACHES: dict[tuple[str, str], LLMCache] = {}


def uses_network(spec: str) -> bool:
    """Whether calls of ``spec``'s provider go over the network (registered ``network``).

    Raises:
        ModelSpecError: for a malformed spec or an unknown provider.
    """
    provider, _ = parse_spec(spec)
    return bool(_PROVIDERS.get(provider).network)


def _cache_option(value: Any) -> LLMCache | None:
    """An LLMCache from the ``cache`` option: an LLMCache, ``{"mode", "path"}`` or a path.

    Caches built from a mode and path are shared per process (one SQLite connection each).
    """
    if value is None or isinstance(value, LLMCache):
        return value
    if isinstance(value, str | os.PathLike):
        value = {"path": value}
    if not isinstance(value, Mapping) or "path" not in value:
        raise TypeError(
            "cache must be an agents.LLMCache, a path, or {'mode': ..., 'path': ...}, "
            f"got {value!r}"
        )
    mode = str(value.get("mode", "read_write"))
    if mode == "off":
        return None
    key = (str(Path(value["path"]).resolve()), mode)
    if key not in _SHARED_CACHES:
        _SHARED_CACHES[key] = LLMCache(value["path"], mode=mode)  # type: ignore[arg-type]
    return _SHARED_CACHES[key]


def is_reasoning_model(spec: str) -> bool:
    """Whether ``spec`` names an OpenAI reasoning model (o-series, GPT-5), which rejects
    ``temperature``."""
    provider, _, name = spec.partition(":")
    return provider == "openai" and bool(_OPENAI_REASONING.match(name))


def reasoning_rules(provider: str, spec: str, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` adjusted for reasoning models (see the module docstring).

    Raises:
        ModelSpecError: a reasoning option the provider does not take, or a ``max_tokens`` that
            leaves no room for the thinking budget.
    """
    options = dict(options)
    if provider in ("scripted", "local"):
        return options
    if is_reasoning_model(spec):
        for sampling in ("temperature", "top_p"):
            options.pop(sampling, None)
    budget = options.pop("thinking_budget", None)
    if budget is not None:
        if provider != "anthropic":
            raise ModelSpecError(
                f"{spec}: thinking_budget is Anthropic's extended thinking; for {provider} "
                "models use reasoning_effort (minimal, low, medium or high)"
            )
        if not isinstance(budget, int) or budget < 1024:
            raise ModelSpecError(
                f"{spec}: thinking_budget must be an integer of at least 1024 tokens, "
                f"got {budget!r}"
            )
        max_tokens = options.get("max_tokens")
        if max_tokens is not None and max_tokens <= budget:
            raise ModelSpecError(
                f"{spec}: max_tokens ({max_tokens}) must exceed thinking_budget ({budget}), "
                "which it includes"
            )
        options.setdefault("max_tokens", budget + 1024)
        options["thinking"] = {"type": "enabled", "budget_tokens": budget}
        for sampling in ("temperature", "top_k"):  # rejected while thinking is on
            options.pop(sampling, None)
    if "reasoning_effort" in options and provider == "anthropic":
        raise ModelSpecError(
            f"{spec}: reasoning_effort is for OpenAI-style models; Anthropic models take "
            "thinking_budget (tokens, at least 1024)"
        )
    return options


def _check_clashes(spec: str, options: Mapping[str, Any]) -> None:
    for name, instead in CLASHING_OPTIONS.items():
        if name in options:
            raise ModelSpecError(
                f"{spec}: option {name!r} would take over a job telic does itself; use {instead}"
            )


def make_model(spec: str, **options: Any) -> Model:
    """Build a model from its spec string.

    Args:
        spec: ``provider:model`` (see the module docstring).
        **options: Passed to the chat model (``temperature``, ``max_tokens``, ``seed``,
            ``timeout``, ``base_url``, ``api_key``, ...), except telic's own:
            ``max_attempts``, ``base_wait_s``, ``max_wait_s`` or ``retry`` (a
            :class:`~agents.RetryPolicy`) for retries; ``cache`` (an :class:`~agents.LLMCache`,
            a path, or ``{"mode": ..., "path": ...}``);
            ``max_concurrency`` and ``rpm`` (set the provider's limits, see
            :func:`~agents.configure_limits`); ``max_reply_chars`` (characters of a reply
            kept, default 200,000; ``None`` keeps all). For network providers ``timeout`` (default
            300 s) is also the deadline of each whole call attempt, body included.
            ``price`` (``{input, output}`` USD per million tokens, sets the spec's price,
            see :func:`~agents.set_price`); ``reasoning_effort`` and ``thinking_budget`` (see
            :func:`reasoning_rules`).

    Raises:
        ModelSpecError: unknown provider or model, a malformed spec, or an SDK option that
            clashes with telic's own (``max_retries``: use ``max_attempts``).
        MissingAPIKeyError: the provider's key variable is unset.
        MissingExtraError: an optional dependency is missing (with the install command).

    >>> make_model("scripted:nonexistent")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    agents._errors.ModelSpecError: ...
    """
    provider, name = parse_spec(spec)
    _check_clashes(spec, options)
    options = reasoning_rules(provider, spec, dict(options))
    telic = {k: options.pop(k) for k in _TELIC_OPTIONS if k in options}
    if "price" in telic:
        from agents._pricing import PriceFileError, parse_price

        try:
            set_price(spec, *parse_price(telic["price"], f"{spec}: price"))
        except PriceFileError as exc:
            raise ModelSpecError(str(exc)) from None
    retry = telic.get("retry")
    if retry is None:
        retry = RetryPolicy(
            **{k: telic[k] for k in ("max_attempts", "base_wait_s", "max_wait_s") if k in telic}
        )
    elif not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry must be an agents.RetryPolicy, got {type(retry).__name__}")
    cache = _cache_option(telic.get("cache"))
    if "max_concurrency" in telic or "rpm" in telic:
        configure_limits(
            provider, max_concurrency=telic.get("max_concurrency"), rpm=telic.get("rpm")
        )
    entry = _PROVIDERS.get(provider)
    deadline = None
    if entry.network:
        # The SDKs' timeout bounds each read (a reply dripping in resets it); telic's deadline
        # bounds the whole attempt. Without a timeout option both get the default.
        options.setdefault("timeout", DEFAULT_CALL_TIMEOUT_S)
        deadline = _seconds(options["timeout"])
    cap = telic.get("max_reply_chars", DEFAULT_MAX_REPLY_CHARS)
    if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 1):
        raise ModelSpecError(f"max_reply_chars must be a positive integer or None, got {cap!r}")
    sampling = dict(options)  # recorded before the factories consume key and address options
    chat = entry.chat(name, spec, options)
    sampling.pop("api_key", None)
    return Model(spec=spec, chat=chat, options=sampling, retry=retry, cache=cache,
                 call_timeout_s=deadline, max_reply_chars=cap)  # fmt: skip


def _seconds(timeout: Any) -> float | None:
    """The whole-call deadline a ``timeout`` option gives: a number of seconds, or the longest
    part of an ``httpx.Timeout``-like object; ``None`` turns the deadline off."""
    if timeout is None:
        return None
    if isinstance(timeout, int | float) and not isinstance(timeout, bool):
        if timeout <= 0:
            raise ModelSpecError(f"timeout must be a number of seconds > 0, got {timeout!r}")
        return float(timeout)
    parts = [getattr(timeout, k, None) for k in ("connect", "read", "write", "pool")]
    numbers = [float(p) for p in parts if isinstance(p, int | float)]
    return max(numbers) if numbers else None
