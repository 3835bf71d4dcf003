"""The user stories of the gateway core, end to end through the HTTP API with the real local models."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.conftest import Api
from tests.providers.local._images import PAGE_1, PAGE_2, encode, pdf, squash, text_image

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DATA = Path(__file__).parent / "data"
COST = re.compile(r"^(?!^[-+.]*$)[+-]?0*\d*\.?\d*$")


async def test_embeddings_local(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai", json={"model": "text/embeddings/local", "input": {"texts": ["a", "b"]}}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success" and body["provider"] == "local"
    assert body["cost"] == "0.000" and COST.match(body["cost"])
    items = body["output"]["items"]
    assert len(items) == 2 and all(len(i["embedding"]) == 384 for i in items)
    norm = math.sqrt(sum(x * x for x in items[0]["embedding"]))
    assert abs(norm - 1.0) < 1e-3


async def test_upload_png_then_ocr(api: Api) -> None:
    png = encode(text_image(PAGE_1), "PNG")
    up = (await api.upload(png, "scan.png")).json()
    for field in ("file", "file_id"):
        r = await api.post(
            "/v3/universal-ai", json={"model": "ocr/ocr/local", "input": {field: up["file_id"]}}
        )
        body = r.json()
        assert body["status"] == "success", body
        text = squash(body["output"]["text"])
        assert "Invoice No. 48213" in text and "$1,234.56" in text
        boxes = body["output"]["bounding_boxes"]
        assert boxes and all(0 <= b["left"] < 900 and 0 <= b["top"] < 260 and b["width"] > 0 for b in boxes)


@pytest.fixture
async def image_server() -> AsyncIterator[str]:
    """A loopback HTTP server serving a rendered PNG (URL inputs; 127.0.0.0/8 is allowed in tests)."""
    png = encode(text_image(PAGE_2), "PNG")

    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=png, content_type="application/octet-stream")

    app = web.Application()
    app.router.add_get("/scan.png", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/scan.png"
    finally:
        await runner.cleanup()


async def test_ocr_from_url(api: Api, image_server: str) -> None:
    r = await api.post("/v3/universal-ai", json={"model": "ocr/ocr/local", "input": {"file": image_server}})
    body = r.json()
    assert body["status"] == "success", body
    assert "42 Harbour Road" in squash(body["output"]["text"])


async def test_speech_to_text_async(api: Api) -> None:
    up = (await api.upload((DATA / "speech_fox.wav").read_bytes(), "fox.wav")).json()
    assert up["file_mimetype"] == "audio/wav"
    r = await api.post(
        "/v3/universal-ai/async",
        json={"model": "audio/speech_to_text_async/local", "input": {"file": up["file_id"]}},
    )
    assert r.status_code == 202, r.text
    created = r.json()
    assert created["status"] == "processing" and created["cost"] == "0.000"
    done = await api.wait(created["public_id"], timeout_s=120)
    assert done["status"] == "success", done
    words = re.sub(r"[^a-z ]", "", done["output"]["text"].lower()).split()
    assert "quick brown fox jumps over the lazy dog" in " ".join(words)
    entries = done["output"]["diarization"]["entries"]
    assert entries and all(float(e["end_time"]) >= float(e["start_time"]) for e in entries)
    starts = [float(e["start_time"]) for e in entries]
    assert starts == sorted(starts)


async def test_speech_to_text_refuses_a_language_it_cannot_do(api: Api) -> None:
    up = (await api.upload((DATA / "speech_fox.wav").read_bytes(), "fox.wav")).json()
    r = await api.post(
        "/v3/universal-ai/async",
        json={
            "model": "audio/speech_to_text_async/local",
            "input": {"file": up["file_id"], "language": "fr"},
        },
    )
    assert r.status_code == 422 and "en" in r.text


async def test_multipage_pdf_ocr_async(api: Api) -> None:
    up = (await api.upload(pdf(PAGE_1, PAGE_2), "doc.pdf")).json()
    assert up["metadata"]["page_count"] == 2
    r = await api.post(
        "/v3/universal-ai/async", json={"model": "ocr/ocr_async/local", "input": {"file": up["file_id"]}}
    )
    assert r.status_code == 202
    done = await api.wait(r.json()["public_id"], timeout_s=120)
    assert done["status"] == "success", done
    out = done["output"]
    assert out["number_of_pages"] == 2 and len(out["pages"]) == 2
    page2 = squash(" ".join(line["text"] for line in out["pages"][1]["lines"]))
    assert "Harbour Road" in page2
    assert "Invoice" in squash(out["raw_text"])


async def test_language_detection(api: Api) -> None:
    cases = {
        "Bonjour tout le monde, comment allez-vous aujourd'hui ?": "fr",
        "The weather is nice today.": "en",
    }
    for text, lang in cases.items():
        r = await api.post(
            "/v3/universal-ai",
            json={"model": "translation/language_detection/local", "input": {"text": text}},
        )
        items = r.json()["output"]["items"]
        assert items[0]["language"] == lang and 0 < items[0]["confidence"] <= 1
        assert items[0]["display_name"]


async def test_concurrent_local_requests(api: Api) -> None:
    """Local models run off the event loop: concurrent requests all complete."""
    reqs = [
        api.post(
            "/v3/universal-ai", json={"model": "text/embeddings/local", "input": {"texts": [f"text {i}"]}}
        )
        for i in range(8)
    ]
    results = await asyncio.gather(*reqs)
    assert all(r.json()["status"] == "success" for r in results)
