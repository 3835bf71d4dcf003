"""Cloud Vision v1 adapters against a loopback fake speaking images:annotate / files:annotate.

Wire format: https://cloud.google.com/vision/docs/reference/rest/v1/images/annotate,
https://cloud.google.com/vision/docs/reference/rest/v1/AnnotateImageResponse and
https://cloud.google.com/vision/docs/reference/rest/v1/files/annotate.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from tests.providers.cloud.google_fixtures import (
    API_KEY,
    assert_output,
    google_error,
    image_file,
    run,
)
from tests.providers.cloud.harness import FakeVendor, Recorded, serve
from unigate.providers.base import LoadedFile
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
    UnsupportedFormat,
    UnsupportedLanguage,
)

ANNOTATE = "/v1/images:annotate"
FILES = "/v1/files:annotate"
SOURCE = "https://cloud.google.com/vision/docs/reference/rest/v1/AnnotateImageResponse"
IMAGE = image_file(640, 480)
FILES_IN = {"img": IMAGE}


def rect(left: float, top: float, right: float, bottom: float) -> list[dict[str, float]]:
    """A box's four vertices, clockwise from the top-left, as Vision lists them."""
    return [
        {"x": left, "y": top},
        {"x": right, "y": top},
        {"x": right, "y": bottom},
        {"x": left, "y": bottom},
    ]


def one(response: dict[str, Any]) -> tuple[int, Any]:
    return 200, {"responses": [response]}


def sent(fake: FakeVendor, path: str = ANNOTATE) -> dict[str, Any]:
    """The single request the adapter sent: checked for method, path, auth; returns its JSON body."""
    calls = fake.calls("POST", path)
    assert len(calls) == 1
    rec = calls[0]
    assert rec.headers["x-goog-api-key"] == API_KEY
    assert "key" not in rec.query and "Authorization" not in rec.headers
    assert rec.headers["Content-Type"].startswith("application/json")
    body: dict[str, Any] = rec.json()
    return body


def vision_request(fake: FakeVendor) -> dict[str, Any]:
    body = sent(fake)
    assert len(body["requests"]) == 1
    req: dict[str, Any] = body["requests"][0]
    assert base64.b64decode(req["image"]["content"]) == IMAGE.data
    return req


# --- image/object_detection -----------------------------------------------------------------------

OBJECTS = {
    "localizedObjectAnnotations": [
        {
            "mid": "/m/01bqk0",
            "name": "Bicycle wheel",
            "score": 0.89648587,
            "boundingPoly": {
                "normalizedVertices": [
                    {"x": 0.32076266, "y": 0.78941387},
                    {"x": 0.43812272, "y": 0.78941387},
                    {"x": 0.43812272, "y": 0.97331065},
                    {"x": 0.32076266, "y": 0.97331065},
                ]
            },
        },
        # A box touching the top-left corner: proto3 JSON omits the zero coordinates.
        {
            "mid": "/m/0199g",
            "name": "Bicycle",
            "score": 0.886761,
            "boundingPoly": {"normalizedVertices": [{}, {"x": 0.5}, {"x": 0.5, "y": 0.6}, {"y": 0.6}]},
        },
    ]
}


async def test_object_detection() -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, one(OBJECTS), source=SOURCE)
    async with serve(fake):
        result = await run("image/object_detection", {"file": "img"}, fake, files=FILES_IN)
    req = vision_request(fake)
    assert req["features"] == [{"type": "OBJECT_LOCALIZATION", "maxResults": 50, "model": "builtin/stable"}]
    out = assert_output(result.output, "image/object_detection")
    assert out["items"][0] == {
        "label": "Bicycle wheel",
        "confidence": 0.89648587,
        "x_min": 0.32076266,
        "x_max": 0.43812272,
        "y_min": 0.78941387,
        "y_max": 0.97331065,
    }
    assert out["items"][1]["x_min"] == 0.0 and out["items"][1]["y_max"] == 0.6
    assert result.usage == {"request": 1}


async def test_latest_model_is_sent() -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, one(OBJECTS), source=SOURCE)
    async with serve(fake):
        await run("image/object_detection", {"file": "img"}, fake, model="builtin/latest", files=FILES_IN)
    assert vision_request(fake)["features"][0]["model"] == "builtin/latest"


# --- image/face_detection -------------------------------------------------------------------------

FACE = {
    "faceAnnotations": [
        {
            "boundingPoly": {"vertices": rect(64, 48, 320, 336)},
            "fdBoundingPoly": {"vertices": rect(90, 100, 300, 320)},
            "landmarks": [
                {"type": "LEFT_EYE", "position": {"x": 160, "y": 120, "z": -0.0003}},
                {"type": "RIGHT_EYE", "position": {"x": 240, "y": 96, "z": 1.2}},
                {"type": "NOSE_TIP", "position": {"x": 200, "y": 180, "z": -20.1}},
                {"type": "LEFT_EYE_PUPIL", "position": {"x": 161, "y": 121, "z": -2.5}},
                {"type": "CHIN_GNATHION", "position": {"x": 198, "y": 330, "z": 3.1}},
            ],
            "rollAngle": 1.52,
            "panAngle": -3.9,
            "tiltAngle": 7.4,
            "detectionConfidence": 0.98,
            "landmarkingConfidence": 0.67,
            "joyLikelihood": "VERY_LIKELY",
            "sorrowLikelihood": "VERY_UNLIKELY",
            "angerLikelihood": "UNLIKELY",
            "surpriseLikelihood": "UNKNOWN",
            "underExposedLikelihood": "VERY_UNLIKELY",
            "blurredLikelihood": "POSSIBLE",
            "headwearLikelihood": "VERY_LIKELY",
        }
    ]
}  # fmt: skip


async def test_face_detection_normalises_to_the_image_size() -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, one(FACE), source=SOURCE)
    async with serve(fake):
        result = await run("image/face_detection", {"file": "img"}, fake, files=FILES_IN)
    assert vision_request(fake)["features"][0]["type"] == "FACE_DETECTION"
    face = assert_output(result.output, "image/face_detection")["items"][0]
    assert face["confidence"] == 0.98
    assert face["bounding_box"] == {"x_min": 0.1, "x_max": 0.5, "y_min": 0.1, "y_max": 0.7}
    assert face["landmarks"]["left_eye"] == [0.25, 0.25]
    assert face["landmarks"]["nose_tip"] == [200 / 640, 180 / 480]
    assert face["landmarks"]["left_pupil"] == [161 / 640, 121 / 480]
    assert face["landmarks"]["mouth_left"] == []
    assert face["emotions"]["joy"] == 5 and face["emotions"]["sorrow"] == 1 and face["emotions"]["anger"] == 2
    assert face["emotions"]["surprise"] is None
    assert face["poses"] == {"pitch": 7.4, "roll": 1.52, "yaw": -3.9}
    assert face["quality"]["blur"] == 0.5 and face["accessories"]["headwear"] == 1.0


async def test_no_face_is_an_empty_list() -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, one({}), source=SOURCE)  # Vision omits the empty annotation list
    async with serve(fake):
        result = await run("image/face_detection", {"file": "img"}, fake, files=FILES_IN)
    assert assert_output(result.output, "image/face_detection") == {"items": []}


# --- image/explicit_content -----------------------------------------------------------------------

SAFE = {
    "safeSearchAnnotation": {
        "adult": "UNLIKELY",
        "spoof": "VERY_LIKELY",
        "medical": "VERY_UNLIKELY",
        "violence": "POSSIBLE",
        "racy": "LIKELY",
    }
}


async def test_explicit_content_maps_likelihoods() -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, one(SAFE), source=SOURCE)
    async with serve(fake):
        result = await run("image/explicit_content", {"file": "img"}, fake, files=FILES_IN)
    assert vision_request(fake)["features"][0]["type"] == "SAFE_SEARCH_DETECTION"
    out = assert_output(result.output, "image/explicit_content")
    by_label = {i["label"]: i for i in out["items"]}
    assert by_label["Adult"] == {
        "label": "Adult",
        "likelihood": 2,
        "likelihood_score": 0.25,
        "category": "Sexual",
        "subcategory": "Sexual",
    }
    assert by_label["Racy"]["likelihood"] == 4 and by_label["Racy"]["subcategory"] == "Suggestive"
    assert by_label["Violence"]["category"] == "Violence"
    assert by_label["Spoof"]["likelihood"] == 5
    # Spoof (very likely) is not unsafe content: the racy "likely" is the top.
    assert (out["nsfw_likelihood"], out["nsfw_likelihood_score"]) == (4, 0.75)


# --- image/landmark_detection, image/logo_detection -----------------------------------------------

LANDMARKS = {
    "landmarkAnnotations": [
        {
            "mid": "/m/014lft",
            "description": "Saint Basil's Cathedral",
            "score": 0.7840959,
            "boundingPoly": {
                "vertices": rect(812, 1058, 2389, 3052)
            },
            "locations": [{"latLng": {"latitude": 55.752912, "longitude": 37.622315883636475}}],
        }
    ]
}  # fmt: skip
LOGOS = {
    "logoAnnotations": [
        {
            "mid": "/m/045c7b",
            "description": "Google",
            "score": 0.980325,
            "boundingPoly": {"vertices": rect(12, 8, 120, 48)},
        }
    ]
}  # fmt: skip


async def test_landmark_detection() -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, one(LANDMARKS), source=SOURCE)
    async with serve(fake):
        result = await run("image/landmark_detection", {"file": "img"}, fake, files=FILES_IN)
    assert vision_request(fake)["features"][0]["type"] == "LANDMARK_DETECTION"
    item = assert_output(result.output, "image/landmark_detection")["items"][0]
    assert item["description"] == "Saint Basil's Cathedral" and item["confidence"] == 0.7840959
    assert item["bounding_box"][0] == {"x": 812, "y": 1058} and len(item["bounding_box"]) == 4
    assert item["locations"] == [{"lat_lng": {"latitude": 55.752912, "longitude": 37.622315883636475}}]


async def test_logo_detection() -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, one(LOGOS), source=SOURCE)
    async with serve(fake):
        result = await run("image/logo_detection", {"file": "img"}, fake, files=FILES_IN)
    assert vision_request(fake)["features"][0]["type"] == "LOGO_DETECTION"
    item = assert_output(result.output, "image/logo_detection")["items"][0]
    assert item["description"] == "Google" and item["score"] == 0.980325
    assert item["bounding_poly"]["vertices"][2] == {"x": 120, "y": 48}


# --- ocr/ocr --------------------------------------------------------------------------------------


def _word(text: str, box: list[dict[str, float]], key: str = "vertices") -> dict[str, Any]:
    return {
        "boundingBox": {key: box},
        "symbols": [{"text": ch, "confidence": 0.99} for ch in text],
        "confidence": 0.98,
    }


def _page(words: list[dict[str, Any]], width: float, height: float) -> dict[str, Any]:
    return {
        "width": width,
        "height": height,
        "blocks": [{"blockType": "TEXT", "paragraphs": [{"words": words}]}],
        "confidence": 0.97,
    }


OCR_IMAGE = {
    "textAnnotations": [
        {"locale": "en", "description": "Hello world\n", "boundingPoly": {"vertices": [{"x": 10, "y": 20}]}},
    ],
    "fullTextAnnotation": {
        "text": "Hello world\n",
        "pages": [
            _page(
                [
                    _word("Hello", rect(10, 20, 60, 40)),
                    # a slightly slanted word: the box covers every vertex
                    _word("world", [*rect(70, 20, 130, 40)[:2], {"x": 130, "y": 41}, {"x": 70, "y": 40}]),
                ],
                640,
                480,
            )
        ],
    },
}  # fmt: skip


async def test_ocr_image_with_language_hint() -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, one(OCR_IMAGE), source=SOURCE)
    async with serve(fake):
        result = await run("ocr/ocr", {"file": "img", "language": "en"}, fake, files=FILES_IN)
    req = vision_request(fake)
    assert req["features"] == [{"type": "TEXT_DETECTION"}]
    assert req["imageContext"] == {"languageHints": ["en"]}
    out = assert_output(result.output, "ocr/ocr")
    assert out["text"] == "Hello world"
    assert out["bounding_boxes"][0] == {"text": "Hello", "left": 10, "top": 20, "width": 50, "height": 20}
    assert out["bounding_boxes"][1]["text"] == "world" and out["bounding_boxes"][1]["height"] == 21
    assert result.usage == {"page": 1}


async def test_ocr_document_model() -> None:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, one(OCR_IMAGE), source=SOURCE)
    async with serve(fake):
        await run("ocr/ocr", {"file": "img"}, fake, model="document-text-detection", files=FILES_IN)
    req = vision_request(fake)
    assert req["features"] == [{"type": "DOCUMENT_TEXT_DETECTION"}] and "imageContext" not in req


def _pdf_page(n: int, word: str) -> dict[str, Any]:
    # files:annotate gives PDF words with normalised vertices and page sizes in points.
    box = [{"x": 0.1, "y": 0.1}, {"x": 0.3, "y": 0.1}, {"x": 0.3, "y": 0.2}, {"x": 0.1, "y": 0.2}]
    return {
        "fullTextAnnotation": {
            "text": f"{word}\n",
            "pages": [_page([_word(word, box, "normalizedVertices")], 600, 800)],
        },
        "context": {"uri": "", "pageNumber": n},
    }


async def test_ocr_pdf_uses_files_annotate_and_stacks_pages() -> None:
    fake = FakeVendor()
    pdf = LoadedFile(b"%PDF-1.7 fake", "application/pdf", "scan.pdf", page_count=2)
    fake.on(
        "POST",
        FILES,
        (
            200,
            {"responses": [{"responses": [_pdf_page(1, "First"), _pdf_page(2, "Second")], "totalPages": 2}]},
        ),
        source="https://cloud.google.com/vision/docs/reference/rest/v1/files/annotate",
    )
    async with serve(fake):
        result = await run("ocr/ocr", {"file": "doc"}, fake, files={"doc": pdf})
    req = sent(fake, FILES)["requests"][0]
    assert req["inputConfig"] == {
        "content": base64.b64encode(pdf.data).decode(),
        "mimeType": "application/pdf",
    }
    assert "pages" not in req  # the API's default: the first 5 pages
    out = assert_output(result.output, "ocr/ocr")
    assert out["text"] == "First\nSecond"
    first, second = out["bounding_boxes"]
    assert first == {"text": "First", "left": 60.0, "top": 80.0, "width": 120.0, "height": 80.0}
    assert second["top"] == pytest.approx(880.0)  # page 2 starts 800 points down
    assert result.usage == {"page": 2}


# --- errors ---------------------------------------------------------------------------------------


async def _fail(reply: Any, subfeature: str = "image/object_detection", **kw: Any) -> Exception:
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, reply, source="https://cloud.google.com/apis/design/errors")
    async with serve(fake):
        with pytest.raises(Exception) as info:
            await run(subfeature, {"file": "img"}, fake, files=FILES_IN, **kw)
    return info.value


async def test_invalid_api_key_is_an_auth_error_and_the_key_is_not_echoed() -> None:
    # Google answers a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID.
    body = google_error(
        400,
        f"API key not valid. Please pass a valid API key. ({API_KEY})",
        "INVALID_ARGUMENT",
        "API_KEY_INVALID",
    )
    exc = await _fail((400, body))
    assert isinstance(exc, ProviderAuthError)
    assert API_KEY not in str(exc) and "API_KEY_INVALID" in str(exc)


async def test_permission_denied_is_an_auth_error() -> None:
    body = google_error(
        403,
        "Cloud Vision API has not been used in project 42 before or it is disabled.",
        "PERMISSION_DENIED",
        "SERVICE_DISABLED",
    )
    assert isinstance(await _fail((403, body)), ProviderAuthError)


async def test_unauthenticated_401() -> None:
    body = google_error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
    assert isinstance(await _fail((401, body)), ProviderAuthError)


async def test_rate_limited_with_retry_after() -> None:
    body = google_error(
        429, "Quota exceeded for quota metric 'Requests'.", "RESOURCE_EXHAUSTED", "RATE_LIMIT_EXCEEDED"
    )
    exc = await _fail((429, body, {"Retry-After": "7"}))
    assert isinstance(exc, ProviderRateLimited) and exc.retry_after == 7.0 and exc.transient


async def test_unsupported_language_hint() -> None:
    body = google_error(400, "Invalid language hints: xx is not supported.", "INVALID_ARGUMENT")
    fake = FakeVendor()
    fake.on("POST", ANNOTATE, (400, body))
    async with serve(fake):
        with pytest.raises(UnsupportedLanguage):
            await run("ocr/ocr", {"file": "img", "language": "xx"}, fake, files=FILES_IN)


async def test_invalid_argument_is_invalid_input() -> None:
    body = google_error(400, "Request must specify image and features.", "INVALID_ARGUMENT")
    exc = await _fail((400, body))
    assert type(exc) is ProviderInvalidInput


async def test_per_image_error_inside_a_200() -> None:
    exc = await _fail(one({"error": {"code": 3, "message": "Bad image data."}}))
    assert isinstance(exc, UnsupportedFormat)


async def test_per_image_quota_error_inside_a_200() -> None:
    exc = await _fail(one({"error": {"code": 8, "message": "Quota exhausted."}}))
    assert isinstance(exc, ProviderRateLimited)


@pytest.mark.parametrize("status", [500, 503])
async def test_server_errors(status: int) -> None:
    body = google_error(status, "Internal error encountered.", "INTERNAL" if status == 500 else "UNAVAILABLE")
    exc = await _fail((status, body))
    assert isinstance(exc, ProviderServerError) and exc.transient


async def test_invalid_json_body() -> None:
    exc = await _fail((200, b"<html>proxy error</html>"))
    assert isinstance(exc, ProviderBadResponse)


async def test_wrong_shape_is_a_bad_response() -> None:
    assert isinstance(await _fail((200, {"responses": []})), ProviderBadResponse)


async def test_timeout() -> None:
    async def slow(_: Recorded) -> tuple[int, Any]:
        await asyncio.sleep(0.6)
        return one(OBJECTS)

    assert isinstance(await _fail(slow, timeout_s=0.1), ProviderTimeout)
