"""Azure AI Vision (Image Analysis 4.0, Analyze Image v3.2) and AI Content Safety against loopback
fakes speaking their wire formats.

Wire format sources:
- https://learn.microsoft.com/en-us/rest/api/computervision/image-analysis/analyze-image?view=rest-computervision-2024-02-01
  (readResult.blocks[].lines[] with boundingPolygon [{x, y}];
  objectsResult.values[] with boundingBox {x, y, w, h})
- https://learn.microsoft.com/en-us/rest/api/computervision/analyze-image/analyze-image?view=rest-computervision-v3.2
  (adult: adultScore, racyScore, goreScore)
- https://learn.microsoft.com/en-us/rest/api/contentsafety/text-operations/analyze-text?view=rest-contentsafety-2024-09-01
- https://learn.microsoft.com/en-us/rest/api/contentsafety/image-operations/analyze-image?view=rest-contentsafety-2024-09-01
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest

from tests.providers.cloud.harness import Recorded
from tests.providers.cloud.microsoft_fixtures import assert_canonical, call_context, offer, run, vendor
from tests.providers.cloud.test_microsoft_documents import READ, accept, result_path, succeeded
from unigate.providers.base import LoadedFile
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    ProviderUnavailable,
    UnsupportedFormat,
)

SAMPLES = Path(__file__).parents[3] / "spec" / "outputs"
KEY = "vision-key-0123456789"
CS_KEY = "safety-key-0123456789"
IA = "/computervision/imageanalysis:analyze"
V32 = "/vision/v3.2/analyze"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FILES = {
    "img": LoadedFile(PNG, "image/png", "photo.png"),
    "doc": LoadedFile(b"%PDF-1.4 fake", "application/pdf", "doc.pdf", page_count=2),
}


def creds(base: str) -> dict[str, str]:
    return {
        "AZURE_VISION_ENDPOINT": base,
        "AZURE_VISION_KEY": KEY,
        "AZURE_CONTENT_SAFETY_ENDPOINT": base,
        "AZURE_CONTENT_SAFETY_KEY": CS_KEY,
    }


def points(left: float, top: float, right: float, bottom: float) -> list[dict[str, float]]:
    return [
        {"x": left, "y": top},
        {"x": right, "y": top},
        {"x": right, "y": bottom},
        {"x": left, "y": bottom},
    ]


READ_RESULT = {
    "modelVersion": "2023-10-01",
    "metadata": {"width": 1000, "height": 945},
    "readResult": {
        "blocks": [
            {
                "lines": [
                    {
                        "text": "Invoice No. 48213",
                        "boundingPolygon": points(10, 20, 210, 44),
                        "words": [
                            {
                                "text": "Invoice",
                                "boundingPolygon": points(10, 20, 90, 44),
                                "confidence": 0.99,
                            },
                            {"text": "No.", "boundingPolygon": points(95, 20, 130, 44), "confidence": 0.98},
                            {
                                "text": "48213",
                                "boundingPolygon": points(135, 20, 210, 44),
                                "confidence": 0.97,
                            },
                        ],
                    },
                    {"text": "Total $1,234.56", "boundingPolygon": points(10, 60, 190, 80), "words": []},
                ]
            }
        ]
    },
}


async def test_ocr_image_analysis_read() -> None:
    async with vendor() as fake:
        fake.on("POST", IA, (200, READ_RESULT))
        async with call_context(creds(fake.base_url), model="image-analysis-4.0", files=FILES) as ctx:
            result = await run("ocr/ocr", {"file": "img", "language": "en"}, ctx)
        call = fake.calls("POST", IA)[0]
    assert call.query == {"api-version": "2024-02-01", "features": "read"}
    assert call.headers["Ocp-Apim-Subscription-Key"] == KEY
    assert call.headers["Content-Type"] == "application/octet-stream" and call.body == PNG
    out = assert_canonical(SAMPLES, "ocr/ocr", result.output)
    assert out["text"] == "Invoice No. 48213\nTotal $1,234.56"
    assert out["bounding_boxes"][0] == {
        "text": "Invoice No. 48213",
        "left": 10,
        "top": 20,
        "width": 200,
        "height": 24,
    }
    assert result.usage == {"request": 1}


async def test_ocr_prebuilt_read_model_reads_pdfs() -> None:
    async with vendor() as fake:
        accept(fake, "prebuilt-read")
        fake.on("GET", result_path("prebuilt-read"), (200, succeeded(READ)))
        env = {
            "AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT": fake.base_url,
            "AZURE_DOCUMENT_INTELLIGENCE_KEY": "di-key",
        }
        async with call_context(env, model="prebuilt-read", files=FILES) as ctx:
            result = await run("ocr/ocr", {"file": "doc"}, ctx)
    out = assert_canonical(SAMPLES, "ocr/ocr", result.output)
    assert out["text"] == READ["content"]
    # Inches become points; page 2 starts below page 1 (11 in = 792 pt).
    assert out["bounding_boxes"][0] == {
        "text": "Hello world",
        "left": 72.0,
        "top": 72.0,
        "width": 144.0,
        "height": 36.0,
    }
    assert out["bounding_boxes"][2]["top"] == 792.0 + 72.0
    assert result.usage == {"page": 2}


async def test_each_model_needs_its_service() -> None:
    async with call_context({"AZURE_CONTENT_SAFETY_ENDPOINT": "https://x", "AZURE_CONTENT_SAFETY_KEY": "k"},
                            model="vision-v3.2", files=FILES) as ctx:  # fmt: skip
        with pytest.raises(ProviderUnavailable, match="AZURE_VISION_ENDPOINT"):
            await run("image/explicit_content", {"file": "img"}, ctx)
    async with call_context({"AZURE_VISION_ENDPOINT": "https://x", "AZURE_VISION_KEY": "k"},
                            model="prebuilt-read", files=FILES) as ctx:  # fmt: skip
        with pytest.raises(ProviderUnavailable, match="AZURE_DOCUMENT_INTELLIGENCE_KEY"):
            await run("ocr/ocr", {"file": "doc"}, ctx)


async def test_object_detection() -> None:
    answer = {
        "modelVersion": "2023-10-01",
        "metadata": {"width": 1000, "height": 500},
        "objectsResult": {
            "values": [
                {"boundingBox": {"x": 730, "y": 66, "w": 135, "h": 85},
                 "tags": [{"name": "kitchen appliance", "confidence": 0.501}]},
                {"boundingBox": {"x": 0, "y": 250, "w": 500, "h": 250},
                 "tags": [{"name": "table", "confidence": 0.8}]},
            ]
        },
    }  # fmt: skip
    async with vendor() as fake:
        fake.on("POST", IA, (200, answer))
        async with call_context(creds(fake.base_url), model="image-analysis-4.0", files=FILES) as ctx:
            result = await run("image/object_detection", {"file": "img"}, ctx)
        assert fake.calls("POST", IA)[0].query == {"api-version": "2024-02-01", "features": "objects"}
    out = assert_canonical(SAMPLES, "image/object_detection", result.output)
    assert out["items"][0] == {
        "label": "kitchen appliance", "confidence": 0.501,
        "x_min": 0.73, "x_max": 0.865, "y_min": 0.132, "y_max": 0.302,
    }  # fmt: skip
    assert out["items"][1]["x_min"] == 0.0 and out["items"][1]["y_max"] == 1.0


async def test_explicit_content_v32_adult() -> None:
    answer = {
        "adult": {
            "isAdultContent": False, "isRacyContent": False, "isGoryContent": True,
            "adultScore": 0.0089, "racyScore": 0.0119, "goreScore": 0.5289,
        },
        "requestId": "1a2b3c",
        "metadata": {"height": 600, "width": 800, "format": "Png"},
        "modelVersion": "2021-05-01",
    }  # fmt: skip
    async with vendor() as fake:
        fake.on("POST", V32, (200, answer))
        async with call_context(creds(fake.base_url), model="vision-v3.2", files=FILES) as ctx:
            result = await run("image/explicit_content", {"file": "img"}, ctx)
        call = fake.calls("POST", V32)[0]
    assert call.query == {"visualFeatures": "Adult"} and call.headers["Ocp-Apim-Subscription-Key"] == KEY
    assert call.body == PNG
    out = assert_canonical(SAMPLES, "image/explicit_content", result.output)
    assert (out["nsfw_likelihood"], out["nsfw_likelihood_score"]) == (3, 0.5289)
    assert out["items"][0] == {
        "label": "Gore", "likelihood": 3, "likelihood_score": 0.5289, "category": "Violence",
        "subcategory": "GraphicViolenceOrGore",
    }  # fmt: skip
    assert [i["label"] for i in out["items"]] == ["Gore", "Racy", "Adult"]
    assert result.usage == {"request": 1}


async def test_explicit_content_with_content_safety() -> None:
    answer = {
        "categoriesAnalysis": [
            {"category": "Hate", "severity": 0},
            {"category": "SelfHarm", "severity": 0},
            {"category": "Sexual", "severity": 2},
            {"category": "Violence", "severity": 6},
        ]
    }
    async with vendor() as fake:
        fake.on("POST", "/contentsafety/image:analyze", (200, answer))
        async with call_context(creds(fake.base_url), model="content-safety", files=FILES) as ctx:
            result = await run("image/explicit_content", {"file": "img"}, ctx)
        call = fake.calls("POST", "/contentsafety/image:analyze")[0]
    assert call.query == {"api-version": "2024-09-01"}
    assert call.headers["Ocp-Apim-Subscription-Key"] == CS_KEY
    body = call.json()
    assert base64.b64decode(body["image"]["content"]) == PNG
    assert body["outputType"] == "FourSeverityLevels"
    out = assert_canonical(SAMPLES, "image/explicit_content", result.output)
    assert (out["nsfw_likelihood"], out["nsfw_likelihood_score"]) == (5, 1.0)
    assert out["items"][1] == {
        "label": "Sexual", "likelihood": 2, "likelihood_score": 0.3333,
        "category": "Sexual", "subcategory": "Sexual",
    }  # fmt: skip
    assert result.usage == {"image": 1}


async def test_text_moderation() -> None:
    answer = {
        "blocklistsMatch": [],
        "categoriesAnalysis": [
            {"category": "Hate", "severity": 0},
            {"category": "SelfHarm", "severity": 0},
            {"category": "Sexual", "severity": 0},
            {"category": "Violence", "severity": 7},
        ],
    }
    async with vendor() as fake:
        fake.on("POST", "/contentsafety/text:analyze", (200, answer))
        async with call_context(creds(fake.base_url), model="content-safety") as ctx:
            result = await run("text/moderation", {"text": "I will hurt you."}, ctx)
        call = fake.calls("POST", "/contentsafety/text:analyze")[0]
    assert call.query == {"api-version": "2024-09-01"} and call.headers["Ocp-Apim-Subscription-Key"] == CS_KEY
    assert call.json() == {
        "text": "I will hurt you.",
        "categories": ["Hate", "SelfHarm", "Sexual", "Violence"],
        "outputType": "EightSeverityLevels",
    }
    out = assert_canonical(SAMPLES, "text/moderation", result.output)
    assert (out["nsfw_likelihood"], out["nsfw_likelihood_score"]) == (5, 1.0)
    assert out["items"][0]["label"] == "Violence" and out["items"][-1]["likelihood"] == 1
    assert result.usage == {"text": 1}


async def test_long_text_moderation_keeps_the_worst_piece() -> None:
    def service(request: Recorded) -> Any:
        text = request.json()["text"]
        severity = 4 if "hate" in text else 0
        return 200, {
            "blocklistsMatch": [],
            "categoriesAnalysis": [{"category": "Hate", "severity": severity}],
        }

    text = "calm words. " * 1000 + "hate speech."  # 12,012 characters: two requests
    async with vendor() as fake:
        fake.on("POST", "/contentsafety/text:analyze", service)
        async with call_context(creds(fake.base_url), model="content-safety") as ctx:
            result = await run("text/moderation", {"text": text}, ctx)
        calls = fake.calls("POST", "/contentsafety/text:analyze")
    assert len(calls) == 2 and "".join(c.json()["text"] for c in calls) == text
    assert isinstance(result.output, dict) and result.output["items"][0]["likelihood_score"] == round(
        4 / 7, 4
    )
    assert result.usage == {"text": 13}


def vision_error(status: int, code: str, message: str, inner: str | None = None, **headers: str) -> Any:
    body: dict[str, Any] = {"code": code, "message": message}
    if inner:
        body["innererror"] = {"code": inner, "message": message}
    return (status, {"error": body}, headers)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (vision_error(401, "401", "Access denied due to invalid subscription key."), ProviderAuthError),
        (vision_error(429, "429", "Rate limit is exceeded.", **{"Retry-After": "2"}), ProviderRateLimited),
        (
            vision_error(400, "InvalidRequest", "Image format is not valid.", "InvalidImageFormat"),
            UnsupportedFormat,
        ),
        (
            vision_error(400, "InvalidRequest", "Image size is too small.", "InvalidImageSize"),
            UnsupportedFormat,
        ),
        (vision_error(500, "InternalServerError", "Internal server error."), ProviderServerError),
        ((200, b"\xff\xfe not json"), ProviderBadResponse),
    ],
)
async def test_vision_errors(reply: Any, expected: type[Exception]) -> None:
    async with vendor() as fake:
        fake.on("POST", IA, reply)
        async with call_context(creds(fake.base_url), model="image-analysis-4.0", files=FILES) as ctx:
            with pytest.raises(expected) as caught:
                await run("image/object_detection", {"file": "img"}, ctx)
    assert type(caught.value) is expected and KEY not in str(caught.value)


async def test_content_safety_errors_and_timeout() -> None:
    bad = {"error": {"code": "InvalidRequestBody", "message": "The text is too long.", "details": []}}

    async def slow(_: Recorded) -> Any:
        await asyncio.sleep(0.6)
        return (200, {})

    async with vendor() as fake:
        fake.on("POST", "/contentsafety/text:analyze", (400, bad))
        async with call_context(creds(fake.base_url), model="content-safety") as ctx:
            with pytest.raises(ProviderInvalidInput, match="too long"):
                await run("text/moderation", {"text": "x"}, ctx)
        fake.on("POST", "/contentsafety/text:analyze", slow)
        async with call_context(creds(fake.base_url), model="content-safety", timeout_s=0.2) as ctx:
            with pytest.raises(ProviderTimeout):
                await run("text/moderation", {"text": "x"}, ctx)


def test_offers() -> None:
    ocr = offer("ocr/ocr")
    assert ocr.default_model == "image-analysis-4.0"
    read = ocr.model("prebuilt-read")
    assert read is not None and read.constraints is not None
    assert "application/pdf" in (ocr.constraints_for(read).mime_types or ())
    assert "application/pdf" not in (ocr.constraints.mime_types or ())
    assert ocr.unavailable_reason is not None
    assert (
        ocr.unavailable_reason(
            {"AZURE_DOCUMENT_INTELLIGENCE_ENDPOINT": "u", "AZURE_DOCUMENT_INTELLIGENCE_KEY": "k"}
        )
        is None
    )
    explicit = offer("image/explicit_content")
    assert [m.name for m in explicit.models] == ["vision-v3.2", "content-safety"]
    assert explicit.unavailable_reason is not None
    assert (
        explicit.unavailable_reason({"AZURE_CONTENT_SAFETY_ENDPOINT": "u", "AZURE_CONTENT_SAFETY_KEY": "k"})
        is None
    )
    assert offer("text/moderation").constraints.max_text_chars == 50_000
