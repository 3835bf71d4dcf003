"""Azure AI Language (API 2024-11-01) against a loopback fake speaking its wire format.

Wire format sources:
- sync tasks: https://learn.microsoft.com/en-us/rest/api/language/text-analysis-runtime/analyze-text?view=rest-language-2024-11-01
  (bodies per kind: SentimentAnalysisResults, EntityRecognitionResults, KeyPhraseExtractionResults,
  LanguageDetectionResults, PiiEntityRecognitionResults; per-document errors with a 200)
- jobs: https://learn.microsoft.com/en-us/rest/api/language/analyze-text-submit-job/submit-job?view=rest-language-2024-11-01
  and .../analyze-text-job-status/job-status (202 + Operation-Location; tasks.items[].results)
- limits (5,120 characters and 5 documents per sync request for NER/PII):
  https://learn.microsoft.com/en-us/azure/ai-services/language-service/concepts/data-limits
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

from tests.providers.cloud.harness import FakeVendor, Recorded
from tests.providers.cloud.microsoft_fixtures import assert_canonical, call_context, offer, run, vendor
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    ProviderUnavailable,
    UnsupportedLanguage,
)
from unigate.providers.microsoft.language import DOC_CHARS, chunks

SAMPLES = Path(__file__).parents[3] / "spec" / "outputs"
KEY = "lang-key-0123456789"
ANALYZE = "/language/:analyze-text"
JOBS = "/language/analyze-text/jobs"
JOB_ID = "cd6418fe-db86-4350-aec1-f0d7c91442a6"


def creds(base: str) -> dict[str, str]:
    return {"AZURE_LANGUAGE_ENDPOINT": base, "AZURE_LANGUAGE_KEY": KEY}


def results(kind: str, documents: list[dict[str, Any]], errors: list[Any] | None = None) -> dict[str, Any]:
    return {
        "kind": kind,
        "results": {"documents": documents, "errors": errors or [], "modelVersion": "2024-11-01"},
    }


def sent(fake: FakeVendor, i: int = 0) -> dict[str, Any]:
    call = fake.calls("POST", ANALYZE)[i]
    assert call.query == {"api-version": "2024-11-01"}
    assert call.headers["Ocp-Apim-Subscription-Key"] == KEY
    body: dict[str, Any] = call.json()
    return body


def scores(positive: float, neutral: float, negative: float) -> dict[str, float]:
    return {"positive": positive, "neutral": neutral, "negative": negative}


SENTIMENT = results(
    "SentimentAnalysisResults",
    [
        {
            "id": "0",
            "sentiment": "mixed",
            "confidenceScores": {"positive": 0.47, "neutral": 0.0, "negative": 0.53},
            "sentences": [
                {"sentiment": "positive", "confidenceScores": scores(0.94, 0.05, 0.01),
                 "offset": 0, "length": 29, "text": "The food and service were ok."},
                {"sentiment": "negative", "confidenceScores": scores(0.0, 0.01, 0.99),
                 "offset": 30, "length": 25, "text": "The room was dirty, sadly."},
            ],
            "warnings": [],
        }
    ],
)  # fmt: skip


async def test_sentiment_analysis() -> None:
    async with vendor() as fake:
        fake.on("POST", ANALYZE, (200, SENTIMENT))
        text = "The food and service were ok. The room was dirty, sadly."
        async with call_context(creds(fake.base_url)) as ctx:
            result = await run("text/sentiment_analysis", {"text": text, "language": "en"}, ctx)
        body = sent(fake)
    assert body["kind"] == "SentimentAnalysis"
    assert body["parameters"] == {
        "modelVersion": "latest",
        "opinionMining": False,
        "stringIndexType": "UnicodeCodePoint",
    }
    assert body["analysisInput"] == {"documents": [{"id": "0", "text": text, "language": "en"}]}
    out = assert_canonical(SAMPLES, "text/sentiment_analysis", result.output)
    # "mixed" becomes the stronger of positive and negative.
    assert (out["general_sentiment"], out["general_sentiment_rate"]) == ("Negative", 0.53)
    assert out["items"][1] == {
        "segment": "The room was dirty, sadly.",
        "sentiment": "Negative",
        "sentiment_rate": 0.99,
    }
    assert result.usage == {"text": 1}


ENTITIES = results(
    "EntityRecognitionResults",
    [
        {
            "id": "0",
            "entities": [
                {"text": "Microsoft", "category": "Organization", "offset": 0, "length": 9,
                 "confidenceScore": 0.97},
                {"text": "Bill Gates", "category": "Person", "offset": 25, "length": 10,
                 "confidenceScore": 1.0},
                {"text": "April 4, 1975", "category": "DateTime", "subcategory": "Date", "offset": 54,
                 "length": 13, "confidenceScore": 0.8},
            ],
            "warnings": [],
        }
    ],
)  # fmt: skip


async def test_named_entity_recognition_without_language() -> None:
    async with vendor() as fake:
        fake.on("POST", ANALYZE, (200, ENTITIES))
        text = "Microsoft was founded by Bill Gates and Paul Allen on April 4, 1975."
        async with call_context(creds(fake.base_url)) as ctx:
            result = await run("text/named_entity_recognition", {"text": text}, ctx)
        body = sent(fake)
    assert body["kind"] == "EntityRecognition"
    assert "language" not in body["analysisInput"]["documents"][0]
    out = assert_canonical(SAMPLES, "text/named_entity_recognition", result.output)
    assert out["items"][1] == {"entity": "Bill Gates", "category": "Person", "importance": 1.0}


async def test_keyword_extraction() -> None:
    reply = results(
        "KeyPhraseExtractionResults",
        [{"id": "0", "keyPhrases": ["Bill Gates", "Paul Allen", "Microsoft"], "warnings": []}],
    )
    async with vendor() as fake:
        fake.on("POST", ANALYZE, (200, reply))
        async with call_context(creds(fake.base_url)) as ctx:
            result = await run(
                "text/keyword_extraction", {"text": "Microsoft was founded by Bill Gates."}, ctx
            )
        assert sent(fake)["kind"] == "KeyPhraseExtraction"
    out = assert_canonical(SAMPLES, "text/keyword_extraction", result.output)
    assert [i["keyword"] for i in out["items"]] == ["Bill Gates", "Paul Allen", "Microsoft"]
    assert out["items"][0]["importance"] is None


async def test_language_detection_default_model() -> None:
    reply = results(
        "LanguageDetectionResults",
        [
            {
                "id": "0",
                "detectedLanguage": {"name": "French", "iso6391Name": "fr", "confidenceScore": 1.0},
                "warnings": [],
            }
        ],
    )
    async with vendor() as fake:
        fake.on("POST", ANALYZE, (200, reply))
        async with call_context(creds(fake.base_url), model="language") as ctx:
            result = await run("translation/language_detection", {"text": "Bonjour tout le monde"}, ctx)
        body = sent(fake)
    assert body["kind"] == "LanguageDetection"
    assert body["analysisInput"]["documents"] == [{"id": "0", "text": "Bonjour tout le monde"}]
    out = assert_canonical(SAMPLES, "translation/language_detection", result.output)
    assert out["items"] == [{"language": "fr", "display_name": "French", "confidence": 1.0}]
    assert result.usage == {"text": 1}


async def test_language_model_needs_the_language_resource() -> None:
    async with call_context({"AZURE_TRANSLATOR_KEY": "t"}, model="language") as ctx:
        with pytest.raises(ProviderUnavailable, match="AZURE_LANGUAGE_ENDPOINT"):
            await run("translation/language_detection", {"text": "hello"}, ctx)


def pii_service(request: Recorded) -> tuple[int, dict[str, Any]]:
    """Behaves like PiiEntityRecognition for names "Luc" and phone numbers "06 21 32 43 54"."""
    documents = []
    for doc in request.json()["analysisInput"]["documents"]:
        text = doc["text"]
        entities = [
            {"text": m.group(), "category": category, "offset": m.start(), "length": len(m.group()),
             "confidenceScore": score}
            for pattern, category, score in ((r"Luc", "Person", 1.0), (r"06 21 32 43 54", "PhoneNumber", 0.8))
            for m in re.finditer(pattern, text)
        ]  # fmt: skip
        redacted = text
        for e in entities:
            redacted = redacted[: e["offset"]] + "*" * e["length"] + redacted[e["offset"] + e["length"] :]
        documents.append({"id": doc["id"], "redactedText": redacted, "entities": entities, "warnings": []})
    return 200, results("PiiEntityRecognitionResults", documents)


async def test_anonymization() -> None:
    async with vendor() as fake:
        fake.on("POST", ANALYZE, pii_service)
        text = "The phone number of Luc is the 06 21 32 43 54."
        async with call_context(creds(fake.base_url)) as ctx:
            result = await run("text/anonymization", {"text": text, "language": "en"}, ctx)
        body = sent(fake)
    assert body["kind"] == "PiiEntityRecognition"
    assert body["parameters"]["domain"] == "none"
    out = assert_canonical(SAMPLES, "text/anonymization", result.output)
    assert out["result"] == "The phone number of *** is the **************."
    assert out["entities"][0] == {
        "offset": 20, "length": 3, "category": "PersonalInformation", "subcategory": "Name",
        "original_label": "Person", "content": "Luc", "confidence_score": 1.0,
    }  # fmt: skip
    assert out["entities"][1]["subcategory"] == "PhoneNumber"


async def test_long_text_is_split_into_documents_and_batches() -> None:
    sentence = "The phone number of Luc is the 06 21 32 43 54. "
    text = sentence * 600  # 28,200 characters: 6 documents, so two requests (5 + 1)
    async with vendor() as fake:
        fake.on("POST", ANALYZE, pii_service)
        async with call_context(creds(fake.base_url)) as ctx:
            result = await run("text/anonymization", {"text": text}, ctx)
        requests = fake.calls("POST", ANALYZE)
    docs = [d for r in requests for d in r.json()["analysisInput"]["documents"]]
    assert [len(r.json()["analysisInput"]["documents"]) for r in requests] == [5, 1]
    assert [d["id"] for d in docs] == [str(i) for i in range(6)]
    assert all(len(d["text"]) <= DOC_CHARS for d in docs)
    assert "".join(d["text"] for d in docs) == text  # cut at sentence ends, nothing lost
    out = result.output
    assert isinstance(out, dict)
    assert out["result"] == text.replace("Luc", "***").replace("06 21 32 43 54", "*" * 14)
    assert len(out["entities"]) == 1200
    for e in out["entities"]:  # offsets point into the whole text
        assert text[e["offset"] : e["offset"] + e["length"]] == e["content"]
    assert result.usage == {"text": sum(-(-len(d["text"]) // 1000) for d in docs)}


def test_chunks_partition_the_text() -> None:
    text = "word " * 3000 + "x" * 6000
    parts = chunks(text, 5120)
    assert "".join(p for _, p in parts) == text
    assert all(len(p) <= 5120 for _, p in parts)
    assert [o for o, _ in parts] == [sum(len(p) for _, p in parts[:i]) for i in range(len(parts))]
    assert chunks("short") == [(0, "short")]


# --- errors ---------------------------------------------------------------------------------


async def test_document_error_unsupported_language() -> None:
    failure = {
        "id": "0",
        "error": {
            "code": "InvalidArgument",
            "message": "Invalid Language Code.",
            "innererror": {
                "code": "UnsupportedLanguageCode",
                "message": "Invalid language code. Supported languages: en,fr",
            },
        },
    }
    async with vendor() as fake:
        fake.on("POST", ANALYZE, (200, results("SentimentAnalysisResults", [], [failure])))
        async with call_context(creds(fake.base_url)) as ctx:
            with pytest.raises(UnsupportedLanguage, match="Invalid Language Code"):
                await run("text/sentiment_analysis", {"text": "Hallo", "language": "xx"}, ctx)


def error(status: int, code: str, message: str, inner: tuple[str, str] | None = None, **headers: str) -> Any:
    body: dict[str, Any] = {"code": code, "message": message}
    if inner:
        body["innererror"] = {"code": inner[0], "message": inner[1]}
    return (status, {"error": body}, headers)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            error(401, "401", "Access denied due to invalid subscription key or wrong API endpoint."),
            ProviderAuthError,
        ),
        (error(429, "429", "Rate limit is exceeded.", **{"Retry-After": "3"}), ProviderRateLimited),
        (
            error(
                400,
                "InvalidRequest",
                "Invalid Request.",
                ("InvalidDocumentBatch", "Batch request contains too many records."),
            ),
            ProviderInvalidInput,
        ),
        (error(500, "InternalServerError", "Internal error."), ProviderServerError),
        ((200, "not json"), ProviderBadResponse),
        ((200, {"kind": "EntityRecognitionResults"}), ProviderBadResponse),
    ],
)
async def test_analyze_errors(reply: Any, expected: type[Exception]) -> None:
    async with vendor() as fake:
        fake.on("POST", ANALYZE, reply)
        async with call_context(creds(fake.base_url)) as ctx:
            with pytest.raises(expected) as caught:
                await run("text/named_entity_recognition", {"text": "Bill Gates"}, ctx)
    assert type(caught.value) is expected and KEY not in str(caught.value)
    if expected is ProviderRateLimited:
        assert caught.value.retry_after == 3.0  # type: ignore[attr-defined]


async def test_timeout() -> None:
    async def slow(_: Recorded) -> Any:
        await asyncio.sleep(0.6)
        return (200, ENTITIES)

    async with vendor() as fake:
        fake.on("POST", ANALYZE, slow)
        async with call_context(creds(fake.base_url), timeout_s=0.2) as ctx:
            with pytest.raises(ProviderTimeout):
                await run("text/named_entity_recognition", {"text": "Bill Gates"}, ctx)


# --- summarization jobs -----------------------------------------------------------------------


def job(
    status: str, items: list[dict[str, Any]] | None = None, errors: list[Any] | None = None
) -> dict[str, Any]:
    return {
        "jobId": JOB_ID,
        "lastUpdateDateTime": "2024-11-01T16:45:14Z",
        "createdDateTime": "2024-11-01T16:44:53Z",
        "expirationDateTime": "2024-11-02T16:44:53Z",
        "status": status,
        "errors": errors or [],
        "displayName": "unigate text/summarize",
        "tasks": {"completed": len(items or []), "failed": 0, "inProgress": 0 if items else 1, "total": 1,
                  "items": items or []},
    }  # fmt: skip


EXTRACTIVE = job(
    "succeeded",
    [
        {
            "kind": "ExtractiveSummarizationLROResults",
            "taskName": "summarize",
            "lastUpdateDateTime": "2024-11-01T16:45:14Z",
            "status": "succeeded",
            "results": {
                "documents": [
                    {
                        "id": "1",
                        # Ranked order differs from text order: the output follows the text.
                        "sentences": [
                            {
                                "text": "He served from 2009 to 2017.",
                                "rankScore": 0.9,
                                "offset": 40,
                                "length": 28,
                            },
                            {
                                "text": "Obama is an American politician.",
                                "rankScore": 1.0,
                                "offset": 0,
                                "length": 32,
                            },
                        ],
                        "warnings": [],
                    }
                ],
                "errors": [],
                "modelVersion": "latest",
            },
        }
    ],
)


def accept_job(fake: FakeVendor) -> None:
    location = f"{fake.base_url}{JOBS}/{JOB_ID}?api-version=2024-11-01"
    fake.on("POST", JOBS, (202, b"", {"Operation-Location": location, "Retry-After": "0"}))


async def test_extractive_summary_job() -> None:
    text = "Obama is an American politician. ... He served from 2009 to 2017."
    async with vendor() as fake:
        accept_job(fake)
        fake.on("GET", f"{JOBS}/{JOB_ID}", (200, job("running"), {"Retry-After": "0"}), (200, EXTRACTIVE))
        async with call_context(creds(fake.base_url), model="extractive") as ctx:
            result = await run("text/summarize", {"text": text, "language": "en", "output_sentences": 2}, ctx)
        submitted = fake.calls("POST", JOBS)[0]
        polls = fake.calls("GET", f"{JOBS}/{JOB_ID}")
    assert submitted.query == {"api-version": "2024-11-01"}
    assert submitted.headers["Ocp-Apim-Subscription-Key"] == KEY
    body = submitted.json()
    assert body["analysisInput"]["documents"] == [{"id": "1", "text": text, "language": "en"}]
    assert body["tasks"] == [
        {"kind": "ExtractiveSummarization", "taskName": "summarize",
         "parameters": {"modelVersion": "latest", "sentenceCount": 2, "sortBy": "Offset"}}
    ]  # fmt: skip
    assert len(polls) == 2 and polls[0].headers["Ocp-Apim-Subscription-Key"] == KEY
    out = assert_canonical(SAMPLES, "text/summarize", result.output)
    assert out["result"] == "Obama is an American politician. He served from 2009 to 2017."
    assert result.usage == {"text": 1}


async def test_abstractive_summary_job() -> None:
    done = job(
        "succeeded",
        [
            {
                "kind": "AbstractiveSummarizationLROResults",
                "taskName": "summarize",
                "lastUpdateDateTime": "2024-11-01T16:45:14Z",
                "status": "succeeded",
                "results": {
                    "documents": [
                        {"id": "1", "warnings": [],
                         "summaries": [{"text": "A short summary.",
                                        "contexts": [{"offset": 0, "length": 99}]}]}
                    ],
                    "errors": [],
                    "modelVersion": "latest",
                },
            }
        ],
    )  # fmt: skip
    async with vendor() as fake:
        accept_job(fake)
        fake.on("GET", f"{JOBS}/{JOB_ID}", (200, done))
        async with call_context(creds(fake.base_url), model="abstractive") as ctx:
            result = await run("text/summarize", {"text": "x" * 1500}, ctx)
        task = fake.calls("POST", JOBS)[0].json()["tasks"][0]
    assert task == {
        "kind": "AbstractiveSummarization",
        "taskName": "summarize",
        "parameters": {"modelVersion": "latest"},
    }
    assert result.output == {"result": "A short summary."}
    assert result.usage == {"text": 2}  # 1,500 input + 16 summary characters


async def test_failed_summary_job() -> None:
    failed = job("failed", errors=[{"code": "InvalidArgument", "message": "Job task parameter value bad."}])
    async with vendor() as fake:
        accept_job(fake)
        fake.on("GET", f"{JOBS}/{JOB_ID}", (200, failed))
        async with call_context(creds(fake.base_url), model="extractive") as ctx:
            with pytest.raises(ProviderInvalidInput, match="parameter value bad"):
                await run("text/summarize", {"text": "Some text."}, ctx)
        fake.on("POST", JOBS, (202, b"", {"Operation-Location": "https://elsewhere.example/jobs/1"}))
        async with call_context(creds(fake.base_url), model="extractive") as ctx:
            with pytest.raises(ProviderBadResponse):
                await run("text/summarize", {"text": "Some text."}, ctx)


def test_offers() -> None:
    for sub in (
        "text/sentiment_analysis",
        "text/named_entity_recognition",
        "text/keyword_extraction",
        "text/anonymization",
    ):
        found = offer(sub)
        assert found.default_model == "language" and found.constraints.max_text_chars == 50_000
        assert found.unavailable_reason is not None and found.unavailable_reason({}) is not None
        assert found.unavailable_reason(creds("https://x")) is None
    summ = offer("text/summarize")
    assert [m.name for m in summ.models] == ["extractive", "abstractive"]
    detect = offer("translation/language_detection")
    assert detect.unavailable_reason is not None
    assert detect.unavailable_reason({"AZURE_TRANSLATOR_KEY": "k"}) is None
    assert "AZURE_LANGUAGE_KEY" in (detect.unavailable_reason({}) or "")
