"""Every entry of the Google price table priced on a golden usage, to the exact Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from unigate.engine.pricing import price_usage
from unigate.providers.pricedata import PriceEntry, load_prices

ENTRIES = load_prices("unigate.providers.google")

VISION_FEATURES = (
    "image/face_detection",
    "image/explicit_content",
    "image/landmark_detection",
    "image/logo_detection",
)
# (subfeature, model, unit) -> (quantity used, expected cost in USD)
GOLDEN: dict[tuple[str, str, str], tuple[float | int, str]] = {
    **{
        ("image/object_detection", m, "request"): (1, "0.00225") for m in ("builtin/stable", "builtin/latest")
    },
    **{
        (s, m, "request"): (1, "0.0015")
        for s in VISION_FEATURES
        for m in ("builtin/stable", "builtin/latest")
    },
    ("ocr/ocr", "text-detection", "page"): (3, "0.0045"),
    ("ocr/ocr", "document-text-detection", "page"): (3, "0.0045"),
    # Natural Language bills units of 1,000 characters per request (100 for moderation), rounded up.
    ("text/sentiment_analysis", "v1", "char"): (1500, "0.002"),
    ("text/named_entity_recognition", "v1", "char"): (1500, "0.002"),
    ("text/syntax_analysis", "v1", "char"): (1500, "0.001"),
    ("text/entity_sentiment", "v1", "char"): (1500, "0.004"),
    ("text/topic_extraction", "v1", "char"): (1001, "0.004"),
    ("text/moderation", "v1", "char"): (250, "0.0015"),
    ("translation/automatic_translation", "nmt", "char"): (1234, "0.02468"),
    ("translation/language_detection", "v2", "char"): (1234, "0.02468"),
    ("translation/document_translation", "v3", "page"): (3, "0.24"),
    # 61.2 s is billed as five 15-second increments: 75 s at $0.024 a minute.
    ("audio/speech_to_text_async", "default", "second"): (61.2, "0.03"),
    ("audio/speech_to_text_async", "latest_long", "second"): (61.2, "0.03"),
    **{
        (s, m, "char"): (1000, cost)
        for s in ("audio/text_to_speech", "audio/tts")
        for m, cost in (
            ("standard", "0.004"),
            ("wavenet", "0.004"),
            ("neural2", "0.016"),
            ("chirp3-hd", "0.03"),
            ("studio", "0.16"),
        )
    },
    ("ocr/ocr_async", "document-ocr", "page"): (2, "0.003"),
    ("ocr/invoice_parser", "invoice-parser", "page"): (2, "0.02"),
    ("ocr/receipt_parser", "expense-parser", "page"): (2, "0.02"),
    ("ocr/ocr_tables_async", "form-parser", "page"): (2, "0.06"),
    ("llm/chat", "gemini-2.5-pro", "token_in"): (1000, "0.00125"),
    ("llm/chat", "gemini-2.5-pro", "token_out"): (500, "0.005"),
    ("llm/chat", "gemini-2.5-pro", "token_in:long"): (300_000, "0.75"),
    ("llm/chat", "gemini-2.5-pro", "token_out:long"): (1000, "0.015"),
    ("llm/chat", "gemini-2.5-flash", "token_in"): (1000, "0.0003"),
    ("llm/chat", "gemini-2.5-flash", "token_out"): (500, "0.00125"),
    ("llm/chat", "gemini-2.5-flash-lite", "token_in"): (1000, "0.0001"),
    ("llm/chat", "gemini-2.5-flash-lite", "token_out"): (500, "0.0002"),
    ("llm/chat", "gemini-2.0-flash", "token_in"): (1000, "0.0001"),
    ("llm/chat", "gemini-2.0-flash", "token_out"): (500, "0.0002"),
    ("llm/chat", "gemini-2.0-flash-lite", "token_in"): (1000, "0.000075"),
    ("llm/chat", "gemini-2.0-flash-lite", "token_out"): (500, "0.00015"),
}


def _key(e: PriceEntry) -> tuple[str, str, str]:
    return (e.subfeature, e.model, e.price.unit)


def test_every_entry_has_a_golden_case_and_a_source() -> None:
    assert sorted(_key(e) for e in ENTRIES) == sorted(GOLDEN)
    for e in ENTRIES:
        assert e.source.startswith("https://") and e.date


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: "|".join(_key(e)))
def test_price_entry(entry: PriceEntry) -> None:
    quantity, expected = GOLDEN[_key(entry)]
    assert price_usage([entry.price], {entry.price.unit: quantity}) == Decimal(expected)
