"""Money: Decimal prices per unit, never floats."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_CEILING, Decimal

from unigate.providers.base import Price

ZERO = Decimal(0)


def price_usage(prices: Iterable[Price], usage: Mapping[str, Decimal | int | float]) -> Decimal:
    """Cost of the units consumed: each unit billed in whole steps (rounded up), `amount` per `per`."""
    total = ZERO
    for price in prices:
        if price.unit not in usage:
            continue
        quantity = max(Decimal(str(usage[price.unit])), Decimal(price.min_units))
        if quantity <= 0:
            continue
        step = Decimal(price.step)
        billed = (quantity / step).to_integral_value(rounding=ROUND_CEILING) * step
        total += price.amount * billed / Decimal(price.per)
    return total


def format_cost(value: Decimal) -> str:
    """Decimal string with at least three decimals ("0.000", "0.0015", "1.500"), never exponent form."""
    if not value:  # free calls (every local model): the common case, without normalize/format
        return "0.000"
    text = format(value.normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(3, '0')}"
