"""Cloud Translation adapters against a loopback fake: v2 translate / detect / languages (API key)
and v3 translateDocument (service account).

Wire format: https://cloud.google.com/translate/docs/reference/rest/v2/translate,
https://cloud.google.com/translate/docs/reference/rest/v2/detect,
https://cloud.google.com/translate/docs/reference/rest/v2/languages,
https://cloud.google.com/translate/docs/reference/rest/v3/projects.locations/translateDocument.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest

from tests.providers.cloud.google_fixtures import (
    API_KEY,
    assert_output,
    google_error,
    offer,
    run,
    service_account_file,
)
from tests.providers.cloud.harness import FakeVendor, Recorded, serve
from unigate.providers.base import LoadedFile
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedLanguage,
)
from unigate.providers.google import translation
from unigate.providers.google.auth import clear_token_cache

V2 = "/language/translate/v2"
SOURCE = "https://cloud.google.com/translate/docs/reference/rest/v2/translate"


def api_key_call(fake: FakeVendor, path: str, method: str = "POST") -> Recorded:
    calls = fake.calls(method, path)
    assert len(calls) == 1
    assert calls[0].headers["x-goog-api-key"] == API_KEY and "key" not in calls[0].query
    return calls[0]


async def test_automatic_translation() -> None:
    fake = FakeVendor()
    reply = {"data": {"translations": [{"translatedText": "Bonjour le monde", "model": "nmt"}]}}
    fake.on("POST", V2, (200, reply), source=SOURCE)
    async with serve(fake):
        result = await run(
            "translation/automatic_translation",
            {"text": "Hello world", "source_language": "en", "target_language": "fr"},
            fake,
        )
    body = api_key_call(fake, V2).json()
    assert body == {"q": ["Hello world"], "target": "fr", "source": "en", "format": "text", "model": "nmt"}
    assert assert_output(result.output, "translation/automatic_translation") == {"text": "Bonjour le monde"}
    assert result.usage == {"char": 11}


async def test_translation_detects_the_source_when_not_given() -> None:
    fake = FakeVendor()
    reply = {"data": {"translations": [{"translatedText": "Olá", "detectedSourceLanguage": "en"}]}}
    fake.on("POST", V2, (200, reply), source=SOURCE)
    async with serve(fake):
        result = await run(
            "translation/automatic_translation", {"text": "Hello", "target_language": "pt_BR"}, fake
        )
    body = api_key_call(fake, V2).json()
    assert "source" not in body and body["target"] == "pt-BR"
    assert result.output == {"text": "Olá"}


DETECT = {
    "data": {
        "detections": [
            [
                {"language": "it", "isReliable": False, "confidence": 0.71},
                {"language": "es", "isReliable": False, "confidence": 0.98},
            ]
        ]
    }
}
LANGUAGES = {
    "data": {"languages": [{"language": "es", "name": "Spanish"}, {"language": "it", "name": "Italian"}]}
}


async def test_language_detection_with_display_names() -> None:
    translation._NAMES.clear()
    fake = FakeVendor()
    fake.on(
        "POST",
        f"{V2}/detect",
        (200, DETECT),
        source="https://cloud.google.com/translate/docs/reference/rest/v2/detect",
    )
    fake.on(
        "GET",
        f"{V2}/languages",
        (200, LANGUAGES),
        source="https://cloud.google.com/translate/docs/reference/rest/v2/languages",
    )
    async with serve(fake):
        result = await run("translation/language_detection", {"text": "Hola, ¿cómo estás?"}, fake)
        again = await run("translation/language_detection", {"text": "Hola, ¿cómo estás?"}, fake)
    detects = fake.calls("POST", f"{V2}/detect")
    assert len(detects) == 2 and detects[0].headers["x-goog-api-key"] == API_KEY
    assert detects[0].json() == {"q": ["Hola, ¿cómo estás?"]}
    names = fake.calls("GET", f"{V2}/languages")
    assert len(names) == 1 and names[0].query == {"target": "en"}  # cached after the first call
    out = assert_output(result.output, "translation/language_detection")
    assert out["items"] == [
        {"language": "es", "display_name": "Spanish", "confidence": 0.98},
        {"language": "it", "display_name": "Italian", "confidence": 0.71},
    ]
    assert again.output == result.output and result.usage == {"char": 18}


async def test_language_detection_survives_a_failed_names_call() -> None:
    translation._NAMES.clear()  # the names are cached per base URL, and loopback ports get reused
    fake = FakeVendor()
    fake.on("POST", f"{V2}/detect", (200, DETECT))
    fake.on("GET", f"{V2}/languages", (500, google_error(500, "Internal error", "INTERNAL")))
    async with serve(fake):
        result = await run("translation/language_detection", {"text": "Hola"}, fake)
    assert [i["display_name"] for i in result.output["items"]] == [None, None]  # type: ignore[index]


# --- document translation -------------------------------------------------------------------------

TOKEN = {"access_token": "ya29.c.translate-token", "expires_in": 3599, "token_type": "Bearer"}
DOC_PATH = "/v3/projects/unigate-test/locations/global:translateDocument"


async def test_document_translation_with_a_service_account(tmp_path: Path) -> None:
    clear_token_cache()
    pdf = LoadedFile(b"%PDF-1.7 original", "application/pdf", "doc.pdf", page_count=2)
    translated = b"%PDF-1.7 traduit"
    reply = {
        "documentTranslation": {
            "byteStreamOutputs": [base64.b64encode(translated).decode()],
            "mimeType": "application/pdf",
            "detectedLanguageCode": "en",
        },
        "model": "projects/123/locations/global/models/general/nmt",
    }
    fake = FakeVendor()
    fake.on("POST", "/token", (200, TOKEN))
    fake.on(
        "POST",
        DOC_PATH,
        (200, reply),
        source="https://cloud.google.com/translate/docs/reference/rest/v3/projects.locations/translateDocument",
    )
    async with serve(fake):
        sa = str(service_account_file(tmp_path, fake.base_url + "/token"))
        # Document translation takes no API key: the service account is used even when one is set.
        result = await run(
            "translation/document_translation",
            {"file": "doc", "target_language": "fr"},
            fake,
            files={"doc": pdf},
            GOOGLE_APPLICATION_CREDENTIALS=sa,
        )
    rec = fake.calls("POST", DOC_PATH)[0]
    assert (
        rec.headers["Authorization"] == "Bearer ya29.c.translate-token"
        and "x-goog-api-key" not in rec.headers
    )
    assert rec.json() == {
        "targetLanguageCode": "fr",
        "documentInputConfig": {
            "content": base64.b64encode(pdf.data).decode(),
            "mimeType": "application/pdf",
        },
    }
    out = assert_output(result.output, "translation/document_translation")
    assert base64.b64decode(out["file"]) == translated and out["document_resource_url"] is None
    assert result.usage == {"page": 2}


def test_document_translation_needs_a_service_account() -> None:
    check = offer("translation/document_translation").unavailable_reason
    assert check is not None
    assert "GOOGLE_APPLICATION_CREDENTIALS" in (check({"GOOGLE_API_KEY": "k"}) or "")
    assert check({"GOOGLE_APPLICATION_CREDENTIALS": "/x.json", "GOOGLE_CLOUD_PROJECT": "p"}) is None


# --- errors ---------------------------------------------------------------------------------------


async def _fail(reply: Any, timeout_s: float = 10.0) -> Exception:
    fake = FakeVendor()
    fake.on("POST", V2, reply, source="https://cloud.google.com/translate/docs/reference/rest/v2/translate")
    async with serve(fake):
        with pytest.raises(Exception) as info:
            await run(
                "translation/automatic_translation",
                {"text": "Hi", "target_language": "xx"},
                fake,
                timeout_s=timeout_s,
            )
    return info.value


def v2_error(code: int, message: str, reason: str) -> dict[str, Any]:
    """The v2 API's error body (with the older `errors[]` list)."""
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
        }
    }


async def test_errors() -> None:
    assert isinstance(
        await _fail((400, v2_error(400, "Bad language pair: en|xx", "badRequest"))), UnsupportedLanguage
    )
    assert isinstance(
        await _fail(
            (400, v2_error(400, "API key not valid. Please pass a valid API key.", "API_KEY_INVALID"))
        ),
        ProviderAuthError,
    )
    assert isinstance(
        await _fail((403, v2_error(403, "Daily Limit Exceeded", "dailyLimitExceeded"))), ProviderAuthError
    )
    limited = await _fail(
        (429, v2_error(429, "User Rate Limit Exceeded", "userRateLimitExceeded"), {"Retry-After": "2"})
    )
    assert isinstance(limited, ProviderRateLimited) and limited.retry_after == 2.0
    assert isinstance(await _fail((502, "<html>Bad gateway</html>")), ProviderServerError)
    assert isinstance(await _fail((200, {"data": {}})), ProviderBadResponse)
    assert isinstance(await _fail((200, b"\x00\x01")), ProviderBadResponse)


async def test_timeout() -> None:
    async def slow(_: Recorded) -> tuple[int, Any]:
        await asyncio.sleep(0.6)
        return 200, {}

    assert isinstance(await _fail(slow, timeout_s=0.1), ProviderTimeout)
