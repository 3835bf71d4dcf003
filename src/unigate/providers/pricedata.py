"""Price tables shipped as data files beside each cloud provider (`prices.json`).

Format: {"vendor": "...", "currency": "USD", "entries": [{"subfeature": "text/embeddings",
"model": "text-embedding-3-small", "unit": "token_in", "amount": "0.02", "per": 1000000,
"step": 1, "min_units": 0, "source": "<URL of the vendor's price page>", "date": "YYYY-MM-DD",
"note": "..."}]}. Amounts are decimal strings (money is never a float).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Any

from unigate.providers.base import Price


@dataclass(frozen=True, slots=True)
class PriceEntry:
    subfeature: str
    model: str
    price: Price
    source: str
    date: str


def parse_prices(doc: dict[str, Any]) -> list[PriceEntry]:
    if doc.get("currency", "USD") != "USD":
        raise ValueError("price tables are in USD")
    out: list[PriceEntry] = []
    for e in doc["entries"]:
        for key in ("subfeature", "model", "unit", "amount", "per", "source", "date"):
            if key not in e:
                raise ValueError(f"price entry {e} lacks {key!r}")
        price = Price(
            unit=e["unit"],
            amount=Decimal(str(e["amount"])),
            per=int(e["per"]),
            step=int(e.get("step", 1)),
            min_units=int(e.get("min_units", 0)),
            note=e.get("note", ""),
        )
        out.append(PriceEntry(e["subfeature"], e["model"], price, e["source"], e["date"]))
    return out


def load_prices(package: str, filename: str = "prices.json") -> list[PriceEntry]:
    return parse_prices(json.loads(resources.files(package).joinpath(filename).read_text()))


def prices_for(entries: list[PriceEntry], subfeature: str, model: str) -> tuple[Price, ...]:
    return tuple(e.price for e in entries if e.subfeature == subfeature and e.model == model)
