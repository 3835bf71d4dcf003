"""The Microsoft provider as a whole: availability, prices, and requests through the full gateway."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.files.samples import pdf
from tests.providers.cloud.harness import FakeVendor
from tests.providers.cloud.microsoft_fixtures import PROVIDER, assert_canonical, vendor
from tests.providers.cloud.test_microsoft_documents import (
    INVOICE,
    READ,
    RUNNING,
    accept,
    analyze_path,
    result_path,
    succeeded,
)
from unigate.engine.pricing import price_usage
from unigate.gateway import Gateway
from unigate.providers.microsoft import MicrosoftProvider
from unigate.providers.microsoft.pricing import price_table
from unigate.providers.pricedata import prices_for
from unigate.providers.registry import ProviderRegistry
from unigate.settings import Settings

SAMPLES = Path(__file__).parents[3] / "spec" / "outputs"

# (subfeature, model, golden usage, exact cost)
GOLDEN = [
    ("ocr/ocr_async", "prebuilt-read", {"page": 3}, "0.0045"),
    ("ocr/ocr", "prebuilt-read", {"page": 1}, "0.0015"),
    ("ocr/ocr_tables_async", "prebuilt-layout", {"page": 2}, "0.02"),
    ("ocr/invoice_parser", "prebuilt-invoice", {"page": 1}, "0.01"),
    ("ocr/receipt_parser", "prebuilt-receipt", {"page": 4}, "0.04"),
    ("ocr/identity_parser", "prebuilt-idDocument", {"page": 2}, "0.02"),
    ("text/sentiment_analysis", "language", {"text": 3}, "0.003"),
    ("text/named_entity_recognition", "language", {"text": 1}, "0.001"),
    ("text/keyword_extraction", "language", {"text": 2}, "0.002"),
    ("translation/language_detection", "language", {"text": 1}, "0.001"),
    ("text/anonymization", "language", {"text": 6}, "0.006"),
    ("text/summarize", "extractive", {"text": 5}, "0.010"),
    ("text/summarize", "abstractive", {"text": 1}, "0.002"),
    ("translation/automatic_translation", "translator", {"char": 1234}, "0.01234"),
    ("translation/language_detection", "translator", {"char": 20}, "0.0002"),
    ("ocr/ocr", "image-analysis-4.0", {"request": 1}, "0.0015"),
    ("image/object_detection", "image-analysis-4.0", {"request": 1}, "0.001"),
    ("image/explicit_content", "vision-v3.2", {"request": 1}, "0.001"),
    ("image/explicit_content", "content-safety", {"image": 1}, "0.00075"),
    ("text/moderation", "content-safety", {"text": 2}, "0.00076"),
    ("audio/text_to_speech", "neural", {"char": 1000}, "0.015"),
    ("audio/speech_to_text_async", "batch", {"second": 90}, "0.0045"),
]


@pytest.mark.parametrize(("subfeature", "model", "usage", "cost"), GOLDEN)
def test_price_entry(subfeature: str, model: str, usage: dict[str, int], cost: str) -> None:
    prices = prices_for(price_table(), subfeature, model)
    assert len(prices) == 1
    assert price_usage(prices, usage) == Decimal(cost)


def test_every_price_entry_has_a_golden_test_and_a_source() -> None:
    table = price_table()
    assert {(e.subfeature, e.model) for e in table} == {(s, m) for s, m, _, _ in GOLDEN}
    for entry in table:
        assert entry.source.startswith("https://azure.microsoft.com/") and entry.date
        assert entry.price.amount > 0


def test_every_offered_model_is_priced() -> None:
    for offer in PROVIDER.offers():
        for spec in offer.models:
            assert spec.prices, (offer.subfeature, spec.name)


def test_available_when_any_service_is_configured() -> None:
    provider = MicrosoftProvider()
    reason = provider.unavailable_reason({})
    assert reason and "AZURE_LANGUAGE_ENDPOINT" in reason
    assert provider.unavailable_reason({"AZURE_TRANSLATOR_KEY": "k"}) is None
    assert provider.unavailable_reason({"AZURE_VISION_ENDPOINT": "https://x"}) is not None  # no key
    env = {"AZURE_SPEECH_KEY": "k", "AZURE_SPEECH_REGION": "westeurope", "UNRELATED": "x"}
    assert provider.unavailable_reason(env) is None
    assert provider.credentials(env) == {"AZURE_SPEECH_KEY": "k", "AZURE_SPEECH_REGION": "westeurope"}


# --- through the gateway ----------------------------------------------------------------------


@pytest.fixture
async def azure_fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeVendor]:
    async with vendor() as fake:
        monkeypatch.setenv("AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT", fake.base_url)
        monkeypatch.setenv("AZURE_DOCUMENT_INTELLIGENCE_KEY", "gateway-di-key")
        yield fake


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    settings = Settings(data_dir=tmp_path / "data", job_lease_s=5.0, job_heartbeat_s=1.0)
    gw = Gateway(settings, registry=ProviderRegistry([MicrosoftProvider()]))
    await gw.start()
    try:
        yield gw
    finally:
        await gw.aclose()


async def test_sync_invoice_through_the_gateway(
    azure_fake: FakeVendor, gateway: Gateway, tmp_path: Path
) -> None:
    accept(azure_fake, "prebuilt-invoice")
    azure_fake.on("GET", result_path("prebuilt-invoice"), RUNNING, (200, succeeded(INVOICE)))
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf(1))
    body: dict[str, Any] = await gateway.arun("ocr/invoice_parser/microsoft", file=str(path))
    assert body["status"] == "success", body
    assert (body["provider"], body["model"]) == ("microsoft", "prebuilt-invoice")
    assert body["cost"] == "0.010"  # 1 page at $10 per 1,000 pages
    assert_canonical(SAMPLES, "ocr/invoice_parser", body["output"])
    assert body["output"]["extracted_data"][0]["invoice_number"] == "INV-100"
    sent = azure_fake.calls("POST", analyze_path("prebuilt-invoice"))[0]
    assert sent.headers["Ocp-Apim-Subscription-Key"] == "gateway-di-key" and sent.body == path.read_bytes()
    assert "gateway-di-key" not in str(body)


async def test_async_read_job_through_the_gateway(
    azure_fake: FakeVendor, gateway: Gateway, tmp_path: Path
) -> None:
    accept(azure_fake, "prebuilt-read")
    azure_fake.on("GET", result_path("prebuilt-read"), RUNNING, RUNNING, (200, succeeded(READ)))
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf(2))
    body: dict[str, Any] = await gateway.arun("ocr/ocr_async/microsoft", file=str(path))
    assert body["status"] == "success", body
    assert body["cost"] == "0.003"  # 2 pages at $1.50 per 1,000 pages
    assert body["output"]["number_of_pages"] == 2
    assert len(azure_fake.calls("POST", analyze_path("prebuilt-read"))) == 1  # launched once
    assert len(azure_fake.calls("GET", result_path("prebuilt-read"))) == 3


async def test_gateway_reports_a_vendor_failure(
    azure_fake: FakeVendor, gateway: Gateway, tmp_path: Path
) -> None:
    body_401 = {"error": {"code": "401", "message": "Access denied due to invalid subscription key."}}
    azure_fake.on("POST", analyze_path("prebuilt-receipt"), (401, body_401))
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf(1))
    body: dict[str, Any] = await gateway.arun("ocr/receipt_parser/microsoft", file=str(path))
    assert body["status"] == "fail" and body["error"]["error_code"] == "provider_auth_error"
    assert "gateway-di-key" not in str(body)


async def test_sync_language_and_speech_through_the_gateway(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    sentiment = {
        "kind": "SentimentAnalysisResults",
        "results": {
            "documents": [
                {
                    "id": "0",
                    "sentiment": "positive",
                    "confidenceScores": {"positive": 0.98, "neutral": 0.01, "negative": 0.01},
                    "sentences": [],
                    "warnings": [],
                }
            ],
            "errors": [],
            "modelVersion": "2024-11-01",
        },
    }
    async with vendor() as fake:
        fake.on("POST", "/language/:analyze-text", (200, sentiment))
        fake.on("POST", "/cognitiveservices/v1", (200, b"ID3fake-audio"))
        monkeypatch.setenv("AZURE_LANGUAGE_ENDPOINT", fake.base_url)
        monkeypatch.setenv("AZURE_LANGUAGE_KEY", "gateway-lang-key")
        monkeypatch.setenv("AZURE_SPEECH_KEY", "gateway-speech-key")
        monkeypatch.setenv("AZURE_SPEECH_TTS_ENDPOINT", fake.base_url)
        body: dict[str, Any] = await gateway.arun(
            "text/sentiment_analysis/microsoft", text="I love it", language="en"
        )
        assert body["status"] == "success", body
        assert body["output"]["general_sentiment"] == "Positive"
        assert body["cost"] == "0.001"  # one text record at $1 per 1,000
        body = await gateway.arun("audio/text_to_speech/microsoft", text="Hello")
        assert body["status"] == "success", body
        assert body["model"] == "neural" and body["output"]["audio_resource_url"]  # stored and signed
        assert body["cost"] == "0.000075"  # 5 characters at $15 per 1M
        assert (
            fake.calls("POST", "/cognitiveservices/v1")[0].headers["Ocp-Apim-Subscription-Key"]
            == "gateway-speech-key"
        )
