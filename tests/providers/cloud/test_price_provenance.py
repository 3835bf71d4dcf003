"""Each cloud price entry says truthfully whether its amount was checked, and against what."""

from __future__ import annotations

from typing import Any

import pytest

from unigate.providers.pricedata import load_prices, parse_prices

PACKAGES = [f"unigate.providers.{v}" for v in ("openai", "google", "amazon", "microsoft")]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_entry_is_verified_or_says_why_not(package: str) -> None:
    entries = load_prices(package)
    assert entries
    for e in entries:
        if e.verified:
            assert e.verified_from is not None and e.verified_from.startswith("https://")
            assert e.verified_on and e.snapshot_date


def _doc(**extra: Any) -> dict[str, Any]:
    entry = {"subfeature": "s", "model": "m", "unit": "char", "amount": "1", "per": 1}
    entry |= {"source": "https://x", "date": "2026-01-01"}
    return {"entries": [{**entry, **extra}]}


def test_provenance_is_required() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        parse_prices(_doc())
    with pytest.raises(ValueError, match="exactly one"):
        parse_prices(_doc(unverified=True, unverified_reason="r", verified_from="https://a"))
    with pytest.raises(ValueError, match="needs an https"):
        parse_prices(_doc(verified_from="http://a", verified_on="2026-01-01", snapshot_date="2026"))
    with pytest.raises(ValueError, match="unverified_reason"):
        parse_prices(_doc(unverified=True))
    [ok] = parse_prices(_doc(verified_from="https://a", verified_on="2026-11-22", snapshot_date="2026-10-07"))
    assert ok.verified and ok.snapshot_date == "2026-10-07"
    [no] = parse_prices(_doc(unverified=True, unverified_reason="nothing found"))
    assert not no.verified
