"""text/moderation and image/explicit_content against a fake speaking OpenAI's moderation wire format
(https://platform.openai.com/docs/api-reference/moderations/object; image input and
category_applied_input_types: https://platform.openai.com/docs/guides/moderation)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.providers.cloud.harness import FakeVendor, context, serve
from tests.providers.cloud.openai_fixtures import wire
from tests.providers.cloud.openai_fixtures.support import API_KEY, assert_output, creds, inp, offer
from unigate.providers.base import LoadedFile
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedFormat,
)
from unigate.providers.openai.moderation import likelihood

PATH = "/v1/moderations"
DOC = "https://platform.openai.com/docs/api-reference/moderations/object"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

TEXT_ONLY = ("harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
             "sexual/minors")  # fmt: skip
SCORES = {
    "harassment": 0.8189693396524255,
    "harassment/threatening": 0.804985420696006,
    "sexual": 1.573112165348997e-6,
    "hate": 0.007562942636942845,
    "hate/threatening": 0.004208854591835476,
    "illicit": 0.030535955153511665,
    "illicit/violent": 0.008925306722380033,
    "self-harm/intent": 0.00023023930975076432,
    "self-harm/instructions": 0.0002293869201073356,
    "self-harm": 0.012598046106750154,
    "sexual/minors": 2.212566909570261e-8,
    "violence": 0.9999992735124786,
    "violence/graphic": 0.843064871157054,
}


def moderation(applied_image: bool) -> dict[str, Any]:
    def applied(label: str) -> list[str]:
        if applied_image:
            return [] if label in TEXT_ONLY else ["image"]
        return ["text"]

    return {
        "id": "modr-0d9740456c391e43c445bf0f010940c7",
        "model": "omni-moderation-latest",
        "results": [
            {
                "flagged": True,
                "categories": {label: score > 0.5 for label, score in SCORES.items()},
                "category_scores": SCORES,
                "category_applied_input_types": {label: applied(label) for label in SCORES},
            }
        ],
    }


async def call(subfeature: str, data: dict[str, Any], vendor: FakeVendor, **kw: Any) -> Any:
    o = offer(subfeature)
    assert o.run is not None and o.default_model == "omni-moderation-latest"
    files = {"img-1": LoadedFile(PNG, "image/png", "photo.png")}
    async with context(
        creds(vendor.base_url), model="omni-moderation-latest", provider="openai", files=files, **kw
    ) as ctx:
        return await o.run(inp(subfeature, data), ctx)


def test_likelihood_scale() -> None:
    assert [likelihood(s) for s in (0.0, 0.19, 0.2, 0.5, 0.79, 0.8, 1.0)] == [1, 1, 2, 3, 4, 5, 5]


async def test_text_moderation() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, moderation(applied_image=False)), source=DOC)
        result = await call("text/moderation", {"text": "I want to hurt them.", "language": "en"}, vendor)
    [req] = vendor.calls("POST", PATH)
    assert req.headers["Authorization"] == f"Bearer {API_KEY}"
    assert req.json() == {"model": "omni-moderation-latest", "input": "I want to hurt them."}
    out = assert_output(result, "text/moderation")
    assert len(out["items"]) == 13
    assert out["nsfw_likelihood"] == 5 and out["nsfw_likelihood_score"] == SCORES["violence"]
    graphic = next(i for i in out["items"] if i["label"] == "violence/graphic")
    assert graphic == {
        "label": "violence/graphic",
        "likelihood": 5,
        "category": "Violence",
        "subcategory": "GraphicViolenceOrGore",
        "likelihood_score": SCORES["violence/graphic"],
    }
    assert result.usage == {"request": 1}


async def test_image_explicit_content() -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, moderation(applied_image=True)), source=DOC)
        result = await call("image/explicit_content", {"file": "img-1"}, vendor)
    body = vendor.calls("POST", PATH)[0].json()
    assert body["model"] == "omni-moderation-latest"
    [part] = body["input"]
    assert part["type"] == "image_url"
    assert part["image_url"]["url"] == "data:image/png;base64," + base64.b64encode(PNG).decode()
    out = assert_output(result, "image/explicit_content")
    # Only the categories scored on the image are reported.
    assert {i["label"] for i in out["items"]} == set(SCORES) - set(TEXT_ONLY)
    assert out["nsfw_likelihood"] == 5


async def test_image_without_applied_types_uses_the_documented_image_categories() -> None:
    answer = moderation(applied_image=True)
    del answer["results"][0]["category_applied_input_types"]
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, (200, answer))
        result = await call("image/explicit_content", {"file": "img-1"}, vendor)
    assert {i["label"] for i in assert_output(result, "image/explicit_content")["items"]} == set(
        SCORES
    ) - set(TEXT_ONLY)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ((401, wire.INVALID_KEY), ProviderAuthError),
        ((429, wire.RATE_LIMIT, {"Retry-After": "1"}), ProviderRateLimited),
        ((400, wire.error("You uploaded an unsupported image. Please make sure your image is valid.",
                          "invalid_request_error", "invalid_image_format")), UnsupportedFormat),
        ((500, wire.SERVER), ProviderServerError),
        ((200, "not json"), ProviderBadResponse),
        ((200, {"id": "modr-1", "results": []}), ProviderBadResponse),
    ],
)  # fmt: skip
async def test_errors(reply: Any, error: type[Exception]) -> None:
    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, reply, source=wire.ERRORS_DOC)
        with pytest.raises(error):
            await call("image/explicit_content", {"file": "img-1"}, vendor)


async def test_timeout() -> None:
    import asyncio

    async def slow(_: Any) -> tuple[int, Any]:
        await asyncio.sleep(0.5)
        return 200, moderation(applied_image=False)

    async with serve(FakeVendor()) as vendor:
        vendor.on("POST", PATH, slow)
        with pytest.raises(ProviderTimeout):
            await call("text/moderation", {"text": "hi"}, vendor, timeout_s=0.1)
