"""The `google` provider: Google Cloud AI APIs and the Gemini API over plain HTTPS (aiohttp).

APIs and what they serve:

* Cloud Vision v1 (`images:annotate`, `files:annotate`): ocr/ocr, image/object_detection,
  image/face_detection, image/explicit_content, image/landmark_detection, image/logo_detection.
* Cloud Natural Language v1 (`documents:*`): text/sentiment_analysis, text/named_entity_recognition,
  text/syntax_analysis, text/entity_sentiment, text/topic_extraction, text/moderation.
* Cloud Translation v2 (`translate`, `detect`): translation/automatic_translation,
  translation/language_detection; v3 `translateDocument`: translation/document_translation.
* Speech-to-Text v1 (`speech:longrunningrecognize`, polled through `operations/{name}`):
  audio/speech_to_text_async.
* Text-to-Speech v1 (`text:synthesize`, `voices`): audio/text_to_speech, audio/tts.
* Document AI v1 (`processors/{id}:process`, service account): ocr/ocr_async (Document OCR),
  ocr/ocr_tables_async (Form Parser), ocr/invoice_parser (Invoice Parser), ocr/receipt_parser
  (Expense Parser).
* Gemini API v1beta (`models/{model}:generateContent`, API key): llm/chat.

Environment:

* ``GOOGLE_API_KEY``: an API key, sent in the ``x-goog-api-key`` header (Vision, Natural Language,
  Translation v2, Speech-to-Text v1, Text-to-Speech, Gemini).
* ``GOOGLE_APPLICATION_CREDENTIALS``: a service-account key file. Used for the APIs that take no API
  key (Document AI, Translation v3 document translation), and for the others when no key is set.
* ``GOOGLE_CLOUD_PROJECT`` (default: the key file's project_id), ``GOOGLE_CLOUD_LOCATION`` (Document
  AI location, default ``us``), ``GOOGLE_DOCUMENTAI_PROCESSORS`` (JSON map subfeature -> processor
  id, e.g. ``{"ocr/invoice_parser": "a1b2c3"}``), ``UNIGATE_GOOGLE_TRANSLATE_LOCATION`` (default
  ``global``).
* Base URLs, for proxies and tests: ``UNIGATE_GOOGLE_VISION_URL``, ``UNIGATE_GOOGLE_LANGUAGE_URL``,
  ``UNIGATE_GOOGLE_TRANSLATE_URL``, ``UNIGATE_GOOGLE_SPEECH_URL``, ``UNIGATE_GOOGLE_TTS_URL``,
  ``UNIGATE_GOOGLE_DOCUMENTAI_URL``, ``UNIGATE_GOOGLE_GEMINI_URL``.

Importing this package is cheap: google-auth is imported only when a service-account token is needed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property

from unigate.providers.base import Offer
from unigate.providers.google import config, documentai, gemini, language, speech, translation, tts, vision


class GoogleProvider:
    name = "google"
    display_name = "Google Cloud"

    @cached_property
    def _offers(self) -> tuple[Offer, ...]:
        return (
            *vision.offers(),
            *language.offers(),
            *translation.offers(),
            *speech.offers(),
            *tts.offers(),
            *documentai.offers(),
            *gemini.offers(),
        )

    def offers(self) -> Sequence[Offer]:
        return self._offers

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        return config.provider_unavailable(env)

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        return config.credentials(env)


__all__ = ["GoogleProvider"]
