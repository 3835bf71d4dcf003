"""Bedrock runtime: llm/chat (Converse), text/embeddings (Titan Text Embeddings V2) and
image/generation (Nova Canvas, Titan Image Generator v2) through InvokeModel.

Wire format sources:
- https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html (request, response,
  errors: AccessDeniedException 403, ValidationException 400, ThrottlingException 429,
  ModelTimeoutException 408, ServiceUnavailableException 503, ModelErrorException 424)
- https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
- https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
- https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-image.html
- https://docs.aws.amazon.com/nova/latest/userguide/image-gen-req-resp-structure.html
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest

from tests.providers.cloud.amazon_fixtures.fake import (
    AwsFake,
    aws_fake,
    check_output,
    creds,
    header,
    verify_sigv4,
)
from tests.providers.cloud.harness import Recorded, context
from unigate.catalog.schemas.image import GenerationInput
from unigate.catalog.schemas.llm import ChatInput
from unigate.catalog.schemas.text import EmbeddingsInput
from unigate.engine.pricing import price_usage
from unigate.providers.amazon import AmazonProvider
from unigate.providers.base import Offer, ProviderResult
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
)

NOVA_LITE = "amazon.nova-lite-v1:0"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def offer(subfeature: str) -> Offer:
    [found] = [o for o in AmazonProvider().offers() if o.subfeature == subfeature]
    return found


def rest_error(status: int, code: str, message: str) -> tuple[int, Any, dict[str, str]]:
    return (
        status,
        {"message": message},
        {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazon.bedrock/"},
    )


async def run(
    subfeature: str, input: Any, path: str, reply: Any, model: str, params: dict[str, Any] | None = None
) -> tuple[ProviderResult, AwsFake]:
    async with aws_fake() as fake:
        fake.on("POST", path, reply)
        async with context(creds(fake), model=model, provider_params=params) as ctx:
            o = offer(subfeature)
            assert o.run is not None
            result = await o.run(input, ctx)
    for rec in fake.requests:
        verify_sigv4(rec, fake, "bedrock")
    return result, fake


# ---------------------------------------------------------------------- llm/chat

CONVERSE_PATH = "/model/amazon.nova-lite-v1:0/converse"
TOOL_ANSWER = {
    "output": {
        "message": {
            "role": "assistant",
            "content": [
                {"text": "Let me check."},
                {
                    "toolUse": {
                        "toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                        "name": "weather",
                        "input": {"city": "Paris"},
                    }
                },
            ],
        }
    },
    "stopReason": "tool_use",
    "usage": {"inputTokens": 125, "outputTokens": 30, "totalTokens": 155},
    "metrics": {"latencyMs": 832},
}
IMAGE_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()
LOCATE_CALL = {
    "id": "call_1",
    "type": "function",
    "function": {"name": "locate", "arguments": '{"image": 1}'},
}
CHAT = ChatInput.model_validate(
    {
        "messages": [
            {"role": "system", "content": "You are terse."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is the weather where this photo was taken?"},
                    {"type": "image_url", "image_url": {"url": IMAGE_URL}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [LOCATE_CALL],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "Paris"},
            {"role": "user", "content": "So?"},
        ],
        "temperature": 0.2,
        "max_tokens": 300,
        "stop": "END",
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "weather",
                    "description": "Weather now",
                    "parameters": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                    },
                },
            },
            {"type": "function", "function": {"name": "locate"}},
        ],
        "tool_choice": "required",
    }
)


async def test_chat_request_and_tool_call_output() -> None:
    reply = (200, TOOL_ANSWER, {"x-amzn-RequestId": "0b3c8c2e-1111-2222-3333-444455556666"})
    result, fake = await run("llm/chat", CHAT, CONVERSE_PATH, reply, NOVA_LITE)
    [rec] = fake.calls("POST", CONVERSE_PATH)
    # The model id travels percent-encoded, as the AWS SDKs send it, and is signed that way.
    assert fake.raw_path(rec) == "/model/amazon.nova-lite-v1%3A0/converse"
    assert header(rec, "Content-Type") == "application/json"
    body = rec.json()
    assert body["system"] == [{"text": "You are terse."}]
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"text": "What is the weather where this photo was taken?"},
                {"image": {"format": "png", "source": {"bytes": base64.b64encode(PNG).decode()}}},
            ],
        },
        {
            "role": "assistant",
            "content": [{"toolUse": {"toolUseId": "call_1", "name": "locate", "input": {"image": 1}}}],
        },
        {
            "role": "user",
            "content": [
                {"toolResult": {"toolUseId": "call_1", "content": [{"text": "Paris"}]}},
                {"text": "So?"},
            ],
        },
    ]
    assert body["inferenceConfig"] == {"maxTokens": 300, "temperature": 0.2, "stopSequences": ["END"]}
    assert body["toolConfig"]["toolChoice"] == {"any": {}}
    weather, locate = body["toolConfig"]["tools"]
    assert weather["toolSpec"]["name"] == "weather" and weather["toolSpec"]["description"] == "Weather now"
    assert weather["toolSpec"]["inputSchema"]["json"]["required"] == ["city"]
    assert locate["toolSpec"]["inputSchema"] == {"json": {"type": "object", "properties": {}}}
    out = check_output("llm/chat", result.output)
    assert out["id"] == "bedrock-0b3c8c2e-1111-2222-3333-444455556666"
    assert out["model"] == NOVA_LITE and out["object"] == "chat.completion"
    [choice] = out["choices"]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] == "Let me check."
    [call] = choice["message"]["tool_calls"]
    assert call["id"] == "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q" and call["type"] == "function"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    assert out["usage"]["prompt_tokens"] == 125 and out["usage"]["total_tokens"] == 155
    assert out["provider_time"] == 832_000_000
    assert result.usage == {"token_in": 125, "token_out": 30}


async def test_chat_plain_answer_and_json_mode() -> None:
    answer = {
        "output": {"message": {"role": "assistant", "content": [{"text": '{"colours": ["red"]}'}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 20, "outputTokens": 8, "totalTokens": 28},
        "metrics": {"latencyMs": 120},
    }
    chat = ChatInput.model_validate(
        {
            "messages": [{"role": "user", "content": "Name a primary colour"}],
            "response_format": {"type": "json_object"},
            "tool_choice": "none",
            "tools": [{"type": "function", "function": {"name": "unused"}}],
        }
    )
    result, fake = await run("llm/chat", chat, CONVERSE_PATH, (200, answer), NOVA_LITE)
    body = fake.calls("POST", CONVERSE_PATH)[0].json()
    assert body["system"] == [{"text": "Answer with a single JSON object and nothing else."}]
    assert "toolConfig" not in body and "inferenceConfig" not in body
    out = check_output("llm/chat", result.output)
    assert out["choices"][0]["message"] == {
        "content": '{"colours": ["red"]}',
        "role": "assistant",
        "tool_calls": None,
        "function_call": None,
    }
    assert out["choices"][0]["finish_reason"] == "stop"


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (rest_error(403, "AccessDeniedException", "You don't have access to the model."), ProviderAuthError),
        (rest_error(400, "ValidationException", "Malformed input request"), ProviderInvalidInput),
        (rest_error(429, "ThrottlingException", "Too many requests"), ProviderRateLimited),
        (rest_error(408, "ModelTimeoutException", "Model has timed out"), ProviderTimeout),
        (rest_error(503, "ServiceUnavailableException", "Service unavailable"), ProviderServerError),
        (rest_error(424, "ModelErrorException", "The model failed"), ProviderServerError),
        (rest_error(404, "ResourceNotFoundException", "Model not found"), ProviderInvalidInput),
    ],
)
async def test_chat_errors(reply: Any, kind: type[ProviderError]) -> None:
    chat = ChatInput.model_validate({"messages": [{"role": "user", "content": "Hi"}]})
    with pytest.raises(kind) as info:
        await run("llm/chat", chat, CONVERSE_PATH, reply, NOVA_LITE)
    assert type(info.value) is kind


async def test_chat_refuses_what_converse_cannot_do() -> None:
    for extra in ({"n": 2}, {"logprobs": True}):
        chat = ChatInput.model_validate({"messages": [{"role": "user", "content": "Hi"}], **extra})
        with pytest.raises(ProviderInvalidInput):
            await run("llm/chat", chat, CONVERSE_PATH, (200, {}), NOVA_LITE)
    only_system = ChatInput.model_validate({"messages": [{"role": "system", "content": "Be brief"}]})
    with pytest.raises(ProviderInvalidInput, match="starts with a user message"):
        await run("llm/chat", only_system, CONVERSE_PATH, (200, {}), NOVA_LITE)


# ---------------------------------------------------------------------- text/embeddings

EMBED_PATH = "/model/amazon.titan-embed-text-v2:0/invoke"


async def test_embeddings_one_request_per_text_in_order() -> None:
    def answer(rec: Recorded) -> Any:
        text = rec.json()["inputText"]
        return 200, {"embedding": [float(len(text)), 0.5, -0.25], "inputTextTokenCount": len(text.split())}

    input = EmbeddingsInput(texts=["hello world", "a", "the quick brown fox"])
    result, fake = await run(
        "text/embeddings", input, EMBED_PATH, answer, "amazon.titan-embed-text-v2:0", {"dimensions": 512}
    )
    calls = fake.calls("POST", EMBED_PATH)
    assert len(calls) == 3
    assert all(fake.raw_path(c) == "/model/amazon.titan-embed-text-v2%3A0/invoke" for c in calls)
    assert all(header(c, "Accept") == "application/json" for c in calls)
    assert sorted(c.json()["inputText"] for c in calls) == sorted(input.texts)
    assert calls[0].json()["dimensions"] == 512 and calls[0].json()["normalize"] is True
    out = check_output("text/embeddings", result.output)
    assert [item["embedding"][0] for item in out["items"]] == [11.0, 1.0, 19.0]
    assert result.usage == {"token_in": 2 + 1 + 4}


async def test_embeddings_refuse_unknown_dimensions() -> None:
    with pytest.raises(ProviderInvalidInput, match="256, 512 or 1024"):
        await run(
            "text/embeddings",
            EmbeddingsInput(texts=["x"]),
            EMBED_PATH,
            (200, {}),
            "amazon.titan-embed-text-v2:0",
            {"dimensions": 300},
        )


# ---------------------------------------------------------------------- image/generation

CANVAS_PATH = "/model/amazon.nova-canvas-v1:0/invoke"
TITAN_PATH = "/model/amazon.titan-image-generator-v2:0/invoke"
IMAGE_B64 = base64.b64encode(PNG).decode()


def images_answer(rec: Recorded) -> Any:
    n = rec.json()["imageGenerationConfig"]["numberOfImages"]
    return 200, {"images": [IMAGE_B64] * n}


async def test_generation_batches_of_five_and_usage() -> None:
    input = GenerationInput(text="a lighthouse at dusk", resolution="1024x1024", num_images=7)
    params = {"quality": "premium", "seed": 42, "negative_text": "people"}
    result, fake = await run(
        "image/generation", input, CANVAS_PATH, images_answer, "amazon.nova-canvas-v1:0", params
    )
    calls = fake.calls("POST", CANVAS_PATH)
    assert [c.json()["imageGenerationConfig"]["numberOfImages"] for c in calls] == [5, 2]
    assert calls[0].json() == {
        "taskType": "TEXT_IMAGE",
        "textToImageParams": {"text": "a lighthouse at dusk", "negativeText": "people"},
        "imageGenerationConfig": {
            "numberOfImages": 5,
            "width": 1024,
            "height": 1024,
            "quality": "premium",
            "seed": 42,
        },
    }
    out = check_output("image/generation", result.output)
    assert len(out["items"]) == 7 and out["items"][0] == {"image": IMAGE_B64, "image_resource_url": None}
    assert result.usage == {"image:1024x1024:premium": 7}
    spec = offer("image/generation").model("amazon.nova-canvas-v1:0")
    assert spec is not None
    assert price_usage(spec.prices, result.usage) == Decimal("0.42")


async def test_generation_refusals() -> None:
    small = GenerationInput(text="cat", resolution="256x256")
    with pytest.raises(ProviderInvalidInput, match="512x512 or 1024x1024"):
        await run("image/generation", small, TITAN_PATH, images_answer, "amazon.titan-image-generator-v2:0")
    blocked = (
        400,
        {"message": "This request has been blocked by our content filters."},
        {"x-amzn-ErrorType": "ValidationException:"},
    )
    with pytest.raises(ProviderInvalidInput, match="content filters"):
        await run(
            "image/generation",
            GenerationInput(text="x"),
            TITAN_PATH,
            blocked,
            "amazon.titan-image-generator-v2:0",
        )
    offered = offer("image/generation")
    titan = offered.model("amazon.titan-image-generator-v2:0")
    assert titan is not None and offered.constraints_for(titan).max_text_chars == 512


# ---------------------------------------------------------------------- prices


@pytest.mark.parametrize(
    ("model", "usage", "cost"),
    [
        ("amazon.nova-micro-v1:0", {"token_in": 1000, "token_out": 1000}, Decimal("0.000175")),
        ("amazon.nova-lite-v1:0", {"token_in": 125, "token_out": 30}, Decimal("0.0000147")),
        ("amazon.nova-pro-v1:0", {"token_in": 1000, "token_out": 500}, Decimal("0.0024")),
        ("anthropic.claude-3-haiku-20240307-v1:0", {"token_in": 1000, "token_out": 1000}, Decimal("0.0015")),
        (
            "us.anthropic.claude-3-5-haiku-20241022-v1:0",
            {"token_in": 1000, "token_out": 1000},
            Decimal("0.0048"),
        ),
        (
            "us.anthropic.claude-sonnet-4-20250514-v1:0",
            {"token_in": 1000, "token_out": 1000},
            Decimal("0.018"),
        ),
        ("meta.llama3-1-8b-instruct-v1:0", {"token_in": 1000, "token_out": 1000}, Decimal("0.00044")),
    ],
)
def test_chat_prices(model: str, usage: dict[str, int], cost: Decimal) -> None:
    spec = offer("llm/chat").model(model)
    assert spec is not None
    assert price_usage(spec.prices, usage) == cost


@pytest.mark.parametrize(
    ("model", "usage", "cost"),
    [
        ("amazon.titan-image-generator-v2:0", {"image:512x512:standard": 1}, Decimal("0.008")),
        ("amazon.titan-image-generator-v2:0", {"image:512x512:premium": 1}, Decimal("0.01")),
        ("amazon.titan-image-generator-v2:0", {"image:1024x1024:standard": 2}, Decimal("0.02")),
        ("amazon.titan-image-generator-v2:0", {"image:1024x1024:premium": 1}, Decimal("0.012")),
        ("amazon.nova-canvas-v1:0", {"image:512x512:standard": 1}, Decimal("0.04")),
        ("amazon.nova-canvas-v1:0", {"image:512x512:premium": 1}, Decimal("0.06")),
        ("amazon.nova-canvas-v1:0", {"image:1024x1024:standard": 3}, Decimal("0.12")),
        ("amazon.nova-canvas-v1:0", {"image:1024x1024:premium": 1}, Decimal("0.06")),
    ],
)
def test_image_prices(model: str, usage: dict[str, int], cost: Decimal) -> None:
    spec = offer("image/generation").model(model)
    assert spec is not None
    assert price_usage(spec.prices, usage) == cost


def test_embedding_price() -> None:
    spec = offer("text/embeddings").model(None)
    assert spec is not None and spec.name == "amazon.titan-embed-text-v2:0"
    assert price_usage(spec.prices, {"token_in": 1_000_000}) == Decimal("0.02")
    assert price_usage(spec.prices, {"token_in": 7}) == Decimal("0.00000014")
