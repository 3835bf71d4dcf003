"""Azure AI Translator v3 against a loopback fake speaking its wire format.

Wire format sources:
- https://learn.microsoft.com/en-us/azure/ai-services/translator/text-translation/reference/v3/translate
- https://learn.microsoft.com/en-us/azure/ai-services/translator/text-translation/reference/v3/detect
- errors (six-digit codes): https://learn.microsoft.com/en-us/azure/ai-services/translator/text-translation/reference/status-response-codes
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.providers.cloud.harness import Recorded
from tests.providers.cloud.microsoft_fixtures import assert_canonical, call_context, offer, run, vendor
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedLanguage,
)

SAMPLES = Path(__file__).parents[3] / "spec" / "outputs"
KEY = "translator-key-0123456789"


def creds(base: str, region: str | None = "westeurope") -> dict[str, str]:
    found = {"AZURE_TRANSLATOR_KEY": KEY, "AZURE_TRANSLATOR_ENDPOINT": base}
    if region:
        found["AZURE_TRANSLATOR_REGION"] = region
    return found


async def test_translate_with_source_language() -> None:
    async with vendor() as fake:
        fake.on("POST", "/translate", (200, [{"translations": [{"text": "Bonjour !", "to": "fr"}]}]))
        async with call_context(creds(fake.base_url)) as ctx:
            inp = {"text": "Good morning!", "source_language": "en", "target_language": "fr"}
            result = await run("translation/automatic_translation", inp, ctx)
        call = fake.calls("POST", "/translate")[0]
    assert call.query == {"api-version": "3.0", "to": "fr", "from": "en"}
    assert call.headers["Ocp-Apim-Subscription-Key"] == KEY
    assert call.headers["Ocp-Apim-Subscription-Region"] == "westeurope"
    assert call.headers["Content-Type"].startswith("application/json")
    assert call.json() == [{"Text": "Good morning!"}]
    out = assert_canonical(SAMPLES, "translation/automatic_translation", result.output)
    assert out == {"text": "Bonjour !"}
    assert result.usage == {"char": 13}


async def test_translate_detects_the_source_without_region() -> None:
    reply = [
        {
            "detectedLanguage": {"language": "de", "score": 1.0},
            "translations": [{"text": "Hello", "to": "en"}],
        }
    ]
    async with vendor() as fake:
        fake.on("POST", "/translate", (200, reply))
        async with call_context(creds(fake.base_url, region=None)) as ctx:
            result = await run(
                "translation/automatic_translation", {"text": "Hallo", "target_language": "en"}, ctx
            )
        call = fake.calls("POST", "/translate")[0]
    assert call.query == {"api-version": "3.0", "to": "en"}
    assert "Ocp-Apim-Subscription-Region" not in call.headers
    assert result.output == {"text": "Hello"} and result.raw == reply


async def test_detect_with_alternatives() -> None:
    reply = [
        {
            "language": "de",
            "score": 0.92,
            "isTranslationSupported": True,
            "isTransliterationSupported": False,
            "alternatives": [
                {
                    "language": "nl",
                    "score": 0.84,
                    "isTranslationSupported": True,
                    "isTransliterationSupported": False,
                }
            ],
        }
    ]
    async with vendor() as fake:
        fake.on("POST", "/detect", (200, reply))
        async with call_context(creds(fake.base_url), model="translator") as ctx:
            result = await run("translation/language_detection", {"text": "Ich würde wirklich gern"}, ctx)
        call = fake.calls("POST", "/detect")[0]
    assert call.query == {"api-version": "3.0"} and call.json() == [{"Text": "Ich würde wirklich gern"}]
    out = assert_canonical(SAMPLES, "translation/language_detection", result.output)
    assert out["items"] == [
        {"language": "de", "display_name": "German", "confidence": 0.92},
        {"language": "nl", "display_name": "Dutch", "confidence": 0.84},
    ]
    assert result.usage == {"char": 23}


def tr_error(status: int, code: int, message: str, **headers: str) -> Any:
    return (status, {"error": {"code": code, "message": message}}, headers)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (tr_error(400, 400036, "The target language is not valid."), UnsupportedLanguage),
        (tr_error(400, 400035, "The source language is not valid."), UnsupportedLanguage),
        (
            tr_error(
                401, 401000, "The request is not authorized because credentials are missing or invalid."
            ),
            ProviderAuthError,
        ),
        (
            tr_error(429, 429001, "The client has exceeded request limits.", **{"Retry-After": "11"}),
            ProviderRateLimited,
        ),
        (tr_error(500, 500000, "An unexpected error occurred."), ProviderServerError),
        ((200, "<html>"), ProviderBadResponse),
        ((200, []), ProviderBadResponse),
    ],
)
async def test_translate_errors(reply: Any, expected: type[Exception]) -> None:
    async with vendor() as fake:
        fake.on("POST", "/translate", reply)
        async with call_context(creds(fake.base_url)) as ctx:
            with pytest.raises(expected) as caught:
                await run("translation/automatic_translation", {"text": "Hi", "target_language": "xx"}, ctx)
    assert type(caught.value) is expected and KEY not in str(caught.value)
    if expected is ProviderRateLimited:
        assert caught.value.retry_after == 11.0  # type: ignore[attr-defined]
    if expected is UnsupportedLanguage:
        assert "4000" in str(caught.value)  # the Translator code is named


async def test_timeout() -> None:
    async def slow(_: Recorded) -> Any:
        await asyncio.sleep(0.6)
        return (200, [])

    async with vendor() as fake:
        fake.on("POST", "/translate", slow)
        async with call_context(creds(fake.base_url), timeout_s=0.2) as ctx:
            with pytest.raises(ProviderTimeout):
                await run("translation/automatic_translation", {"text": "Hi", "target_language": "fr"}, ctx)


def test_offer_and_default_endpoint() -> None:
    found = offer("translation/automatic_translation")
    assert found.default_model == "translator" and found.unavailable_reason is not None
    assert found.unavailable_reason({"AZURE_TRANSLATOR_KEY": "k"}) is None  # global resource: no region
    assert "AZURE_TRANSLATOR_KEY" in (found.unavailable_reason({}) or "")
