"""Cloud Natural Language v1 adapters against a loopback fake of `documents:*`.

Wire format: https://cloud.google.com/natural-language/docs/reference/rest/v1/documents (one page
per method: analyzeSentiment, analyzeEntities, analyzeSyntax, analyzeEntitySentiment, classifyText,
moderateText).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.providers.cloud.google_fixtures import API_KEY, assert_output, google_error, run
from tests.providers.cloud.harness import FakeVendor, Recorded, serve
from unigate.providers.base import ProviderResult
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedLanguage,
)

DOCS = "https://cloud.google.com/natural-language/docs/reference/rest/v1/documents/"
TEXT = "Ana loves the new café in Lyon. The coffee was cold, though."


async def call(
    subfeature: str, method: str, reply: Any, **input: Any
) -> tuple[ProviderResult, dict[str, Any]]:
    fake = FakeVendor()
    fake.on("POST", f"/v1/documents:{method}", reply, source=DOCS + method)
    async with serve(fake):
        result = await run(subfeature, {"text": TEXT, **input}, fake)
    calls = fake.calls("POST", f"/v1/documents:{method}")
    assert len(calls) == 1 and calls[0].headers["x-goog-api-key"] == API_KEY
    body: dict[str, Any] = calls[0].json()
    assert body["document"]["type"] == "PLAIN_TEXT" and body["document"]["content"] == TEXT
    assert result.usage == {"char": len(TEXT)}
    return result, body


def span(content: str, text: str = TEXT) -> dict[str, Any]:
    """A TextSpan with a UTF32 (code point) offset; proto3 JSON omits an offset of 0."""
    begin = text.index(content)
    return {"content": content, "beginOffset": begin} if begin else {"content": content}


SENTIMENT = {
    "documentSentiment": {"magnitude": 1.3, "score": 0.1},
    "language": "en",
    "sentences": [
        {"text": span("Ana loves the new café in Lyon."), "sentiment": {"magnitude": 0.9, "score": 0.9}},
        {"text": span("The coffee was cold, though."), "sentiment": {"magnitude": 0.4, "score": -0.4}},
    ],
}


async def test_sentiment_analysis() -> None:
    result, body = await call("text/sentiment_analysis", "analyzeSentiment", (200, SENTIMENT), language="en")
    assert body == {
        "document": {"type": "PLAIN_TEXT", "content": TEXT, "language": "en"},
        "encodingType": "UTF32",
    }
    out = assert_output(result.output, "text/sentiment_analysis")
    assert (out["general_sentiment"], out["general_sentiment_rate"]) == ("Neutral", 0.1)
    assert out["items"][0] == {
        "segment": "Ana loves the new café in Lyon.",
        "sentiment": "Positive",
        "sentiment_rate": 0.9,
    }
    assert out["items"][1]["sentiment"] == "Negative" and out["items"][1]["sentiment_rate"] == 0.4


ENTITIES = {
    "entities": [
        {
            "name": "Ana",
            "type": "PERSON",
            "metadata": {},
            "salience": 0.62,
            "mentions": [{"text": span("Ana"), "type": "PROPER"}],
        },
        {
            "name": "Lyon",
            "type": "LOCATION",
            "metadata": {"mid": "/m/0dprg", "wikipedia_url": "https://en.wikipedia.org/wiki/Lyon"},
            "salience": 0.21,
            "mentions": [{"text": span("Lyon"), "type": "PROPER"}],
        },
    ],
    "language": "en",
}


async def test_named_entity_recognition() -> None:
    result, body = await call("text/named_entity_recognition", "analyzeEntities", (200, ENTITIES))
    assert body["encodingType"] == "UTF32" and "language" not in body["document"]
    out = assert_output(result.output, "text/named_entity_recognition")
    assert out["items"] == [
        {"entity": "Ana", "category": "PERSON", "importance": 0.62},
        {"entity": "Lyon", "category": "LOCATION", "importance": 0.21},
    ]


def token(content: str, tag: str, lemma: str, **morph: str) -> dict[str, Any]:
    pos = {
        "tag": tag,
        "aspect": "ASPECT_UNKNOWN",
        "case": "CASE_UNKNOWN",
        "form": "FORM_UNKNOWN",
        "gender": "GENDER_UNKNOWN",
        "mood": "MOOD_UNKNOWN",
        "number": "NUMBER_UNKNOWN",
        "person": "PERSON_UNKNOWN",
        "proper": "PROPER_UNKNOWN",
        "reciprocity": "RECIPROCITY_UNKNOWN",
        "tense": "TENSE_UNKNOWN",
        "voice": "VOICE_UNKNOWN",
        **morph,
    }
    return {
        "text": span(content),
        "partOfSpeech": pos,
        "dependencyEdge": {"headTokenIndex": 1, "label": "NSUBJ"},
        "lemma": lemma,
    }


SYNTAX = {
    "sentences": [{"text": span("Ana loves the new café in Lyon.")}],
    "tokens": [
        token("Ana", "NOUN", "Ana", number="SINGULAR", proper="PROPER"),
        token("loves", "VERB", "love", mood="INDICATIVE", number="SINGULAR", person="THIRD", tense="PRESENT"),
        token(".", "PUNCT", "."),
    ],
    "language": "en",
}


async def test_syntax_analysis() -> None:
    result, _ = await call("text/syntax_analysis", "analyzeSyntax", (200, SYNTAX))
    out = assert_output(result.output, "text/syntax_analysis")
    assert out["items"][0] == {
        "word": "Ana",
        "importance": None,
        "tag": "Noun",
        "lemma": "Ana",
        "others": {"number": "SINGULAR", "proper_name": "PROPER"},
    }
    assert out["items"][1]["tag"] == "Verb" and out["items"][1]["others"]["tense"] == "PRESENT"
    assert out["items"][2] == {
        "word": ".",
        "importance": None,
        "tag": "Punctuation",
        "lemma": ".",
        "others": {},
    }


ENTITY_SENTIMENT = {
    "entities": [
        {
            "name": "café",
            "type": "LOCATION",
            "metadata": {},
            "salience": 0.5,
            "mentions": [
                {"text": span("café"), "type": "COMMON", "sentiment": {"magnitude": 0.8, "score": 0.8}}
            ],
            "sentiment": {"magnitude": 0.8, "score": 0.8},
        },
        {
            "name": "coffee",
            "type": "CONSUMER_GOOD",
            "metadata": {},
            "salience": 0.3,
            "mentions": [
                {"text": span("coffee"), "type": "COMMON", "sentiment": {"magnitude": 0.5, "score": -0.5}}
            ],
            "sentiment": {"magnitude": 0.5, "score": -0.5},
        },
    ],
    "language": "en",
}


async def test_entity_sentiment_offsets_are_python_indexes() -> None:
    result, body = await call("text/entity_sentiment", "analyzeEntitySentiment", (200, ENTITY_SENTIMENT))
    assert body["encodingType"] == "UTF32"
    out = assert_output(result.output, "text/entity_sentiment")
    cafe, coffee = out["items"]
    assert cafe == {
        "type": "LOCATION",
        "text": "café",
        "sentiment": "Positive",
        "begin_offset": 18,
        "end_offset": 22,
    }
    assert TEXT[cafe["begin_offset"] : cafe["end_offset"]] == "café"
    assert (
        coffee["sentiment"] == "Negative" and TEXT[coffee["begin_offset"] : coffee["end_offset"]] == "coffee"
    )


CLASSIFY = {
    "categories": [
        {"name": "/Food & Drink/Cooking & Recipes", "confidence": 0.61},
        {"name": "/Travel & Transportation/Tourist Destinations", "confidence": 0.34},
    ]
}


async def test_topic_extraction() -> None:
    result, body = await call("text/topic_extraction", "classifyText", (200, CLASSIFY))
    assert body["classificationModelOptions"] == {"v2Model": {"contentCategoriesVersion": "V2"}}
    out = assert_output(result.output, "text/topic_extraction")
    assert out["items"][0] == {"category": "/Food & Drink/Cooking & Recipes", "importance": 0.61}


MODERATION = {
    "moderationCategories": [
        {"name": "Toxic", "confidence": 0.1},
        {"name": "Insult", "confidence": 0.85},
        {"name": "Profanity", "confidence": 0.35},
        {"name": "Politics", "confidence": 0.95},
        {"name": "Legal", "confidence": 0.0},
    ],
    "languageCode": "en",
    "languageSupported": True,
}


async def test_moderation() -> None:
    result, body = await call("text/moderation", "moderateText", (200, MODERATION))
    assert body == {"document": {"type": "PLAIN_TEXT", "content": TEXT}}
    out = assert_output(result.output, "text/moderation")
    by_label = {i["label"]: i for i in out["items"]}
    assert by_label["Insult"] == {
        "label": "Insult",
        "likelihood": 5,
        "category": "Toxic",
        "subcategory": "Insult",
        "likelihood_score": 0.85,
    }
    assert by_label["Toxic"]["likelihood"] == 1 and by_label["Profanity"]["likelihood"] == 2
    assert by_label["Legal"]["likelihood"] == 1
    # Politics is a sensitive topic, not harm: the insult sets the overall likelihood.
    assert (out["nsfw_likelihood"], out["nsfw_likelihood_score"]) == (5, 0.85)


# --- errors ---------------------------------------------------------------------------------------


async def _fail(reply: Any, timeout_s: float = 10.0, **input: Any) -> Exception:
    fake = FakeVendor()
    fake.on(
        "POST", "/v1/documents:analyzeSentiment", reply, source="https://cloud.google.com/apis/design/errors"
    )
    async with serve(fake):
        with pytest.raises(Exception) as info:
            await run("text/sentiment_analysis", {"text": TEXT, **input}, fake, timeout_s=timeout_s)
    return info.value


async def test_unsupported_language() -> None:
    # The API's answer for a language it cannot analyse.
    msg = "The language sq is not supported for document_sentiment analysis."
    exc = await _fail((400, google_error(400, msg, "INVALID_ARGUMENT")), language="sq")
    assert isinstance(exc, UnsupportedLanguage)


async def test_errors_map_to_typed_errors() -> None:
    key = google_error(
        400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", "API_KEY_INVALID"
    )
    assert isinstance(await _fail((400, key)), ProviderAuthError)
    denied = google_error(403, "The caller does not have permission", "PERMISSION_DENIED")
    assert isinstance(await _fail((403, denied)), ProviderAuthError)
    quota = google_error(429, "Resource has been exhausted (e.g. check quota).", "RESOURCE_EXHAUSTED")
    limited = await _fail((429, quota, {"Retry-After": "30"}))
    assert isinstance(limited, ProviderRateLimited) and limited.retry_after == 30.0
    assert isinstance(
        await _fail((503, google_error(503, "The service is currently unavailable.", "UNAVAILABLE"))),
        ProviderServerError,
    )
    assert isinstance(await _fail((200, "not json")), ProviderBadResponse)
    assert isinstance(await _fail((200, ["not", "an", "object"])), ProviderBadResponse)


async def test_timeout() -> None:
    async def slow(_: Recorded) -> tuple[int, Any]:
        await asyncio.sleep(0.6)
        return 200, SENTIMENT

    assert isinstance(await _fail(slow, timeout_s=0.1), ProviderTimeout)
