"""Price tables shipped as data files beside each cloud provider (`prices.json`).

Format: {"vendor": "...", "currency": "USD", "entries": [{"subfeature": "text/embeddings",
"model": "text-embedding-3-small", "unit": "token_in", "amount": "0.02", "per": 1000000,
"step": 1, "min_units": 0, "source": "<URL of the vendor's price page>", "date": "YYYY-MM-DD",
"note": "..."}]}. Amounts are decimal strings (money is never a float).

Every entry also says truthfully whether its amount was checked against published material:
either `"verified_from"` (the URL of what was actually read, vendor page or a dated third-party
snapshot of it), `"verified_on"` (the day it was read), `"snapshot_date"` (the date of that copy,
as it states it) and `"verified_note"` (the words read), or `"unverified": true` with an
`"unverified_reason"` (and `"corroborated_by"` where only undated material agreed). `source`
stays the vendor's own price page.
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
    verified_from: str | None = None
    verified_on: str | None = None
    snapshot_date: str | None = None

    @property
    def verified(self) -> bool:
        return self.verified_from is not None


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
        verified_from = e.get("verified_from")
        if bool(verified_from) == bool(e.get("unverified")):
            raise ValueError(f"price entry {e} must carry exactly one of verified_from / unverified")
        if verified_from and not (
            str(verified_from).startswith("https://") and e.get("verified_on") and e.get("snapshot_date")
        ):
            needs = "needs an https verified_from, verified_on and snapshot_date"
            raise ValueError(f"verified price entry {e} {needs}")
        if e.get("unverified") and not e.get("unverified_reason"):
            raise ValueError(f"unverified price entry {e} needs an unverified_reason")
        out.append(
            PriceEntry(
                e["subfeature"],
                e["model"],
                price,
                e["source"],
                e["date"],
                verified_from=verified_from,
                verified_on=e.get("verified_on"),
                snapshot_date=e.get("snapshot_date"),
            )
        )
    return out


def load_prices(package: str, filename: str = "prices.json") -> list[PriceEntry]:
    return parse_prices(json.loads(resources.files(package).joinpath(filename).read_text()))


def prices_for(entries: list[PriceEntry], subfeature: str, model: str) -> tuple[Price, ...]:
    return tuple(e.price for e in entries if e.subfeature == subfeature and e.model == model)
