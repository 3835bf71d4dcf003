"""Translate (API 2017-07-01, JSON 1.1, target AWSShineFrontendService_20170701.TranslateText):
translation/automatic_translation. Without a source language Translate detects it ("auto")."""

from __future__ import annotations

from typing import Any

from unigate.providers.amazon import aws
from unigate.providers.base import CallContext, ProviderResult
from unigate.providers.errors import ProviderBadResponse

MAX_BYTES = 10_000  # TranslateText accepts at most 10,000 bytes of UTF-8 text

# Language codes TranslateText accepts (Translate developer guide, "Supported languages").
VARIANTS = frozenset({"zh-TW", "fr-CA", "pt-PT", "es-MX", "fa-AF"})
LANGUAGES = frozenset(
    {
        "af", "sq", "am", "ar", "hy", "az", "bn", "bs", "bg", "ca", "zh", "hr", "cs", "da", "nl", "en", "et",
        "fa", "tl", "fi", "fr", "ka", "de", "el", "gu", "ht", "ha", "he", "hi", "hu", "is", "id", "ga", "it",
        "ja", "kn", "kk", "ko", "lv", "lt", "mk", "ms", "ml", "mt", "mr", "mn", "no", "ps", "pl", "pt", "pa",
        "ro", "ru", "sr", "si", "sk", "sl", "so", "es", "sw", "sv", "ta", "te", "th", "tr", "uk", "ur", "uz",
        "vi", "cy",
    }
) | VARIANTS  # fmt: skip


def translate_code(code: str) -> str:
    """ "en-US" -> "en", "pt-PT" stays, "zh-Hant"/"zh-HK" -> "zh-TW", "zh-Hans"/"zh-CN" -> "zh"."""
    parts = code.replace("_", "-").split("-")
    base = parts[0].lower()
    tags = [p.upper() for p in parts[1:]]
    if base == "zh":
        return "zh-TW" if any(t in ("TW", "HK", "MO", "HANT") for t in tags) else "zh"
    for tag in tags:
        if f"{base}-{tag}" in VARIANTS:
            return f"{base}-{tag}"
    return base


async def run_translation(input: Any, ctx: CallContext) -> ProviderResult:
    payload = {
        "Text": input.text,
        "SourceLanguageCode": translate_code(input.source_language) if input.source_language else "auto",
        "TargetLanguageCode": translate_code(input.target_language),
    }
    response = await aws.json_api(ctx, aws.TRANSLATE, "TranslateText", payload)
    translated = response.get("TranslatedText")
    if not isinstance(translated, str):
        raise ProviderBadResponse("amazon: TranslateText answered no TranslatedText")
    return ProviderResult({"text": translated}, raw=response, usage={"char": len(input.text)})
