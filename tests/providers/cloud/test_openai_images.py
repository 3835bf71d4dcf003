"""image/generation (https://platform.openai.com/docs/api-reference/images/create and /images/object)
and image/question_answer (vision: https://platform.openai.com/docs/guides/images-vision) against fakes
speaking OpenAI's wire format."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.providers.cloud.harness import FakeVendor, Recorded, context, serve
from tests.providers.cloud.openai_fixtures import wire
from tests.providers.cloud.openai_fixtures.support import API_KEY, assert_output, creds, inp, offer
from unigate.providers.base import LoadedFile
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    UnsupportedFormat,
)

GEN = "/v1/images/generations"
CHAT = "/v1/chat/completions"
IMAGES_DOC = "https://platform.openai.com/docs/api-reference/images/object"
PNG_B64 = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def gpt_image_answer(n: int) -> dict[str, Any]:
    return {
        "created": 1713833628,
        "data": [{"b64_json": PNG_B64} for _ in range(n)],
        "usage": {"total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                  "input_tokens_details": {"text_tokens": 10, "image_tokens": 40}},
    }  # fmt: skip


def dalle_answer(req: Recorded) -> tuple[int, Any]:
    n = req.json().get("n", 1)
    return 200, {"created": 1589478378, "data": [{"b64_json": PNG_B64, "revised_prompt": "A lighthouse"}] * n}


async def generate(vendor: FakeVendor, model: str, data: dict[str, Any], **kw: Any) -> Any:
    o = offer("image/generation")
    assert o.run is not None and o.default_model == "gpt-image-1"
    async with context(creds(vendor.base_url), model=model, provider="openai", **kw) as ctx:
        return await o.run(inp("image/generation", data), ctx)


async def test_gpt_image_request_output_and_usage() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", GEN, (200, gpt_image_answer(2)), source=IMAGES_DOC)
        result = await generate(vendor, "gpt-image-1", {"text": "A lighthouse at dawn", "num_images": 2})
    [req] = vendor.calls("POST", GEN)
    assert req.headers["Authorization"] == f"Bearer {API_KEY}"
    # 512x512 (the default resolution) does not exist for gpt-image-1: the smallest size is used.
    assert req.json() == {
        "model": "gpt-image-1",
        "prompt": "A lighthouse at dawn",
        "n": 2,
        "size": "1024x1024",
        "quality": "medium",
    }
    out = assert_output(result, "image/generation")
    assert out["items"] == [{"image": PNG_B64, "image_resource_url": None}] * 2
    assert result.usage == {"image:1024x1024:medium": 2}
    assert "b64_json" not in str(result.raw)


async def test_dalle3_makes_one_image_per_request() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", GEN, dalle_answer, source=IMAGES_DOC)
        result = await generate(
            vendor, "dall-e-3", {"text": "A lighthouse", "num_images": 3, "resolution": "1024x1024"},
            provider_params={"quality": "hd"},
        )  # fmt: skip
    reqs = vendor.calls("POST", GEN)
    assert len(reqs) == 3
    assert reqs[0].json() == {
        "model": "dall-e-3", "prompt": "A lighthouse", "n": 1, "size": "1024x1024", "quality": "hd",
        "response_format": "b64_json",
    }  # fmt: skip
    assert len(assert_output(result, "image/generation")["items"]) == 3
    assert result.usage == {"image:1024x1024:hd": 3}


async def test_dalle2_keeps_small_sizes_and_url_answers() -> None:
    answer = {
        "created": 1589478378,
        "data": [{"url": "https://oaidalleapiprodscus.blob.core.windows.net/x.png"}],
    }
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", GEN, (200, answer), source=IMAGES_DOC)
        result = await generate(vendor, "dall-e-2", {"text": "A cat", "resolution": "256x256"})
    body = vendor.calls("POST", GEN)[0].json()
    assert body["size"] == "256x256" and "quality" not in body and body["response_format"] == "b64_json"
    out = assert_output(result, "image/generation")
    assert out["items"] == [{"image": None, "image_resource_url": answer["data"][0]["url"]}]
    assert result.usage == {"image:256x256:standard": 1}


async def test_generation_checks_and_errors() -> None:
    policy = wire.error(
        "Your request was rejected as a result of our safety system.", "invalid_request_error",
        "content_policy_violation",
    )  # fmt: skip
    async with serve(FakeVendor()) as vendor:
        with pytest.raises(ProviderInvalidInput, match="quality"):
            await generate(vendor, "gpt-image-1", {"text": "x"}, provider_params={"quality": "hd"})
        assert vendor.requests == []
        for reply, error in [
            ((400, policy), ProviderInvalidInput),
            ((401, wire.INVALID_KEY), ProviderAuthError),
            ((429, wire.RATE_LIMIT, {"Retry-After": "5"}), ProviderRateLimited),
            ((500, wire.SERVER), ProviderServerError),
            ((200, "<html>"), ProviderBadResponse),
            ((200, {"created": 1, "data": []}), ProviderBadResponse),
        ]:
            vendor.on("POST", GEN, reply, source=wire.ERRORS_DOC)
            with pytest.raises(error):
                await generate(vendor, "gpt-image-1-mini", {"text": "x"})
    limits = {m.name: m.constraints for m in offer("image/generation").models}
    assert limits["dall-e-2"] is not None and limits["dall-e-2"].max_text_chars == 1000


# ---------------------------------------------------------------------- image/question_answer


async def ask(vendor: FakeVendor, data: dict[str, Any], **kw: Any) -> Any:
    o = offer("image/question_answer")
    assert o.run is not None
    files = {"photo": LoadedFile(JPEG, "image/jpeg", "photo.jpg")}
    async with context(creds(vendor.base_url), model="gpt-4o", provider="openai", files=files, **kw) as ctx:
        return await o.run(inp("image/question_answer", data), ctx)


async def test_question_answer_request_and_output() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", CHAT, (200, wire.completion("Two logos: Amazon and Apple.")), source=wire.CHAT_DOC)
        result = await ask(
            vendor, {"file": "photo", "question": "Which brands?", "temperature": 0.0, "max_tokens": 60}
        )
        await ask(vendor, {"file": "photo"})
    first, second = vendor.calls("POST", CHAT)
    body = first.json()
    assert body["model"] == "gpt-4o" and body["temperature"] == 0.0 and body["max_completion_tokens"] == 60
    [message] = body["messages"]
    assert message["content"] == [
        {"type": "text", "text": "Which brands?"},
        {
            "type": "image_url",
            "image_url": {"url": "data:image/jpeg;base64," + base64.b64encode(JPEG).decode()},
        },
    ]
    assert second.json()["messages"][0]["content"][0]["text"] == "Describe this image in detail."
    assert assert_output(result, "image/question_answer") == {"answers": ["Two logos: Amazon and Apple."]}
    assert result.usage == {"token_in": 19, "token_out": 10}


async def test_question_answer_errors() -> None:
    bad_image = wire.error(
        "You uploaded an unsupported image. Please make sure your image has of one the following formats: "
        "['png', 'jpeg', 'gif', 'webp'].", "invalid_request_error", "invalid_image_format",
    )  # fmt: skip
    async with serve(FakeVendor()) as vendor:
        for reply, error in [
            ((400, bad_image), UnsupportedFormat),
            ((403, wire.REGION), ProviderAuthError),
            ((200, wire.completion(None, refusal="I can't help with that.")), ProviderInvalidInput),
        ]:
            vendor.on("POST", CHAT, reply, source=wire.ERRORS_DOC)
            with pytest.raises(error):
                await ask(vendor, {"file": "photo"})
    constraints = offer("image/question_answer").constraints
    assert constraints.mime_types is not None and "image/webp" in constraints.mime_types
