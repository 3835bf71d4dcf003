"""Rekognition: image/object_detection, image/face_detection, image/explicit_content, image/face_compare.

Wire format sources:
- https://docs.aws.amazon.com/rekognition/latest/APIReference/API_DetectLabels.html
- https://docs.aws.amazon.com/rekognition/latest/APIReference/API_DetectFaces.html (FaceDetail, Landmark)
- https://docs.aws.amazon.com/rekognition/latest/APIReference/API_DetectModerationLabels.html
- https://docs.aws.amazon.com/rekognition/latest/dg/moderation.html (taxonomy, ParentName, TaxonomyLevel)
- https://docs.aws.amazon.com/rekognition/latest/APIReference/API_CompareFaces.html
- https://docs.aws.amazon.com/rekognition/latest/APIReference/CommonErrors.html
"""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import pytest

from tests.providers.cloud.amazon_fixtures.fake import aws_error, aws_fake, check_output, creds, verify_sigv4
from tests.providers.cloud.harness import context
from unigate.catalog.schemas.image import FaceCompareInput, ImageFileInput
from unigate.engine.pricing import price_usage
from unigate.providers.amazon import AmazonProvider
from unigate.providers.base import LoadedFile, Offer, ProviderResult
from unigate.providers.errors import (
    ProviderError,
    ProviderInvalidInput,
    ProviderRateLimited,
    UnsupportedFormat,
)

JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 64
FILES = {"photo": LoadedFile(JPEG, "image/jpeg", "photo.jpg"), "other": LoadedFile(PNG, "image/png", "b.png")}
T = "RekognitionService."


def offer(subfeature: str) -> Offer:
    [found] = [o for o in AmazonProvider().offers() if o.subfeature == subfeature]
    return found


async def run(subfeature: str, input: Any, operation: str, reply: Any) -> tuple[ProviderResult, Any]:
    async with aws_fake() as fake:
        fake.target(T + operation, reply)
        async with context(creds(fake), files=FILES) as ctx:
            o = offer(subfeature)
            assert o.run is not None
            result = await o.run(input, ctx)
    [rec] = fake.ops(T + operation)
    verify_sigv4(rec, fake, "rekognition")
    return result, rec


def box(left: float, top: float, width: float, height: float) -> dict[str, float]:
    return {"Width": width, "Height": height, "Left": left, "Top": top}


async def test_object_detection() -> None:
    reply = {
        "Labels": [
            {
                "Name": "Car",
                "Confidence": 99.2,
                "Instances": [
                    {"BoundingBox": box(0.1, 0.2, 0.3, 0.4), "Confidence": 98.5},
                    {"BoundingBox": box(0.5, 0.5, 0.25, 0.25), "Confidence": 90.0},
                ],
                "Parents": [{"Name": "Vehicle"}],
                "Aliases": [{"Name": "Automobile"}],
                "Categories": [{"Name": "Vehicles and Automotive"}],
            },
            {"Name": "Living Room", "Confidence": 99.365, "Instances": [], "Parents": [{"Name": "Room"}]},
        ],
        "LabelModelVersion": "3.0",
    }
    result, rec = await run(
        "image/object_detection", ImageFileInput(file="photo"), "DetectLabels", (200, reply)
    )
    assert rec.json() == {
        "Image": {"Bytes": base64.b64encode(JPEG).decode()},
        "MaxLabels": 100,
        "MinConfidence": 50.0,
    }
    out = check_output("image/object_detection", result.output)
    assert out["items"][0] == {
        "label": "Car",
        "confidence": 0.985,
        "x_min": 0.1,
        "x_max": pytest.approx(0.4),
        "y_min": 0.2,
        "y_max": pytest.approx(0.6),
    }
    assert [i["label"] for i in out["items"]] == ["Car", "Car", "Living Room"]
    assert out["items"][2]["x_min"] is None and out["items"][2]["confidence"] == 0.99365
    assert result.usage == {"request": 1}


FACE = {
    "BoundingBox": box(0.35, 0.12, 0.43, 0.66),
    "AgeRange": {"Low": 30, "High": 40},
    "Smile": {"Value": False, "Confidence": 97.0},
    "Eyeglasses": {"Value": True, "Confidence": 99.9},
    "Sunglasses": {"Value": True, "Confidence": 97.76},
    "Gender": {"Value": "Male", "Confidence": 99.8},
    "Beard": {"Value": True, "Confidence": 99.4},
    "Mustache": {"Value": False, "Confidence": 27.2},
    "EyesOpen": {"Value": True, "Confidence": 88.0},
    "MouthOpen": {"Value": False, "Confidence": 95.0},
    "Emotions": [
        {"Type": "CALM", "Confidence": 91.0},
        {"Type": "HAPPY", "Confidence": 25.0},
        {"Type": "CONFUSED", "Confidence": 1.2},
    ],
    "Landmarks": [
        {"Type": "eyeLeft", "X": 0.55, "Y": 0.36},
        {"Type": "mouthDown", "X": 0.64, "Y": 0.63},
        {"Type": "chinBottom", "X": 0.61, "Y": 0.76},
    ],
    "Pose": {"Roll": 7.98, "Yaw": 17.84, "Pitch": 10.81},
    "Quality": {"Brightness": 76.15, "Sharpness": 92.22},
    "Confidence": 99.99,
    "FaceOccluded": {"Value": False, "Confidence": 99.0},
    "EyeDirection": {"Yaw": 1.0, "Pitch": 2.0, "Confidence": 99.0},
}


async def test_face_detection() -> None:
    reply = {"FaceDetails": [FACE], "OrientationCorrection": "ROTATE_0"}
    result, rec = await run("image/face_detection", ImageFileInput(file="photo"), "DetectFaces", (200, reply))
    assert rec.json() == {"Image": {"Bytes": base64.b64encode(JPEG).decode()}, "Attributes": ["ALL"]}
    out = check_output("image/face_detection", result.output)
    [face] = out["items"]
    assert face["confidence"] == 0.9999 and face["age"] == 35.0 and face["gender"] == "Male"
    assert face["landmarks"]["left_eye"] == [0.55, 0.36] and face["landmarks"]["nose_tip"] == []
    assert face["landmarks"]["chin_gnathion"] == [0.61, 0.76]
    assert (
        face["emotions"]["calm"] == 5 and face["emotions"]["joy"] == 2 and face["emotions"]["anger"] is None
    )
    assert face["poses"] == {"pitch": 10.81, "roll": 7.98, "yaw": 17.84}
    assert face["bounding_box"]["x_min"] == 0.35 and face["bounding_box"]["y_max"] == pytest.approx(0.78)
    assert face["facial_hair"]["beard"] == 0.994 and face["facial_hair"]["moustache"] == pytest.approx(0.728)
    assert face["features"]["smile"] == pytest.approx(0.03) and face["features"]["eyes_open"] == 0.88
    assert face["accessories"]["eyeglasses"] == 0.999 and face["quality"]["sharpness"] == 0.9222


async def test_explicit_content() -> None:
    reply = {
        "ModerationLabels": [
            {"Confidence": 52.88, "Name": "Graphic Violence", "ParentName": "Violence", "TaxonomyLevel": 2},
            {"Confidence": 52.88, "Name": "Violence", "ParentName": "", "TaxonomyLevel": 1},
            {"Confidence": 91.0, "Name": "Smoking", "ParentName": "Drugs & Tobacco", "TaxonomyLevel": 2},
            {"Confidence": 91.0, "Name": "Drugs & Tobacco", "ParentName": "", "TaxonomyLevel": 1},
        ],
        "ModerationModelVersion": "7.0",
        "ContentTypes": [],
    }
    result, rec = await run(
        "image/explicit_content", ImageFileInput(file="photo"), "DetectModerationLabels", (200, reply)
    )
    assert rec.json() == {"Image": {"Bytes": base64.b64encode(JPEG).decode()}, "MinConfidence": 50.0}
    out = check_output("image/explicit_content", result.output)
    assert (out["nsfw_likelihood"], out["nsfw_likelihood_score"]) == (5, 0.91)
    smoking = out["items"][0]
    assert smoking == {
        "label": "Smoking",
        "likelihood": 5,
        "likelihood_score": 0.91,
        "category": "DrugAndAlcohol",
        "subcategory": "Drugs",
    }
    gore = next(i for i in out["items"] if i["label"] == "Graphic Violence")
    assert (gore["category"], gore["likelihood"]) == ("Violence", 3)


async def test_explicit_content_on_a_clean_image() -> None:
    reply = {"ModerationLabels": [], "ModerationModelVersion": "7.0"}
    result, _ = await run(
        "image/explicit_content", ImageFileInput(file="photo"), "DetectModerationLabels", (200, reply)
    )
    out = check_output("image/explicit_content", result.output)
    assert out == {"nsfw_likelihood": 1, "nsfw_likelihood_score": 0.0, "items": []}


async def test_face_compare() -> None:
    reply = {
        "SourceImageFace": {"BoundingBox": box(0.3, 0.2, 0.3, 0.4), "Confidence": 99.9},
        "FaceMatches": [
            {"Similarity": 93.4, "Face": {"BoundingBox": box(0.23, 0.15, 0.13, 0.18), "Confidence": 99.8}}
        ],
        "UnmatchedFaces": [],
    }
    result, rec = await run(
        "image/face_compare", FaceCompareInput(file1="photo", file2="other"), "CompareFaces", (200, reply)
    )
    assert rec.json() == {
        "SourceImage": {"Bytes": base64.b64encode(JPEG).decode()},
        "TargetImage": {"Bytes": base64.b64encode(PNG).decode()},
        "SimilarityThreshold": 0,
    }
    out = check_output("image/face_compare", result.output)
    assert out["items"] == [
        {"confidence": 0.934, "bounding_box": {"top": 0.15, "left": 0.23, "height": 0.18, "width": 0.13}}
    ]
    assert result.usage == {"request": 1}


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (
            aws_error(400, "InvalidImageFormatException", "Request has invalid image format"),
            UnsupportedFormat,
        ),
        (aws_error(400, "ImageTooLargeException", "Image size is too large"), UnsupportedFormat),
        (aws_error(400, "InvalidParameterException", "Request has invalid parameters"), ProviderInvalidInput),
        (
            aws_error(400, "ProvisionedThroughputExceededException", "Provisioned rate exceeded"),
            ProviderRateLimited,
        ),
    ],
)
async def test_rekognition_errors(reply: Any, kind: type[ProviderError]) -> None:
    with pytest.raises(kind):
        await run("image/face_compare", FaceCompareInput(file1="photo", file2="other"), "CompareFaces", reply)


@pytest.mark.parametrize(
    "subfeature",
    ["image/object_detection", "image/face_detection", "image/explicit_content", "image/face_compare"],
)
def test_rekognition_prices_and_constraints(subfeature: str) -> None:
    o = offer(subfeature)
    assert o.constraints.mime_types == frozenset({"image/jpeg", "image/png"})
    spec = o.model(None)
    assert spec is not None
    assert price_usage(spec.prices, {"request": 1}) == Decimal("0.001")  # $1 per 1,000 images
