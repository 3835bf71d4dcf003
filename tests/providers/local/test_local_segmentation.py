"""image/background_removal: MediaPipe selfie segmentation (LiteRT) on scikit-image's astronaut."""

from __future__ import annotations

import asyncio
import base64
import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from unigate.providers.errors import ProviderInvalidInput, ProviderUnavailable, UnsupportedFormat
from unigate.providers.local import segmentation

from ._support import FileInput, assert_shape, loaded, make_ctx

pytest.importorskip("ai_edge_litert", reason="the local-segmentation extra is not installed")
try:
    segmentation.model_path()
except ProviderUnavailable:
    pytest.skip("mediapipe 0.10.21 (the model file) is not installed", allow_module_level=True)
skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (test images) is not installed")


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG")
    return buf.getvalue()


def cut(data: bytes, mime: str = "image/png") -> Any:
    ctx = make_ctx({"f": loaded(data, mime)})
    return asyncio.run(segmentation.run(FileInput(file="f"), ctx))


def alpha_of(result: Any) -> np.ndarray:
    img = Image.open(io.BytesIO(base64.b64decode(result.output["image_b64"])))
    assert img.format == "PNG" and img.mode == "RGBA"
    return np.asarray(img)[:, :, 3] / 255.0


@pytest.fixture(scope="module")
def astronaut() -> Any:
    return cut(png(skimage_data.astronaut()))


def test_keeps_the_person_drops_the_background(astronaut: Any) -> None:
    assert_shape(astronaut.output, "image/background_removal")
    assert astronaut.output["image_resource_url"] is None
    alpha = alpha_of(astronaut)
    assert alpha.shape == (512, 512)
    assert alpha[69:161, 178:270].mean() > 0.9  # the face
    assert alpha[300:480, 60:200].mean() > 0.9  # the orange suit
    assert alpha[0:100, 400:500].mean() < 0.05  # the background, top right
    assert 0.3 < astronaut.raw["foreground_fraction"] < 0.8
    assert astronaut.usage == {"image": 1}


def test_colours_are_kept(astronaut: Any) -> None:
    rgba = np.asarray(Image.open(io.BytesIO(base64.b64decode(astronaut.output["image_b64"]))))
    assert np.array_equal(rgba[:, :, :3], skimage_data.astronaut())


def test_no_person_is_mostly_transparent() -> None:
    alpha = alpha_of(cut(png(skimage_data.coffee())))
    assert alpha.mean() < 0.35


def test_bad_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(UnsupportedFormat):
        cut(b"not an image")
    with pytest.raises(ProviderInvalidInput):
        asyncio.run(segmentation.run(FileInput(file=""), make_ctx()))
    monkeypatch.setattr(segmentation, "MAX_PIXELS", 100)
    with pytest.raises(ProviderInvalidInput, match="megapixels"):
        cut(png(skimage_data.coffee()))


def test_offer_says_people_only() -> None:
    (offer,) = segmentation.offers()
    assert offer.subfeature == "image/background_removal" and "PEOPLE ONLY" in offer.notes
    assert segmentation.model_path().name == "selfie_segmentation.tflite"
