"""Checking a model spec and its options without building the model (``telic validate``).

:func:`check_model` raises what :func:`agents.make_model` would raise for the same spec and
options. A ``scripted:`` spec is checked without making its LangChain chat model (whose import,
LangChain's chat-model base and tracing stack, costs more than the rest of ``telic validate``);
any other spec is checked by making the model, as before. ``tests/agents/test_check.py`` holds
the two functions to the same answers.
"""

from __future__ import annotations

from typing import Any


def check_model(spec: str, **options: Any) -> None:
    """Raise what ``make_model(spec, **options)`` would raise; return None if it would not.

    Raises:
        ModelSpecError, MissingAPIKeyError, MissingExtraError, TypeError, ValueError: as
            :func:`agents.make_model`.
    """
    from agents._providers import make_model, parse_spec

    provider, name = parse_spec(spec)
    if provider != "scripted":
        make_model(spec, **options)
        return
    _check_scripted(spec, name, dict(options))


def _check_scripted(spec: str, name: str, options: dict[str, Any]) -> None:
    """The checks of ``make_model`` and its scripted factory, in the same order."""
    from agents._errors import ModelSpecError
    from agents._limits import ProviderLimiter
    from agents._model import DEFAULT_MAX_REPLY_CHARS
    from agents._moves import episode_seed_of
    from agents._pricing import PriceFileError, parse_price
    from agents._providers import _TELIC_OPTIONS, _cache_option, _check_clashes, reasoning_rules
    from agents._retry import RetryPolicy
    from envs import UnknownPolicyError, make_policies

    _check_clashes(spec, options)
    options = reasoning_rules("scripted", spec, options)
    telic = {k: options.pop(k) for k in _TELIC_OPTIONS if k in options}
    if "price" in telic:
        try:
            parse_price(telic["price"], f"{spec}: price")
        except PriceFileError as exc:
            raise ModelSpecError(str(exc)) from None
    retry = telic.get("retry")
    if retry is None:
        RetryPolicy(
            **{k: telic[k] for k in ("max_attempts", "base_wait_s", "max_wait_s") if k in telic}
        )
    elif not isinstance(retry, RetryPolicy):
        raise TypeError(f"retry must be an agents.RetryPolicy, got {type(retry).__name__}")
    _cache_option(telic.get("cache"))
    if "max_concurrency" in telic or "rpm" in telic:
        ProviderLimiter("scripted", max_concurrency=telic.get("max_concurrency"),
                        rpm=telic.get("rpm"))  # fmt: skip
    cap = telic.get("max_reply_chars", DEFAULT_MAX_REPLY_CHARS)
    if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 1):
        raise ModelSpecError(f"max_reply_chars must be a positive integer or None, got {cap!r}")
    seed = options.pop("seed", 0)
    for transport in ("timeout", "temperature", "max_tokens", "reasoning_effort",
                      "thinking_budget"):  # fmt: skip
        options.pop(transport, None)
    try:
        make_policies(name, seed=episode_seed_of(int(seed or 0), None), **options)
    except UnknownPolicyError as exc:
        raise ModelSpecError(f"{spec!r}: {exc}") from exc
    except TypeError as exc:
        raise ModelSpecError(
            f"{spec!r}: {exc}. Options of scripted models are the policy's parameters and seed."
        ) from exc
