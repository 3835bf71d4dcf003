"""The structured-output subfeatures (unigate.providers.llmtasks) served by OpenAI's Chat Completions
with `response_format: {"type": "json_schema", ..., "strict": true}`
(https://platform.openai.com/docs/guides/structured-outputs): the request, the model's answer
normalized to the spec shape, and what happens when the answer is unusable."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.providers.cloud.harness import FakeVendor, context, serve
from tests.providers.cloud.openai_fixtures import wire
from tests.providers.cloud.openai_fixtures.support import API_KEY, assert_output, creds, inp, offer, run_fn
from unigate.providers.errors import ProviderBadResponse, ProviderInvalidInput
from unigate.providers.llmtasks import TASKS, LlmTask
from unigate.providers.openai import OpenAIProvider

PATH = "/v1/chat/completions"
STRUCTURED_DOC = "https://platform.openai.com/docs/guides/structured-outputs"

# subfeature -> (input, the model's JSON answer, expected output)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "translation/automatic_translation": (
        {"text": "Good morning!", "source_language": "en", "target_language": "fr"},
        {"translation": "Bonjour !"},
        {"text": "Bonjour !"},
    ),
    "translation/language_detection": (
        {"text": "Buongiorno a tutti"},
        {"languages": [
            {"language": "es", "display_name": "Spanish", "confidence": 0.02},
            {"language": "IT", "display_name": "Italian", "confidence": 1.3},
        ]},
        {"items": [
            {"language": "it", "display_name": "Italian", "confidence": 1.0},
            {"language": "es", "display_name": "Spanish", "confidence": 0.02},
        ]},
    ),
    "text/sentiment_analysis": (
        {"text": "I love it. Delivery was late.", "language": "en"},
        {"general_sentiment": "Neutral", "general_sentiment_rate": 0.1, "segments": [
            {"segment": "I love it.", "sentiment": "Positive", "sentiment_rate": 0.9},
            {"segment": "Delivery was late.", "sentiment": "Negative", "sentiment_rate": 0.6},
        ]},
        {"general_sentiment": "Neutral", "general_sentiment_rate": 0.1, "items": [
            {"segment": "I love it.", "sentiment": "Positive", "sentiment_rate": 0.9},
            {"segment": "Delivery was late.", "sentiment": "Negative", "sentiment_rate": 0.6},
        ]},
    ),
    "text/named_entity_recognition": (
        {"text": "Barack Obama was the 44th president."},
        {"entities": [{"entity": "Barack Obama", "category": "PERSON", "importance": 0.99}]},
        {"items": [{"entity": "Barack Obama", "category": "PERSON", "importance": 0.99}]},
    ),
    "text/keyword_extraction": (
        {"text": "Barack Obama was the 44th president."},
        {"keywords": [{"keyword": "44th president", "importance": 0.8}]},
        {"items": [{"keyword": "44th president", "importance": 0.8}]},
    ),
    "text/summarize": (
        {"text": "A long text. " * 5, "output_sentences": 2},
        {"summary": "A short text."},
        {"result": "A short text."},
    ),
    "text/spell_check": (
        {"text": "Thiis is a sampel of a sampel."},
        {"corrections": [
            {"word": "Thiis", "type": "misspelled", "suggestions": [{"suggestion": "This", "score": 0.9}]},
            {"word": "sampel", "type": "misspelled", "suggestions": [{"suggestion": "sample", "score": 0.8}]},
            {"word": "sampel", "type": "misspelled", "suggestions": [{"suggestion": "sample", "score": 0.8}]},
            {"word": "invented", "type": "misspelled", "suggestions": []},
        ]},
        {"text": "Thiis is a sampel of a sampel.", "items": [
            {"text": "Thiis", "type": "misspelled", "offset": 0, "length": 5,
             "suggestions": [{"suggestion": "This", "score": 0.9}]},
            {"text": "sampel", "type": "misspelled", "offset": 11, "length": 6,
             "suggestions": [{"suggestion": "sample", "score": 0.8}]},
            {"text": "sampel", "type": "misspelled", "offset": 23, "length": 6,
             "suggestions": [{"suggestion": "sample", "score": 0.8}]},
        ]},
    ),
    "text/anonymization": (
        {"text": "Call Luc Dupont at 06 21 32 43 54. Luc agreed."},
        {"entities": [
            {"content": "Luc Dupont", "label": "NAME", "confidence_score": 0.98},
            {"content": "Luc", "label": "NAME", "confidence_score": 0.9},
            {"content": "06 21 32 43 54", "label": "PHONE_NUMBER", "confidence_score": 0.99},
        ]},
        {"result": "Call ********** at **************. *** agreed.", "entities": [
            {"offset": 5, "length": 10, "category": "PersonalInformation", "subcategory": "Name",
             "original_label": "NAME", "content": "Luc Dupont", "confidence_score": 0.98},
            {"offset": 19, "length": 14, "category": "PersonalInformation", "subcategory": "PhoneNumber",
             "original_label": "PHONE_NUMBER", "content": "06 21 32 43 54", "confidence_score": 0.99},
            {"offset": 35, "length": 3, "category": "PersonalInformation", "subcategory": "Name",
             "original_label": "NAME", "content": "Luc", "confidence_score": 0.9},
        ]},
    ),
    "text/topic_extraction": (
        {"text": "The new GPU doubles inference speed."},
        {"topics": [{"category": "/Technology & Computing/Computing", "importance": 0.9}]},
        {"items": [{"category": "/Technology & Computing/Computing", "importance": 0.9}]},
    ),
}  # fmt: skip


def test_every_task_has_a_case_and_the_provider_serves_it() -> None:
    assert {t.subfeature for t in TASKS} == set(CASES)
    served = {o.subfeature for o in OpenAIProvider().offers()}
    assert set(CASES) <= served


def _strict(schema: dict[str, Any]) -> None:
    """What strict structured output demands of a schema: closed objects, every property required."""
    if schema.get("type") == "object":
        assert schema["additionalProperties"] is False
        assert set(schema["required"]) == set(schema["properties"])
        for sub in schema["properties"].values():
            _strict(sub)
    if schema.get("type") == "array":
        _strict(schema["items"])


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.subfeature)
def test_schemas_are_strict(task: LlmTask) -> None:
    _strict(task.schema)
    assert task.schema["type"] == "object"


@pytest.mark.parametrize("subfeature", sorted(CASES))
async def test_task_request_and_output(subfeature: str) -> None:
    data, answer, expected = CASES[subfeature]
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, wire.completion(json.dumps(answer))), source=STRUCTURED_DOC)
        o = offer(subfeature)
        assert o.run is not None and o.default_model == "gpt-4.1-mini"
        async with context(creds(vendor.base_url), model="gpt-4.1-nano", provider="openai") as ctx:
            result = await o.run(inp(subfeature, data), ctx)
    [req] = vendor.calls("POST", PATH)
    assert req.headers["Authorization"] == f"Bearer {API_KEY}"
    body = req.json()
    assert body["model"] == "gpt-4.1-nano"
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == subfeature.replace("/", "_")
    system, user = body["messages"]
    assert system["role"] == "system" and user == {"role": "user", "content": data["text"]}
    assert assert_output(result, subfeature) == expected
    assert result.usage == {"token_in": 19, "token_out": 10}


async def test_prompts_carry_the_input_options() -> None:
    async with serve(FakeVendor()) as vendor:
        for subfeature in ("translation/automatic_translation", "text/summarize", "text/sentiment_analysis"):
            data, answer, _ = CASES[subfeature]
            vendor.on("POST", PATH, (200, wire.completion(json.dumps(answer))))
            async with context(creds(vendor.base_url), model="gpt-4.1-mini", provider="openai") as ctx:
                await run_fn(subfeature)(inp(subfeature, data), ctx)
    translation, summary, sentiment = (r.json()["messages"][0]["content"] for r in vendor.requests)
    assert "from the language with code 'en'" in translation and "code 'fr'" in translation
    assert "in 2 sentences" in summary
    assert "code 'en'" in sentiment


@pytest.mark.parametrize(
    ("completion", "error"),
    [
        (wire.completion("not json at all"), ProviderBadResponse),
        (wire.completion("[1, 2]"), ProviderBadResponse),
        (wire.completion('{"wrong": "keys"}'), ProviderBadResponse),
        (wire.completion(None, refusal="I can't help with that."), ProviderInvalidInput),
    ],
)
async def test_unusable_answers(completion: dict[str, Any], error: type[Exception]) -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, completion))
        async with context(creds(vendor.base_url), model="gpt-4.1-mini", provider="openai") as ctx:
            with pytest.raises(error):
                await run_fn("text/summarize")(inp("text/summarize", {"text": "abc"}), ctx)


async def test_answer_cut_at_the_token_limit() -> None:
    cut = wire.completion('{"summary": "A sho')
    cut["choices"][0]["finish_reason"] = "length"
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, cut))
        async with context(creds(vendor.base_url), model="gpt-4.1-mini", provider="openai") as ctx:
            with pytest.raises(ProviderBadResponse, match="token limit"):
                await run_fn("text/summarize")(inp("text/summarize", {"text": "abc"}), ctx)
