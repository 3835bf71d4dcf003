"""Comprehend: sentiment, entities, key phrases, syntax, language detection, PII anonymization and
toxicity moderation.

Wire format sources (request/response syntax and errors of each operation):
- https://docs.aws.amazon.com/comprehend/latest/APIReference/API_DetectSentiment.html
- https://docs.aws.amazon.com/comprehend/latest/APIReference/API_DetectEntities.html
- https://docs.aws.amazon.com/comprehend/latest/APIReference/API_DetectKeyPhrases.html
- https://docs.aws.amazon.com/comprehend/latest/APIReference/API_DetectSyntax.html
- https://docs.aws.amazon.com/comprehend/latest/APIReference/API_DetectDominantLanguage.html
- https://docs.aws.amazon.com/comprehend/latest/APIReference/API_DetectPiiEntities.html
- https://docs.aws.amazon.com/comprehend/latest/APIReference/API_DetectToxicContent.html
- https://docs.aws.amazon.com/comprehend/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.providers.cloud.amazon_fixtures.fake import (
    aws_error,
    aws_fake,
    check_output,
    creds,
    header,
    verify_sigv4,
)
from tests.providers.cloud.harness import Recorded, context
from unigate.catalog.schemas.text import TextLanguageInput
from unigate.catalog.schemas.translation import LanguageDetectionInput
from unigate.engine.pricing import price_usage
from unigate.providers.amazon import AmazonProvider, comprehend
from unigate.providers.base import Offer, ProviderResult
from unigate.providers.errors import (
    ProviderError,
    ProviderInvalidInput,
    ProviderRateLimited,
    UnsupportedLanguage,
)

TEXT = "Barack Hussein Obama is an American politician who served as the 44th president of the United States."
T = "Comprehend_20171127."


def offer(subfeature: str) -> Offer:
    [found] = [o for o in AmazonProvider().offers() if o.subfeature == subfeature]
    return found


async def run(subfeature: str, input: Any, *replies: tuple[str, Any]) -> tuple[ProviderResult, Any]:
    """Run an offer against a fake answering each (operation, reply) pair."""
    async with aws_fake() as fake:
        for operation, reply in replies:
            fake.target(T + operation, reply)
        async with context(creds(fake)) as ctx:
            o = offer(subfeature)
            assert o.run is not None
            result = await o.run(input, ctx)
    for rec in fake.requests:
        verify_sigv4(rec, fake, "comprehend")
        assert header(rec, "Content-Type") == "application/x-amz-json-1.1"
    return result, fake


async def test_sentiment_with_a_language() -> None:
    reply = {
        "Sentiment": "NEGATIVE",
        "SentimentScore": {"Positive": 0.01, "Negative": 0.9512, "Neutral": 0.03, "Mixed": 0.0088},
    }
    result, fake = await run(
        "text/sentiment_analysis",
        TextLanguageInput(text=TEXT, language="en-US"),
        ("DetectSentiment", (200, reply)),
    )
    [rec] = fake.ops(T + "DetectSentiment")
    assert rec.json() == {"Text": TEXT, "LanguageCode": "en"}
    out = check_output("text/sentiment_analysis", result.output)
    assert out == {"general_sentiment": "Negative", "general_sentiment_rate": 0.9512, "items": []}
    assert result.usage == {"char": len(TEXT)}


async def test_sentiment_detects_the_language_first_and_bills_both_requests() -> None:
    languages = {"Languages": [{"LanguageCode": "es", "Score": 0.97}, {"LanguageCode": "pt", "Score": 0.02}]}
    reply = {
        "Sentiment": "MIXED",
        "SentimentScore": {"Positive": 0.3, "Negative": 0.2, "Neutral": 0.1, "Mixed": 0.4},
    }
    result, fake = await run(
        "text/sentiment_analysis",
        TextLanguageInput(text="Me encanta, pero es caro."),
        ("DetectDominantLanguage", (200, languages)),
        ("DetectSentiment", (200, reply)),
    )
    assert [header(r, "X-Amz-Target") for r in fake.requests] == [
        T + "DetectDominantLanguage",
        T + "DetectSentiment",
    ]
    assert fake.ops(T + "DetectSentiment")[0].json()["LanguageCode"] == "es"
    out = check_output("text/sentiment_analysis", result.output)
    assert (out["general_sentiment"], out["general_sentiment_rate"]) == ("Neutral", 0.4)
    assert result.usage == {"char": 25, "char:detect": 25}
    spec = offer("text/sentiment_analysis").model(None)
    assert spec is not None
    assert price_usage(spec.prices, result.usage) == Decimal("0.0006")  # two requests, 3 units minimum each


async def test_detected_language_comprehend_cannot_analyse() -> None:
    with pytest.raises(UnsupportedLanguage, match="'ru'"):
        await run(
            "text/named_entity_recognition",
            TextLanguageInput(text="Привет, мир"),
            ("DetectDominantLanguage", (200, {"Languages": [{"LanguageCode": "ru", "Score": 0.99}]})),
        )


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            aws_error(400, "UnsupportedLanguageException", "Amazon Comprehend can't process the language"),
            UnsupportedLanguage,
        ),
        (
            aws_error(400, "TextSizeLimitExceededException", "Input text size exceeds limit"),
            ProviderInvalidInput,
        ),
        (aws_error(400, "TooManyRequestsException", "Too many requests"), ProviderRateLimited),
        (aws_error(400, "InvalidRequestException", "Invalid request"), ProviderInvalidInput),
    ],
)
async def test_comprehend_errors(reply: Any, kind: type[ProviderError]) -> None:
    with pytest.raises(kind):
        await run(
            "text/keyword_extraction",
            TextLanguageInput(text=TEXT, language="en"),
            ("DetectKeyPhrases", reply),
        )


async def test_entities() -> None:
    reply = {
        "Entities": [
            {
                "Score": 0.9960,
                "Type": "PERSON",
                "Text": "Barack Hussein Obama",
                "BeginOffset": 0,
                "EndOffset": 20,
            },
            {"Score": 0.9943, "Type": "OTHER", "Text": "American", "BeginOffset": 27, "EndOffset": 35},
            {
                "Score": 0.8184,
                "Type": "QUANTITY",
                "Text": "44th president",
                "BeginOffset": 67,
                "EndOffset": 81,
            },
        ]
    }
    result, fake = await run(
        "text/named_entity_recognition",
        TextLanguageInput(text=TEXT, language="en"),
        ("DetectEntities", (200, reply)),
    )
    assert fake.ops(T + "DetectEntities")[0].json() == {"Text": TEXT, "LanguageCode": "en"}
    out = check_output("text/named_entity_recognition", result.output)
    assert out["items"][0] == {"entity": "Barack Hussein Obama", "category": "PERSON", "importance": 0.996}


async def test_key_phrases() -> None:
    reply = {
        "KeyPhrases": [
            {"Score": 0.99994, "Text": "Barack Hussein Obama", "BeginOffset": 0, "EndOffset": 20},
            {"Score": 0.99997, "Text": "an American politician", "BeginOffset": 24, "EndOffset": 46},
        ]
    }
    result, _ = await run(
        "text/keyword_extraction",
        TextLanguageInput(text=TEXT, language="en"),
        ("DetectKeyPhrases", (200, reply)),
    )
    out = check_output("text/keyword_extraction", result.output)
    assert [i["keyword"] for i in out["items"]] == ["Barack Hussein Obama", "an American politician"]


async def test_syntax() -> None:
    reply = {
        "SyntaxTokens": [
            {"TokenId": 1, "Text": "Barack", "BeginOffset": 0, "EndOffset": 6,
             "PartOfSpeech": {"Tag": "PROPN", "Score": 0.998}},
            {"TokenId": 2, "Text": "served", "BeginOffset": 49, "EndOffset": 55,
             "PartOfSpeech": {"Tag": "VERB", "Score": 0.99}},
        ]
    }  # fmt: skip
    result, fake = await run(
        "text/syntax_analysis", TextLanguageInput(text=TEXT, language="fr"), ("DetectSyntax", (200, reply))
    )
    assert fake.ops(T + "DetectSyntax")[0].json()["LanguageCode"] == "fr"
    out = check_output("text/syntax_analysis", result.output)
    assert out["items"][0] == {
        "word": "Barack",
        "importance": None,
        "tag": "ProperNoun",
        "lemma": None,
        "others": {"universal_tag": "PROPN", "confidence": 0.998},
    }
    assert out["items"][1]["tag"] == "Verb"


async def test_language_detection() -> None:
    reply = {"Languages": [{"LanguageCode": "it", "Score": 0.95}, {"LanguageCode": "zh-TW", "Score": 0.04}]}
    result, fake = await run(
        "translation/language_detection",
        LanguageDetectionInput(text="Buongiorno a tutti"),
        ("DetectDominantLanguage", (200, reply)),
    )
    assert fake.ops(T + "DetectDominantLanguage")[0].json() == {"Text": "Buongiorno a tutti"}
    out = check_output("translation/language_detection", result.output)
    assert out["items"] == [
        {"language": "it", "display_name": "Italian", "confidence": 0.95},
        {"language": "zh-TW", "display_name": "Chinese (Traditional)", "confidence": 0.04},
    ]
    assert result.usage == {"char": 18}


async def test_anonymization_masks_each_pii_span() -> None:
    text = "The phone number of Luc is the 06 21 32 43 54."
    reply = {
        "Entities": [
            {"Score": 0.992, "Type": "PHONE", "BeginOffset": 31, "EndOffset": 45},
            {"Score": 0.9999, "Type": "NAME", "BeginOffset": 20, "EndOffset": 23},
        ]
    }
    result, fake = await run(
        "text/anonymization", TextLanguageInput(text=text, language="en"), ("DetectPiiEntities", (200, reply))
    )
    assert fake.ops(T + "DetectPiiEntities")[0].json() == {"Text": text, "LanguageCode": "en"}
    out = check_output("text/anonymization", result.output)
    assert out["result"] == "The phone number of *** is the **************."
    assert out["entities"][0] == {
        "offset": 20,
        "length": 3,
        "category": "PersonalInformation",
        "subcategory": "Name",
        "original_label": "NAME",
        "content": "Luc",
        "confidence_score": 0.9999,
    }
    assert out["entities"][1]["subcategory"] == "Phone"
    assert comprehend.pii_category("SSN") == ("IdentificationNumbers", "Ssn")


async def test_moderation_single_request() -> None:
    reply = {
        "ResultList": [
            {
                "Labels": [{"Name": "PROFANITY", "Score": 0.91}, {"Name": "SEXUAL", "Score": 0.05}],
                "Toxicity": 0.88,
            }
        ]
    }
    result, fake = await run(
        "text/moderation", TextLanguageInput(text="what the hell"), ("DetectToxicContent", (200, reply))
    )
    assert fake.ops(T + "DetectToxicContent")[0].json() == {
        "TextSegments": [{"Text": "what the hell"}],
        "LanguageCode": "en",
    }
    out = check_output("text/moderation", result.output)
    assert (out["nsfw_likelihood"], out["nsfw_likelihood_score"]) == (5, 0.88)
    assert out["items"][0] == {
        "label": "profanity",
        "likelihood": 5,
        "category": "Toxic",
        "subcategory": "Profanity",
        "likelihood_score": 0.91,
    }
    assert out["items"][1]["likelihood"] == 1
    assert result.usage == {"char": 13}


async def test_moderation_long_text_is_split_into_segments_and_requests() -> None:
    word = "lorem ipsum dolor sit amet "  # 27 characters
    text = (word * 450).strip()  # ~12 KB: 13 segments of <= 1 KB, so two requests

    def answer(rec: Recorded) -> Any:
        n = len(rec.json()["TextSegments"])
        return 200, {
            "ResultList": [{"Labels": [{"Name": "INSULT", "Score": 0.1 * n}], "Toxicity": 0.05 * n}] * n
        }

    result, fake = await run(
        "text/moderation", TextLanguageInput(text=text, language="en"), ("DetectToxicContent", answer)
    )
    requests = fake.ops(T + "DetectToxicContent")
    sizes = [len(r.json()["TextSegments"]) for r in requests]
    assert sizes[0] == 10 and sum(sizes) == len(comprehend.segments(text)) and len(sizes) == 2
    sent = " ".join(s["Text"] for r in requests for s in r.json()["TextSegments"])
    assert sent == text
    assert all(len(s["Text"].encode()) <= 1000 for r in requests for s in r.json()["TextSegments"])
    out = check_output("text/moderation", result.output)
    assert out["items"][0]["likelihood_score"] == 1.0 and out["nsfw_likelihood_score"] == 0.5
    # Each request billed on its own, in 100-character units.
    billed = [sum(len(s["Text"]) for s in r.json()["TextSegments"]) for r in requests]
    assert result.usage == {"char": sum(comprehend.billed_chars(n) for n in billed)}


async def test_moderation_refuses_other_languages() -> None:
    assert offer("text/moderation").constraints.languages == frozenset({"en"})
    with pytest.raises(UnsupportedLanguage):
        await run("text/moderation", TextLanguageInput(text="hola", language="es"))


def test_segments_cut_long_words() -> None:
    assert comprehend.segments("a" * 2500) == ["a" * 1000, "a" * 1000, "a" * 500]
    assert comprehend.segments("é" * 600) == ["é" * 500, "é" * 100]  # 2 bytes each


@pytest.mark.parametrize(
    ("subfeature", "usage", "cost"),
    [
        ("text/sentiment_analysis", {"char": 250}, Decimal("0.0003")),  # 3-unit minimum
        ("text/sentiment_analysis", {"char": 1234, "char:detect": 1234}, Decimal("0.0026")),
        ("text/named_entity_recognition", {"char": 1234}, Decimal("0.0013")),  # 13 units of 100
        ("text/named_entity_recognition", {"char": 10, "char:detect": 10}, Decimal("0.0006")),
        ("text/keyword_extraction", {"char": 301}, Decimal("0.0004")),
        ("text/keyword_extraction", {"char": 301, "char:detect": 301}, Decimal("0.0008")),
        ("text/syntax_analysis", {"char": 250}, Decimal("0.00015")),  # $0.00005 a unit
        ("text/syntax_analysis", {"char": 250, "char:detect": 250}, Decimal("0.00045")),
        ("translation/language_detection", {"char": 18}, Decimal("0.0003")),
        ("text/anonymization", {"char": 46}, Decimal("0.0003")),
        ("text/anonymization", {"char": 4600, "char:detect": 4600}, Decimal("0.0092")),
        ("text/moderation", {"char": 13}, Decimal("0.0003")),
    ],
)
def test_comprehend_prices(subfeature: str, usage: dict[str, int], cost: Decimal) -> None:
    spec = offer(subfeature).model(None)
    assert spec is not None and spec.name == "comprehend"
    assert price_usage(spec.prices, usage) == cost
