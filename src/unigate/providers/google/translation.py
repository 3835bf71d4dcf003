"""Cloud Translation: the v2 REST API (API key) for text and language detection, v3
`translateDocument` (service account) for documents.

References: https://cloud.google.com/translate/docs/reference/rest/v2/translate,
https://cloud.google.com/translate/docs/reference/rest/v2/detect,
https://cloud.google.com/translate/docs/reference/rest/v2/languages and
https://cloud.google.com/translate/docs/reference/rest/v3/projects.locations/translateDocument.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse, ProviderError, ProviderUnavailable
from unigate.providers.google import client
from unigate.providers.google.common import b64, load_file, num, spec
from unigate.providers.google.config import Api, base_url, needs_service_account

VENDOR = client.VENDORS[Api.TRANSLATE]
V2 = "/language/translate/v2"
MAX_TEXT_CHARS = 30_000  # code points per request
DOCUMENT_MIME_TYPES = frozenset(
    {
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_DOCUMENT_PAGES = 300

# Display names from v2 `languages?target=en`, cached per base URL for the life of the process.
_NAMES: dict[str, dict[str, str]] = {}


def language_code(code: str | None) -> str | None:
    """BCP-47 with hyphens, as Google expects ("pt_BR" -> "pt-BR")."""
    return code.replace("_", "-") if code else None


def _data(body: dict[str, Any], key: str) -> list[Any]:
    data = body.get("data")
    found = data.get(key) if isinstance(data, dict) else None
    if not isinstance(found, list):
        raise ProviderBadResponse(f"{VENDOR}: the answer has no data.{key}")
    return found


# --- translation/automatic_translation ------------------------------------------------------------


async def run_translate(input: Any, ctx: CallContext) -> ProviderResult:
    body: dict[str, Any] = {
        "q": [input.text],
        "target": language_code(input.target_language),
        "format": "text",
        "model": ctx.model,
    }
    if input.source_language:
        body["source"] = language_code(input.source_language)
    resp = await client.request_json(ctx, Api.TRANSLATE, "POST", V2, json_body=body)
    translations = _data(resp, "translations")
    if len(translations) != 1 or not isinstance(translations[0], dict):
        raise ProviderBadResponse(f"{VENDOR}: expected one translation")
    text = translations[0].get("translatedText")
    return ProviderResult(output={"text": text}, raw=resp, usage={"char": len(input.text)})


# --- translation/language_detection ---------------------------------------------------------------


async def language_names(ctx: CallContext) -> dict[str, str]:
    """Code -> English name (a free v2 call, made once per process); empty if it fails."""
    key = base_url(ctx.credentials, Api.TRANSLATE)
    if key not in _NAMES:
        try:
            resp = await client.request_json(
                ctx, Api.TRANSLATE, "GET", f"{V2}/languages", params={"target": "en"}
            )
            found = _data(resp, "languages")
        except ProviderError:
            return {}  # the names are a nicety; the detection itself succeeded
        _NAMES[key] = {
            str(x["language"]): str(x["name"]) for x in found if isinstance(x, dict) and "name" in x
        }
    return _NAMES[key]


async def run_detect(input: Any, ctx: CallContext) -> ProviderResult:
    resp = await client.request_json(
        ctx, Api.TRANSLATE, "POST", f"{V2}/detect", json_body={"q": [input.text]}
    )
    detections = _data(resp, "detections")
    found = detections[0] if detections and isinstance(detections[0], list) else []
    names = await language_names(ctx) if found else {}
    detected = [d for d in found if isinstance(d, dict) and d.get("language") != "und"]  # und: undetermined
    detected.sort(key=lambda d: -(num(d.get("confidence")) or 0.0))
    items = [
        {
            "language": d.get("language"),
            "display_name": names.get(str(d.get("language"))),
            "confidence": num(d.get("confidence")),
        }
        for d in detected
    ]
    return ProviderResult(output={"items": items}, raw=resp, usage={"char": len(input.text)})


# --- translation/document_translation -------------------------------------------------------------


async def run_document(input: Any, ctx: CallContext) -> ProviderResult:
    project = ctx.credentials.get("project")
    if not project:
        raise ProviderUnavailable("GOOGLE_CLOUD_PROJECT is not set")
    loaded = await load_file(input, ctx)
    body: dict[str, Any] = {
        "targetLanguageCode": language_code(input.target_language),
        "documentInputConfig": {"content": b64(loaded.data), "mimeType": loaded.mime},
    }
    if input.source_language:
        body["sourceLanguageCode"] = language_code(input.source_language)
    location = ctx.credentials.get("translate_location", "global")
    path = f"/v3/projects/{project}/locations/{location}:translateDocument"
    resp = await client.request_json(ctx, Api.TRANSLATE, "POST", path, json_body=body, api_key=False)
    outputs = (resp.get("documentTranslation") or {}).get("byteStreamOutputs")
    if not isinstance(outputs, list) or not outputs or not isinstance(outputs[0], str):
        raise ProviderBadResponse(f"{VENDOR}: the answer has no documentTranslation.byteStreamOutputs")
    try:
        translated = b"".join(base64.b64decode(part, validate=True) for part in outputs)
    except (binascii.Error, ValueError):
        raise ProviderBadResponse(f"{VENDOR}: byteStreamOutputs is not base64") from None
    raw = {
        **resp,
        "documentTranslation": {
            **resp["documentTranslation"],
            "byteStreamOutputs": [f"<{len(translated)} bytes>"],
        },
    }
    # Billed per page; a document without a page count (docx, xlsx...) counts as one.
    return ProviderResult(
        output={"file": b64(translated), "document_resource_url": None},
        raw=raw,
        usage={"page": loaded.page_count or 1},
    )


# --- offers ---------------------------------------------------------------------------------------


def offers() -> list[Offer]:
    return [
        Offer(
            subfeature="translation/automatic_translation",
            models=(spec("translation/automatic_translation", "nmt", "Neural Machine Translation (v2)"),),
            default_model="nmt",
            constraints=Constraints(max_text_chars=MAX_TEXT_CHARS),
            run=run_translate,
            notes="Cloud Translation API v2 (Basic) translate, plain text format; the source language is "
            "detected when not given.",
        ),
        Offer(
            subfeature="translation/language_detection",
            models=(spec("translation/language_detection", "v2", "Cloud Translation v2 detect"),),
            default_model="v2",
            constraints=Constraints(max_text_chars=MAX_TEXT_CHARS),
            run=run_detect,
            notes="Cloud Translation API v2 detect; display names from the v2 languages list (English).",
        ),
        Offer(
            subfeature="translation/document_translation",
            models=(
                spec("translation/document_translation", "v3", "Cloud Translation v3 translateDocument"),
            ),
            default_model="v3",
            constraints=Constraints(
                mime_types=DOCUMENT_MIME_TYPES,
                max_file_bytes=MAX_DOCUMENT_BYTES,
                max_pages=MAX_DOCUMENT_PAGES,
            ),
            run=run_document,
            notes="Cloud Translation API v3 translateDocument (online): PDF, DOCX, PPTX, XLSX; the "
            "translated document comes back base64 in `file` (no URL). Needs a service account.",
            unavailable_reason=needs_service_account("Translation v3 document translation"),
        ),
    ]
