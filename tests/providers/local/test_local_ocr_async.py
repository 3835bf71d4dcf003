"""ocr/ocr_async: every page of a PDF, lines with word boxes normalised to the page."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from unigate.providers.errors import ProviderTimeout
from unigate.providers.local import ocr

from ._images import PAGE_1, PAGE_2, encode, pdf, squash, text_image
from ._support import FileInput, assert_shape, loaded, make_ctx


def run_async_ocr(data: bytes, mime: str) -> Any:
    ctx = make_ctx({"f": loaded(data, mime)})
    return asyncio.run(ocr.run_ocr_async(FileInput(file="f"), ctx))


@pytest.fixture(scope="module")
def two_pages() -> Any:
    return run_async_ocr(pdf(PAGE_1, PAGE_2), "application/pdf")


def test_every_page_is_read(two_pages: Any) -> None:
    out = two_pages.output
    assert_shape(out, "ocr/ocr_async")
    assert out["number_of_pages"] == 2 and len(out["pages"]) == 2
    assert [squash(line["text"]) for line in out["pages"][0]["lines"]] == list(PAGE_1)
    assert [squash(line["text"]) for line in out["pages"][1]["lines"]] == list(PAGE_2)
    assert all(squash(x) in squash(out["raw_text"]) for x in PAGE_1 + PAGE_2)
    assert two_pages.usage == {"page": 2}


def test_words_have_normalised_boxes_inside_their_line(two_pages: Any) -> None:
    for page in two_pages.output["pages"]:
        for line in page["lines"]:
            assert [w["text"] for w in line["words"]] == line["text"].split()
            lb = line["bounding_box"]
            for word in line["words"]:
                b = word["bounding_box"]
                assert 0 <= b["left"] <= 1 and 0 <= b["top"] <= 1
                assert 0 < b["width"] <= 1 and 0 < b["height"] <= 1
                # Inside the line's box, with a little slack for the recognizer's alignment.
                assert b["left"] >= lb["left"] - 0.02
                assert b["left"] + b["width"] <= lb["left"] + lb["width"] + 0.02
                assert 0 < word["confidence"] <= 1
            lefts = [w["bounding_box"]["left"] for w in line["words"]]
            assert lefts == sorted(lefts)


def test_multipage_tiff_is_one_page_per_frame() -> None:
    first, second = text_image(PAGE_1), text_image(PAGE_2)
    data = encode(first, "TIFF", save_all=True, append_images=[second])
    out = run_async_ocr(data, "image/tiff").output
    assert out["number_of_pages"] == 2
    assert squash(PAGE_2[1]) in squash(" ".join(line["text"] for line in out["pages"][1]["lines"]))


def test_proportional_split_fallback() -> None:
    words = ocr._split_words("ab  cde", (0.0, 10.0, 70.0, 20.0), 0.9)
    assert [w.text for w in words] == ["ab", "cde"]
    assert words[0].box == (0.0, 10.0, 20.0, 20.0)
    assert words[1].box == (40.0, 10.0, 70.0, 20.0)


def test_deadline_is_checked_between_pages() -> None:
    with pytest.raises(ProviderTimeout):
        ocr.ocr_document(pdf(PAGE_1, PAGE_2), "application/pdf", 2, deadline=0.0)
