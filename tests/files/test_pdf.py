from __future__ import annotations

import io
import sys

import pytest
from PIL import Image

from unigate.files.pdf import pdf_page_count

from . import samples as s


@pytest.mark.parametrize("pages", [1, 2, 7])
def test_counts_pages_of_a_minimal_pdf(pages: int) -> None:
    assert pdf_page_count(s.pdf(pages)) == pages


def test_counts_pages_of_a_pillow_pdf() -> None:
    buf = io.BytesIO()
    first, *rest = [Image.new("RGB", (20, 20), c) for c in ("red", "green", "blue")]
    first.save(buf, "PDF", save_all=True, append_images=rest)
    assert pdf_page_count(buf.getvalue()) == 3


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7\n%%EOF\n",
        b"%PDF-1.4\n" + bytes(range(256)) * 8,
        s.image("PNG"),
        b"not a pdf at all",
    ],
    ids=["empty", "header-only", "garbage-body", "png", "text"],
)
def test_corrupt_or_foreign_data_gives_none(data: bytes) -> None:
    assert pdf_page_count(data) is None


def test_missing_pypdfium2_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pypdfium2", None)  # makes `import pypdfium2` fail
    assert pdf_page_count(s.pdf(2)) is None
