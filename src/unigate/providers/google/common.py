"""Small helpers shared by the Google adapters: files, likelihood scales, model specs with prices."""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from unigate.providers.base import CallContext, Constraints, LoadedFile, ModelSpec
from unigate.providers.errors import ProviderInvalidInput
from unigate.providers.pricedata import PriceEntry, load_prices, prices_for

# Google's Likelihood enum (Vision SafeSearch and faces) on the 1-5 scale of the outputs.
LIKELIHOOD = {"VERY_UNLIKELY": 1, "UNLIKELY": 2, "POSSIBLE": 3, "LIKELY": 4, "VERY_LIKELY": 5}


def likelihood(value: Any) -> int | None:
    """1 (very unlikely) .. 5 (very likely); None for UNKNOWN or a missing value."""
    return LIKELIHOOD.get(value) if isinstance(value, str) else None


def likelihood_score(level: int | None) -> float | None:
    """The 1-5 bucket as a 0-1 score (Google gives buckets, not probabilities): 1 -> 0.0, 5 -> 1.0."""
    return None if level is None else (level - 1) / 4


def bucket(score: float | None) -> int | None:
    """A 0-1 confidence as a 1-5 likelihood, in equal fifths."""
    if score is None:
        return None
    return min(5, int(max(0.0, score) * 5) + 1)


# Speech and voices want a full BCP-47 tag; a bare language gets its most common region.
REGIONS = {
    "en": "en-US", "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "it": "it-IT", "pt": "pt-BR", "nl": "nl-NL",
    "ja": "ja-JP", "ko": "ko-KR", "zh": "cmn-Hans-CN", "ru": "ru-RU", "pl": "pl-PL", "sv": "sv-SE",
    "da": "da-DK", "fi": "fi-FI", "nb": "nb-NO", "no": "nb-NO", "tr": "tr-TR", "ar": "ar-EG", "hi": "hi-IN",
    "id": "id-ID", "th": "th-TH", "vi": "vi-VN", "uk": "uk-UA", "cs": "cs-CZ", "el": "el-GR", "he": "iw-IL",
    "hu": "hu-HU", "ro": "ro-RO",
}  # fmt: skip


def language_tag(code: str | None, default: str = "en-US") -> str:
    """ "en" -> "en-US", "pt_BR" -> "pt-BR"; a tag with a region is kept."""
    if not code:
        return default
    code = code.replace("_", "-")
    return REGIONS.get(code.lower(), code)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def load_file(input: Any, ctx: CallContext, field: str = "file") -> LoadedFile:
    ref = getattr(input, field, None)
    if not ref:
        raise ProviderInvalidInput(f"{field} is required")
    return await ctx.files(ref)


def num(value: Any) -> float | None:
    """A JSON number (or a numeric string, as int64 fields are sent) as float; else None."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def integer(value: Any, default: int = 0) -> int:
    """int64 fields arrive as strings in Google's JSON, and are omitted when zero."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@cache
def _prices() -> list[PriceEntry]:
    return load_prices("unigate.providers.google")


def spec(
    subfeature: str, name: str, description: str = "", constraints: Constraints | None = None
) -> ModelSpec:
    """A model with its prices from prices.json (a model without prices is a packaging error)."""
    prices = prices_for(_prices(), subfeature, name)
    if not prices:
        raise LookupError(f"prices.json has no price for {subfeature} model {name}")
    return ModelSpec(name, prices=prices, constraints=constraints, description=description)
