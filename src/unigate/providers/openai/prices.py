"""The price table (`prices.json`) turned into the `ModelSpec`s the offers declare."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache

from unigate.providers.base import Constraints, ModelSpec
from unigate.providers.pricedata import PriceEntry, load_prices, prices_for


@cache
def entries() -> list[PriceEntry]:
    return load_prices("unigate.providers.openai")


def model_specs(
    price_key: str,
    names: Iterable[str],
    *,
    constraints: Mapping[str, Constraints] | None = None,
    descriptions: Mapping[str, str] | None = None,
) -> tuple[ModelSpec, ...]:
    """One ModelSpec per model, priced by the table's entries for `price_key` (a subfeature whose
    prices others share: every chat-based subfeature bills the llm/chat token prices)."""
    table = entries()
    return tuple(
        ModelSpec(
            name,
            prices=prices_for(table, price_key, name),
            constraints=(constraints or {}).get(name),
            description=(descriptions or {}).get(name, ""),
        )
        for name in names
    )
