"""image/face_detection: OpenCV Haar cascades on scikit-image's bundled photos (a face where we know
it is; a cat, a horse, coffee and a rocket where there is none)."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from PIL import Image

from unigate.providers.errors import ProviderInvalidInput, UnsupportedFormat
from unigate.providers.local import faces

from ._support import FileInput, assert_shape, loaded, make_ctx

pytest.importorskip("cv2", reason="opencv-python-headless is not installed")
skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (test images) is not installed")

# The astronaut's face in skimage.data.astronaut() (512 x 512), measured by hand and by MediaPipe.
ASTRONAUT_FACE = (178 / 512, 69 / 512, 270 / 512, 161 / 512)  # x_min, y_min, x_max, y_max
NO_FACE = ("chelsea", "coffee", "rocket", "horse")


def png(name: str, repeat: int = 1, size: int | None = None) -> bytes:
    img = Image.fromarray(getattr(skimage_data, name)())
    if repeat > 1:
        wide = Image.new("RGB", (img.width * repeat, img.height))
        for i in range(repeat):
            wide.paste(img, (i * img.width, 0))
        img = wide
    if size:
        img = img.resize((size, size))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def detect(data: bytes, mime: str = "image/png") -> Any:
    ctx = make_ctx({"f": loaded(data, mime)})
    return asyncio.run(faces.run(FileInput(file="f"), ctx))


@pytest.fixture(scope="module")
def astronaut() -> Any:
    return detect(png("astronaut"))


def test_finds_the_astronaut(astronaut: Any) -> None:
    out = astronaut.output
    assert_shape(out, "image/face_detection")
    (item,) = out["items"]
    box = item["bounding_box"]
    got = (box["x_min"], box["y_min"], box["x_max"], box["y_max"])
    assert got == pytest.approx(ASTRONAUT_FACE, abs=0.03)
    assert 0.5 < item["confidence"] <= 1.0
    assert astronaut.usage == {"image": 1}


def test_eyes_are_inside_the_face(astronaut: Any) -> None:
    item = astronaut.output["items"][0]
    box, marks = item["bounding_box"], item["landmarks"]
    left, right = marks["left_eye"], marks["right_eye"]
    assert left[0] < right[0]
    for x, y in (left, right):
        assert box["x_min"] < x < box["x_max"] and box["y_min"] < y < (box["y_min"] + box["y_max"]) / 2
    assert marks["nose_tip"] == [] and item["age"] is None and item["emotions"]["joy"] is None


@pytest.mark.parametrize("name", NO_FACE)
def test_no_face_where_there_is_none(name: str) -> None:
    out = detect(png(name)).output
    assert out == {"items": []}
    assert_shape(out, "image/face_detection")


def test_two_faces_left_to_right() -> None:
    items = detect(png("astronaut", repeat=2)).output["items"]
    assert len(items) == 2
    xs = sorted(i["bounding_box"]["x_min"] for i in items)
    assert xs == pytest.approx([ASTRONAUT_FACE[0] / 2, 0.5 + ASTRONAUT_FACE[0] / 2], abs=0.02)


def test_large_image_is_shrunk_first() -> None:
    (item,) = detect(png("astronaut", size=2400)).output["items"]
    box = item["bounding_box"]
    assert (box["x_min"], box["y_min"]) == pytest.approx(ASTRONAUT_FACE[:2], abs=0.03)


def test_jpeg_and_grayscale() -> None:
    img = Image.fromarray(skimage_data.astronaut()).convert("L")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    assert len(detect(buf.getvalue(), "image/jpeg").output["items"]) == 1


def test_bad_inputs() -> None:
    with pytest.raises(UnsupportedFormat):
        detect(b"not an image")
    with pytest.raises(ProviderInvalidInput):
        asyncio.run(faces.run(FileInput(file=""), make_ctx()))


def test_offer() -> None:
    (offer,) = faces.offers()
    assert offer.subfeature == "image/face_detection" and offer.compute == "cpu"
    assert offer.constraints.mime_types and "image/png" in offer.constraints.mime_types
    assert faces._confidence(-3.0) == 0.0 and 0.9 < faces._confidence(56.0) < 1.0
