"""Estimated cost of model calls from token counts and a small price table.

Prices are list prices in US dollars per million tokens (input, output) as published by the
providers in 2025; they change, so treat costs as estimates and override them with
:func:`set_price`. Scripted and local models cost nothing. A model not in the table has no
price: its records carry ``cost_usd=None``.
"""

from __future__ import annotations

import threading

# model name -> (USD per 1M input tokens, USD per 1M output tokens)
_PRICES: dict[str, tuple[float, float]] = {
    "openai:gpt-4o": (2.50, 10.00),
    "openai:gpt-4o-2024-11-20": (2.50, 10.00),
    "openai:gpt-4o-mini": (0.15, 0.60),
    "openai:gpt-4.1": (2.00, 8.00),
    "openai:gpt-4.1-mini": (0.40, 1.60),
    "openai:gpt-4.1-nano": (0.10, 0.40),
    "openai:gpt-4-turbo": (10.00, 30.00),
    "openai:gpt-4-turbo-2024-04-09": (10.00, 30.00),
    "openai:gpt-3.5-turbo": (0.50, 1.50),
    "openai:gpt-3.5-turbo-0125": (0.50, 1.50),
    "openai:o1-mini": (1.10, 4.40),
    "openai:o3-mini": (1.10, 4.40),
    "anthropic:claude-3-7-sonnet-20250219": (3.00, 15.00),
    "anthropic:claude-3-7-sonnet-latest": (3.00, 15.00),
    "anthropic:claude-3-5-haiku-20241022": (0.80, 4.00),
    "anthropic:claude-3-5-haiku-latest": (0.80, 4.00),
    "anthropic:claude-3-haiku-20240307": (0.25, 1.25),
    "anthropic:claude-sonnet-4-20250514": (3.00, 15.00),
    "anthropic:claude-opus-4-20250514": (15.00, 75.00),
}
_FREE_PROVIDERS = ("scripted", "local")
_lock = threading.Lock()


def set_price(spec: str, input_per_mtok: float, output_per_mtok: float) -> None:
    """Set (or override) the price of a model spec, in USD per million tokens.

    Raises:
        ValueError: for a negative price.
    """
    if input_per_mtok < 0 or output_per_mtok < 0:
        raise ValueError(
            f"prices must be >= 0 USD per million tokens, got {input_per_mtok}, {output_per_mtok}"
        )
    with _lock:
        _PRICES[spec] = (float(input_per_mtok), float(output_per_mtok))


def price_of(spec: str) -> tuple[float, float] | None:
    """The (input, output) price per million tokens of ``spec``, ``None`` if unknown."""
    provider = spec.split(":", 1)[0]
    if provider in _FREE_PROVIDERS:
        return (0.0, 0.0)
    with _lock:
        return _PRICES.get(spec)


def cost_usd(spec: str, input_tokens: int, output_tokens: int) -> float | None:
    """Estimated cost of ``input_tokens`` + ``output_tokens`` for ``spec`` (``None`` if the
    price is unknown).

    >>> cost_usd("openai:gpt-4o-mini", 1_000_000, 0)
    0.15
    """
    price = price_of(spec)
    if price is None:
        return None
    return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000
