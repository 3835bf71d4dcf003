"""Azure AI Language (REST API 2024-11-01), synchronous `:analyze-text` tasks: sentiment, entities,
key phrases, language detection and PII redaction (summarization is in `summarize`).

Sync: POST {endpoint}/language/:analyze-text?api-version=2024-11-01 with {kind, parameters,
analysisInput: {documents: [{id, language, text}]}} answers {kind: "<Kind>Results", results:
{documents: [...], errors: [{id, error}], modelVersion}}; a document that fails comes back in
`errors` with a 200 (e.g. innererror UnsupportedLanguageCode).
Reference: https://learn.microsoft.com/en-us/rest/api/language/text-analysis-runtime/analyze-text?view=rest-language-2024-11-01

A synchronous document holds at most 5,120 characters, so longer texts are split at whitespace into
several documents (5 per request, the smallest batch limit of these tasks) and the results merged,
with offsets moved back into the whole text (`stringIndexType: UnicodeCodePoint` makes Azure's
offsets Python string indices). Billing is per text record of up to 1,000 characters per document.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderBadResponse
from unigate.providers.microsoft import azure, config
from unigate.providers.microsoft.language_results import (
    entities_output,
    key_phrases_output,
    language_output,
    pii_output,
    sentiment_output,
)
from unigate.providers.microsoft.pricing import model

API_VERSION = "2024-11-01"
ENDPOINT = "AZURE_LANGUAGE_ENDPOINT"
KEY = "AZURE_LANGUAGE_KEY"
MODEL = "language"
DOC_CHARS = 5120  # per synchronous document
DOCS_PER_REQUEST = 5
MAX_TEXT_CHARS = 50_000  # about ten documents: two requests
RECORD_CHARS = 1000  # a billable text record

Document = dict[str, Any]


def chunks(text: str, size: int = DOC_CHARS) -> list[tuple[int, str]]:
    """Contiguous pieces of at most `size` characters that add up to `text` exactly, cut after the
    last sentence end or whitespace of each window when there is one: (offset, piece)."""
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = max(window.rfind(". "), window.rfind("\n"))
        if cut < size // 2:
            cut = max(window.rfind(" "), window.rfind("\t"))
        end = start + (cut + 1 if cut > 0 else size)
        out.append((start, text[start:end]))
        start = end
    out.append((start, text[start:]))
    return out


def text_records(*texts: str) -> int:
    return sum(max(1, math.ceil(len(t) / RECORD_CHARS)) for t in texts)


def _base(ctx: CallContext) -> str:
    return config.endpoint(ctx, ENDPOINT)


def _documents(pieces: Sequence[str], language: str | None, first_id: int) -> list[Document]:
    docs: list[Document] = []
    for i, piece in enumerate(pieces):
        doc: Document = {"id": str(first_id + i), "text": piece}
        if language:
            doc["language"] = language  # without it Azure assumes English
        docs.append(doc)
    return docs


def raise_document_errors(results: Mapping[str, Any], secrets: Any) -> None:
    """Per-document failures come back with a 200; the first one becomes a typed error."""
    for failure in results.get("errors") or ():
        err = failure.get("error") if isinstance(failure, dict) else None
        raise azure.to_error(err if isinstance(err, dict) else {}, 400, secrets=secrets)


async def analyze(
    ctx: CallContext, kind: str, pieces: Sequence[str], language: str | None, parameters: Mapping[str, Any]
) -> tuple[list[Document], list[Any]]:
    """Run one sync task over the pieces; the result documents in input order, and the raw bodies."""
    config.require(ctx, config.LANGUAGE)
    found: list[Document] = []
    raw: list[Any] = []
    for first in range(0, len(pieces), DOCS_PER_REQUEST):
        body = {
            "kind": kind,
            "parameters": {"modelVersion": "latest", **parameters},
            "analysisInput": {
                "documents": _documents(pieces[first : first + DOCS_PER_REQUEST], language, first)
            },
        }
        result = await azure.request(
            ctx,
            "POST",
            f"{_base(ctx)}/language/:analyze-text",
            key_name=KEY,
            params={"api-version": API_VERSION},
            json_body=body,
        )
        data = azure.json_object(result)
        raw.append(data)
        results = data.get("results")
        if not isinstance(results, dict):
            raise ProviderBadResponse(f"{azure.VENDOR}: {kind} answered without results")
        raise_document_errors(results, ctx.credentials.values())
        found.extend(results.get("documents") or ())
    found.sort(key=lambda d: int(d.get("id", 0)))
    if len(found) != len(pieces):
        raise ProviderBadResponse(f"{azure.VENDOR}: {kind} returned {len(found)} of {len(pieces)} documents")
    return found, raw


# --- offers -----------------------------------------------------------------------------------

_CODEPOINTS = {"stringIndexType": "UnicodeCodePoint"}


async def run_sentiment(input: Any, ctx: CallContext) -> ProviderResult:
    pieces = [p for _, p in chunks(input.text)]
    docs, raw = await analyze(
        ctx, "SentimentAnalysis", pieces, input.language, {"opinionMining": False, **_CODEPOINTS}
    )
    return ProviderResult(sentiment_output(docs, pieces), raw, {"text": text_records(*pieces)})


async def run_entities(input: Any, ctx: CallContext) -> ProviderResult:
    pieces = [p for _, p in chunks(input.text)]
    docs, raw = await analyze(ctx, "EntityRecognition", pieces, input.language, _CODEPOINTS)
    return ProviderResult(entities_output(docs), raw, {"text": text_records(*pieces)})


async def run_key_phrases(input: Any, ctx: CallContext) -> ProviderResult:
    pieces = [p for _, p in chunks(input.text)]
    docs, raw = await analyze(ctx, "KeyPhraseExtraction", pieces, input.language, {})
    return ProviderResult(key_phrases_output(docs), raw, {"text": text_records(*pieces)})


async def run_pii(input: Any, ctx: CallContext) -> ProviderResult:
    parts = chunks(input.text)
    pieces = [p for _, p in parts]
    docs, raw = await analyze(
        ctx, "PiiEntityRecognition", pieces, input.language, {"domain": "none", **_CODEPOINTS}
    )
    return ProviderResult(pii_output(docs, [o for o, _ in parts]), raw, {"text": text_records(*pieces)})


async def detect_language(input: Any, ctx: CallContext) -> ProviderResult:
    """The first document's worth of text is plenty to tell the language."""
    piece = input.text[:DOC_CHARS]
    docs, raw = await analyze(ctx, "LanguageDetection", [piece], None, {})
    return ProviderResult(language_output(docs), raw[0], {"text": text_records(piece)})


def language_detection_model() -> ModelSpec:
    return model(
        "translation/language_detection",
        MODEL,
        "Azure AI Language language detection (one best candidate, ISO 639-1 code and name)",
    )


def _offer(subfeature: str, run: Any, description: str, notes: str) -> Offer:
    return Offer(
        subfeature=subfeature,
        models=(model(subfeature, MODEL, description),),
        default_model=MODEL,
        constraints=Constraints(max_text_chars=MAX_TEXT_CHARS),
        run=run,
        notes=notes,
        unavailable_reason=config.LANGUAGE.missing,
    )


_SPLIT = (
    f"Texts over {DOC_CHARS} characters are split at whitespace into several documents and the "
    "results merged. Without `language`, Azure assumes English; an unsupported language is an "
    "unsupported_language error. Billed per text record (1,000 characters) per document."
)


def offers() -> list[Offer]:
    return [
        _offer(
            "text/sentiment_analysis",
            run_sentiment,
            "Azure AI Language sentiment analysis (document and sentence level)",
            "Azure AI Language SentimentAnalysis (API 2024-11-01). A 'mixed' document is reported as "
            "the stronger of positive and negative; rates are the service's confidence scores. " + _SPLIT,
        ),
        _offer(
            "text/named_entity_recognition",
            run_entities,
            "Azure AI Language named entity recognition",
            "Azure AI Language EntityRecognition (API 2024-11-01); categories are Azure's (Person, "
            "Location, Organization, DateTime, Quantity...), importance is the confidence score. " + _SPLIT,
        ),
        _offer(
            "text/keyword_extraction",
            run_key_phrases,
            "Azure AI Language key phrase extraction",
            "Azure AI Language KeyPhraseExtraction (API 2024-11-01). The service gives no scores, so "
            "importance is null. " + _SPLIT,
        ),
        _offer(
            "text/anonymization",
            run_pii,
            "Azure AI Language PII detection and redaction",
            "Azure AI Language PiiEntityRecognition (API 2024-11-01): the redacted text masks each "
            "entity with '*'; original_label is Azure's PII category. " + _SPLIT,
        ),
    ]
