"""Estimated cost of model calls: prices per million tokens, looked up in this order.

1. Prices set for a spec: :func:`set_price`, :func:`set_prices`, a price file
   (:func:`load_price_file`, ``prices:`` in a scenario, ``--prices`` on the command line) or a
   model's ``price`` option.
2. The maintained price database of the ``genai-prices`` package (the snapshot shipped with the
   pinned version; telic never fetches prices over the network). ``openai:`` and ``anthropic:``
   specs are looked up with that provider; an ``openai-compatible:`` spec only when its
   ``base_url`` belongs to a provider the database knows (e.g. Google's OpenAI-compatible
   Gemini endpoint), so a model on your own server is never priced by its name alone.

Scripted and local models cost nothing. A model without a price has ``cost_usd=None`` in its
records, and a cost budget for it is refused before anything runs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from telic.errors import TelicError

#: Prices set explicitly: spec -> (USD per 1M input tokens, USD per 1M output tokens).
_PRICES: dict[str, tuple[float, float]] = {}
_FREE_PROVIDERS = ("scripted", "local")
_DATABASE_PROVIDERS = {"openai": "openai", "anthropic": "anthropic"}
_lock = threading.Lock()


class PriceFileError(TelicError, ValueError):
    """A price file (or ``prices`` mapping) that cannot be read."""


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


def set_prices(prices: Mapping[str, tuple[float, float]]) -> None:
    """Set several prices at once (``spec -> (input, output)`` USD per million tokens)."""
    for spec, (inp, out) in prices.items():
        set_price(spec, inp, out)


def parse_price(value: Any, where: str) -> tuple[float, float]:
    """``{input, output}`` or ``[input, output]`` (USD per million tokens) as a pair.

    Raises:
        PriceFileError: naming ``where`` and the expected shape.
    """
    if isinstance(value, Mapping) and set(value) == {"input", "output"}:
        pair = (value["input"], value["output"])
    elif isinstance(value, list | tuple) and len(value) == 2:
        pair = (value[0], value[1])
    else:
        raise PriceFileError(
            f"{where}: a price is {{input: USD, output: USD}} per million tokens "
            f"(or [input, output]), got {value!r}"
        )
    try:
        inp, out = float(pair[0]), float(pair[1])
    except (TypeError, ValueError):
        raise PriceFileError(f"{where}: prices must be numbers, got {value!r}") from None
    if inp < 0 or out < 0:
        raise PriceFileError(f"{where}: prices must be >= 0, got {value!r}")
    return inp, out


def parse_prices(data: Any, source: str) -> dict[str, tuple[float, float]]:
    """A ``{spec: price}`` mapping (see :func:`parse_price`) checked and converted."""
    if not isinstance(data, Mapping):
        raise PriceFileError(
            f"{source}: a price file maps model specs to prices, e.g. "
            f"'openai:gpt-4.1-mini: {{input: 0.4, output: 1.6}}', got {type(data).__name__}"
        )
    return {str(spec): parse_price(value, f"{source}: {spec}") for spec, value in data.items()}


def load_price_file(path: str | Path) -> dict[str, tuple[float, float]]:
    """Read a price file: YAML or JSON mapping model specs to ``{input, output}`` USD per
    million tokens.

    Raises:
        PriceFileError: the file is missing, malformed or holds a bad price.
    """
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PriceFileError(f"cannot read price file {str(path)!r}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PriceFileError(f"price file {str(path)!r} is malformed: {first}") from None
    return parse_prices(data, str(path))


@cache
def _database_price(provider: str | None, url: str | None, name: str) -> tuple[float, float] | None:
    """The base (first-tier) price of ``name`` in the genai-prices snapshot, if it has one."""
    from datetime import UTC, datetime

    try:
        from genai_prices.data_snapshot import get_snapshot
    except ImportError:  # a broken install: prices must then be given explicitly
        return None
    try:
        _, model = get_snapshot().find_provider_model(name, None, provider, url)
        price = model.get_prices(datetime.now(UTC))
    except (LookupError, ValueError):
        return None
    pair: list[float] = []
    for given in (price.input_mtok, price.output_mtok):
        value: Any = getattr(given, "base", given)  # tiered prices: the tier of short prompts
        if value is None:
            return None
        pair.append(float(value))
    return pair[0], pair[1]


def price_of(spec: str, base_url: str | None = None) -> tuple[float, float] | None:
    """The (input, output) price per million tokens of ``spec``, ``None`` if unknown.

    ``base_url`` is the server of an ``openai-compatible:`` model (its price is looked up only
    for a server the price database knows); ``openai:`` and ``anthropic:`` models have their
    provider's price whatever their base URL.
    """
    provider, _, name = spec.partition(":")
    if provider in _FREE_PROVIDERS:
        return (0.0, 0.0)
    with _lock:
        if spec in _PRICES:
            return _PRICES[spec]
    if provider in _DATABASE_PROVIDERS:  # the provider's price, also through a proxy URL
        return _database_price(_DATABASE_PROVIDERS[provider], None, name)
    if base_url:
        return _database_price(None, str(base_url), name)
    return None


def cost_usd(
    spec: str, input_tokens: int, output_tokens: int, base_url: str | None = None
) -> float | None:
    """Estimated cost of ``input_tokens`` + ``output_tokens`` for ``spec`` (``None`` if the
    price is unknown).

    >>> set_price("openai-compatible:my-model", 0.5, 2.0)
    >>> cost_usd("openai-compatible:my-model", 1_000_000, 500_000)
    1.5
    """
    price = price_of(spec, base_url)
    if price is None:
        return None
    return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000
