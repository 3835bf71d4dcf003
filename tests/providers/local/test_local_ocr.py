"""ocr/ocr: RapidOCR on printed text rendered here, as images and as a PDF."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from unigate.providers.errors import ProviderInvalidInput, UnsupportedFormat
from unigate.providers.local import ocr

from ._images import PAGE_1, PAGE_2, encode, pdf, squash, text_image
from ._support import FileInput, assert_shape, loaded, make_ctx


def run_ocr(data: bytes, mime: str) -> Any:
    ctx = make_ctx({"f": loaded(data, mime)})
    return asyncio.run(ocr.run_ocr(FileInput(file="f", language="en"), ctx))


@pytest.fixture(scope="module")
def png_result() -> Any:
    return run_ocr(encode(text_image(PAGE_1), "PNG"), "image/png")


def test_reads_printed_text_back(png_result: Any) -> None:
    out = png_result.output
    assert_shape(out, "ocr/ocr")
    text = squash(out["text"])
    for line in PAGE_1:
        assert squash(line) in text
    assert png_result.usage == {"page": 1}


def test_boxes_are_pixels_inside_the_image(png_result: Any) -> None:
    boxes = png_result.output["bounding_boxes"]
    assert [squash(b["text"]) for b in boxes] == list(PAGE_1)
    for b in boxes:
        assert b["left"] >= 0 and b["top"] >= 0 and b["width"] > 0 and b["height"] > 0
        assert b["left"] + b["width"] <= 900 and b["top"] + b["height"] <= 260
    # The first line sits above the second, roughly where it was drawn (y = 50 and 150).
    assert boxes[0]["top"] < boxes[1]["top"]
    assert 20 < boxes[0]["top"] < 80 and 120 < boxes[1]["top"] < 180


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_other_image_formats(fmt: str, mime: str) -> None:
    out = run_ocr(encode(text_image(PAGE_1), fmt), mime).output
    assert squash(PAGE_1[1]) in squash(out["text"])


def test_transparent_png_is_flattened_on_white() -> None:
    out = run_ocr(encode(text_image(PAGE_1, mode="RGBA"), "PNG"), "image/png").output
    assert squash(PAGE_1[0]) in squash(out["text"])


def test_pdf_pages_are_stacked_in_points() -> None:
    result = run_ocr(pdf(PAGE_1, PAGE_2), "application/pdf")
    out = result.output
    assert_shape(out, "ocr/ocr")
    text = squash(out["text"])
    assert all(squash(line) in text for line in PAGE_1 + PAGE_2)
    tops = {squash(b["text"]): b["top"] for b in out["bounding_boxes"]}
    # PIL writes each 900x260 px image as a 900x260 pt page: page 2 starts 260 pt down.
    assert 20 < tops[PAGE_1[0]] < 80
    assert 260 + 20 < tops[PAGE_2[0]] < 260 + 80
    assert result.usage == {"page": 2}


def test_corrupt_files_are_rejected() -> None:
    with pytest.raises(UnsupportedFormat):
        run_ocr(b"\x89PNG\r\n\x1a\n not really a png", "image/png")
    with pytest.raises(UnsupportedFormat):
        run_ocr(b"%PDF-1.7 garbage", "application/pdf")
    truncated = encode(text_image(PAGE_1), "PNG")[:2000]
    with pytest.raises(UnsupportedFormat):
        run_ocr(truncated, "image/png")


def test_too_many_pages_for_sync_ocr() -> None:
    pages = [("page",)] * (ocr.SYNC_MAX_PAGES + 1)
    with pytest.raises(ProviderInvalidInput, match="pages"):
        run_ocr(pdf(*pages), "application/pdf")
