"""Model specs priced from this package's `prices.json`."""

from __future__ import annotations

from functools import cache

from unigate.providers.base import Constraints, ModelSpec
from unigate.providers.pricedata import PriceEntry, load_prices, prices_for


@cache
def price_table() -> list[PriceEntry]:
    return load_prices(__package__ or "unigate.providers.microsoft")


def model(subfeature: str, name: str, description: str, constraints: Constraints | None = None) -> ModelSpec:
    prices = prices_for(price_table(), subfeature, name)
    if not prices:
        raise LookupError(f"prices.json has no price for {subfeature} {name}")
    return ModelSpec(name, prices=prices, constraints=constraints, description=description)
