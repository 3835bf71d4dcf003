"""Azure AI Translator v3: translation/automatic_translation and language detection.

POST {endpoint}/translate?api-version=3.0&to=fr[&from=en] and POST {endpoint}/detect?api-version=3.0,
both with [{"Text": "..."}]; headers Ocp-Apim-Subscription-Key and, for regional or multi-service
resources, Ocp-Apim-Subscription-Region. Errors are {"error": {"code": 400036, "message": ...}}
with six-digit codes (400035/400036: invalid source/target language).
References: https://learn.microsoft.com/en-us/azure/ai-services/translator/text-translation/reference/v3/translate
https://learn.microsoft.com/en-us/azure/ai-services/translator/text-translation/reference/v3/detect
"""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext, Constraints, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse
from unigate.providers.microsoft import azure, config
from unigate.providers.microsoft.languages import language_name
from unigate.providers.microsoft.pricing import model

API_VERSION = "3.0"
KEY = "AZURE_TRANSLATOR_KEY"
MODEL = "translator"
MAX_CHARS = 50_000  # per request
MAX_DETECT_CHARS = 5_000  # only the first 50,000 characters count; a few thousand decide


def _headers(ctx: CallContext) -> dict[str, str]:
    headers = {"Content-Type": "application/json; charset=UTF-8"}
    region = ctx.credentials.get("AZURE_TRANSLATOR_REGION")
    if region:
        headers["Ocp-Apim-Subscription-Region"] = region
    return headers


def _url(ctx: CallContext, operation: str) -> str:
    return f"{config.endpoint(ctx, 'AZURE_TRANSLATOR_ENDPOINT', config.TRANSLATOR_DEFAULT)}/{operation}"


def _first(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, list) or not body or not isinstance(body[0], dict):
        raise ProviderBadResponse(f"{azure.VENDOR}: {what} answered {str(body)[:200]}")
    return body[0]


async def run_translate(input: Any, ctx: CallContext) -> ProviderResult:
    config.require(ctx, config.TRANSLATOR)
    params = {"api-version": API_VERSION, "to": input.target_language}
    if input.source_language:
        params["from"] = input.source_language
    result = await azure.request(
        ctx, "POST", _url(ctx, "translate"), key_name=KEY, headers=_headers(ctx), params=params,
        json_body=[{"Text": input.text}],
    )  # fmt: skip
    body = result.json()
    translations = _first(body, "translate").get("translations") or []
    if not translations:
        raise ProviderBadResponse(f"{azure.VENDOR}: translate returned no translation")
    # Translator bills every character sent, whitespace included.
    return ProviderResult({"text": translations[0].get("text")}, body, {"char": len(input.text)})


async def run_detect(input: Any, ctx: CallContext) -> ProviderResult:
    config.require(ctx, config.TRANSLATOR)
    text = input.text[:MAX_DETECT_CHARS]
    result = await azure.request(
        ctx, "POST", _url(ctx, "detect"), key_name=KEY, headers=_headers(ctx),
        params={"api-version": API_VERSION}, json_body=[{"Text": text}],
    )  # fmt: skip
    body = result.json()
    found = _first(body, "detect")
    candidates = [found, *(found.get("alternatives") or ())]
    items = [
        {
            "language": c.get("language"),
            "display_name": language_name(c.get("language")),
            "confidence": c.get("score"),
        }
        for c in candidates
        if c.get("language")
    ]
    return ProviderResult({"items": items}, body, {"char": len(text)})


def translation_offer() -> Offer:
    sub = "translation/automatic_translation"
    return Offer(
        subfeature=sub,
        models=(model(sub, MODEL, "Azure AI Translator v3 (neural machine translation, 100+ languages)"),),
        default_model=MODEL,
        constraints=Constraints(max_text_chars=MAX_CHARS),
        run=run_translate,
        notes="Azure AI Translator v3 /translate. Without source_language the service detects it. "
        "Language codes are Translator's (e.g. 'zh-Hans', 'pt-PT', 'sr-Latn'); an unknown one is an "
        "unsupported_language error. Billed per character sent.",
        unavailable_reason=config.TRANSLATOR.missing,
    )
