"""Model prices for a run: the scenario's ``prices``, a ``--prices`` file, and the check that
every model under a cost budget has a price.

Prices are keyed by model spec; a scenario's price file may also use a model's label. The
resolved prices are set in the agents' price table of this process (and handed to Ray workers),
so records' ``cost_usd``, per-episode ``max_cost_usd`` budgets, ``--cost-limit`` and the
``telic validate`` estimate all use them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scenarios._load import ScenarioError
from scenarios._schema import ModelEntry, Scenario


def resolve_prices(
    scenario: Scenario, scenario_dir: Path | None = None, price_file: Path | None = None
) -> dict[str, tuple[float, float]]:
    """The prices the scenario and ``price_file`` give, keyed by spec (the file wins).

    Raises:
        ScenarioError: a missing or malformed price file, or a bad price.
    """
    from agents import PriceFileError, load_price_file, parse_prices

    found: dict[str, tuple[float, float]] = {}
    try:
        if isinstance(scenario.prices, str):
            path = Path(scenario.prices)
            if not path.is_absolute() and scenario_dir is not None:
                path = scenario_dir / path
            found.update(load_price_file(path))
        elif isinstance(scenario.prices, dict):
            found.update(parse_prices(scenario.prices, "scenario prices"))
        if price_file is not None:
            found.update(load_price_file(price_file))
    except PriceFileError as exc:
        raise ScenarioError(str(exc)) from None
    labels = {m.label: m.spec for m in scenario.models if m.label}
    return {labels.get(key, key): price for key, price in found.items()}


def apply_prices(prices: dict[str, tuple[float, float]]) -> None:
    """Set ``prices`` in the agents' price table of this process."""
    from agents import set_prices

    set_prices(prices)


def model_price(entry: ModelEntry) -> tuple[float, float] | None:
    """The price of a scenario model (``None`` when unknown)."""
    from agents import PriceFileError, parse_price, price_of

    if "price" in entry.options:  # the model's own price option
        try:
            return parse_price(entry.options["price"], f"{entry.name}: price")
        except PriceFileError as exc:
            raise ScenarioError(str(exc)) from None
    base_url = entry.options.get("base_url")
    return price_of(entry.spec, str(base_url) if base_url else None)


def unpriced_models(scenario: Scenario) -> list[str]:
    """Names of the scenario's models that have no price."""
    return [m.name for m in scenario.models if model_price(m) is None]


def check_budget_prices(scenario: Scenario, cost_limit: float | None = None) -> None:
    """Refuse a cost budget (``budget.max_cost_usd`` or ``--cost-limit``) that cannot be
    enforced because a model has no price.

    Raises:
        ScenarioError: naming the models and how to give their prices.
    """
    budgets = []
    if scenario.budget.max_cost_usd is not None:
        budgets.append(f"budget.max_cost_usd ({scenario.budget.max_cost_usd})")
    if cost_limit is not None:
        budgets.append(f"--cost-limit ({cost_limit})")
    if not budgets:
        return
    missing = unpriced_models(scenario)
    if missing:
        raise ScenarioError(
            f"{' and '.join(budgets)} needs every model's price, but there is none for "
            f"{', '.join(missing)}; give them in a price file ({_example(scenario, missing[0])}) "
            "with --prices FILE or 'prices: FILE' in the scenario"
        )


def _example(scenario: Scenario, name: str) -> str:
    spec = next((m.spec for m in scenario.models if m.name == name), name)
    return f"'{spec}: {{input: 0.5, output: 1.5}}', USD per million tokens"


def describe_price(entry: ModelEntry) -> str:
    """``$in / $out per M tokens`` or ``no price``, for listings."""
    price = model_price(entry)
    if price is None:
        return "no price"
    return f"${price[0]:g} / ${price[1]:g} per M tokens (input / output)"


def prices_for_workers(scenario: Scenario) -> dict[str, Any]:
    """The explicit prices of the scenario's models, JSON-ready (what Ray workers set)."""
    out: dict[str, Any] = {}
    for entry in scenario.models:
        price = model_price(entry)
        if price is not None:
            out[entry.spec] = list(price)
    return out
