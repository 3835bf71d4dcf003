"""The `microsoft` provider: Azure AI services over their REST APIs (plain aiohttp, no SDK).

Azure is configured per service; each offer is available when its service is (the provider as a
whole when at least one is). Environment variables (the names Azure's own samples use):

- Document Intelligence: AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT, AZURE_DOCUMENT_INTELLIGENCE_KEY
- AI Language: AZURE_LANGUAGE_ENDPOINT, AZURE_LANGUAGE_KEY
- Translator: AZURE_TRANSLATOR_KEY, AZURE_TRANSLATOR_REGION (regional/multi-service resources),
  AZURE_TRANSLATOR_ENDPOINT (default https://api.cognitive.microsofttranslator.com)
- AI Vision: AZURE_VISION_ENDPOINT, AZURE_VISION_KEY
- AI Content Safety: AZURE_CONTENT_SAFETY_ENDPOINT, AZURE_CONTENT_SAFETY_KEY
- Speech: AZURE_SPEECH_KEY, AZURE_SPEECH_REGION; AZURE_SPEECH_ENDPOINT overrides the Speech REST
  base (batch transcription, default https://{region}.api.cognitive.microsoft.com) and
  AZURE_SPEECH_TTS_ENDPOINT the text-to-speech base (default https://{region}.tts.speech.microsoft.com)

Every endpoint variable is a base URL, so each API can be pointed at a proxy or a test fake. Keys
are sent in `Ocp-Apim-Subscription-Key` and never appear in outputs, errors or logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from unigate.providers.base import Offer
from unigate.providers.microsoft import (
    config,
    content_safety,
    detection,
    documents,
    language,
    summarize,
    transcription,
    translator,
    tts,
    vision,
)


class MicrosoftProvider:
    name = "microsoft"
    display_name = "Microsoft Azure AI services"

    def offers(self) -> Sequence[Offer]:
        return [
            *documents.offers(),
            *language.offers(),
            summarize.offer(),
            detection.offer(),
            translator.translation_offer(),
            *vision.offers(),
            content_safety.moderation_offer(),
            tts.tts_offer(),
            transcription.stt_offer(),
        ]

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        if any(service.missing(env) is None for service in config.SERVICES):
            return None
        return (
            "no Azure AI service is configured: set the endpoint and key of at least one, e.g. "
            "AZURE_LANGUAGE_ENDPOINT and AZURE_LANGUAGE_KEY (see unigate.providers.microsoft)"
        )

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        return config.credentials(env)


__all__ = ["MicrosoftProvider"]
