"""ocr/ocr_tables_async: rapid-layout + RapidOCR on tables rendered here (ruled, borderless, merged
cells), as PNG and as a PDF page."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

pytest.importorskip("rapid_layout", reason="rapid-layout is not installed (pip install --no-deps)")
pytest.importorskip("rapidocr", reason="the local-ocr extra is not installed")

from unigate.providers.errors import ProviderInvalidInput, ProviderTimeout, UnsupportedFormat
from unigate.providers.local import table_grid, tables

from ._images import PAGE_1, encode, text_image
from ._support import FileInput, assert_shape, loaded, make_ctx
from ._tables import (
    COL_WIDTHS,
    ROW_HEIGHT,
    TABLE,
    TABLE_LEFT,
    TABLE_TOP,
    spanned_page,
    table_pdf,
    table_png,
)


def extract(data: bytes, mime: str) -> Any:
    ctx = make_ctx({"f": loaded(data, mime)})
    return asyncio.run(tables.run(FileInput(file="f", language="en"), ctx))


def grid_text(table: dict[str, Any]) -> list[list[str]]:
    out = [[""] * table["num_cols"] for _ in range(table["num_rows"])]
    for row in table["rows"]:
        for cell in row["cells"]:
            out[cell["row_index"]][cell["col_index"]] = cell["text"]
    return out


def cell_accuracy(table: dict[str, Any], expected: tuple[tuple[str, ...], ...]) -> float:
    got = grid_text(table)
    total = sum(len(r) for r in expected)
    right = sum(
        1
        for r, row in enumerate(expected)
        for c, text in enumerate(row)
        if r < len(got) and c < len(got[r]) and got[r][c] == text
    )
    return right / total


@pytest.fixture(scope="module")
def ruled() -> Any:
    return extract(table_png(), "image/png")


@pytest.fixture(scope="module")
def ruled_pdf() -> Any:
    return extract(table_pdf(), "application/pdf")


def only_table(result: Any) -> dict[str, Any]:
    out = result.output
    assert out["num_pages"] == 1 and len(out["pages"]) == 1
    found = out["pages"][0]["tables"]
    assert len(found) == 1
    table: dict[str, Any] = found[0]
    return table


def test_ruled_png(ruled: Any) -> None:
    assert_shape(ruled.output, "ocr/ocr_tables_async")
    table = only_table(ruled)
    assert (table["num_rows"], table["num_cols"]) == (5, 4)
    assert cell_accuracy(table, TABLE) >= 0.95
    assert ruled.usage == {"page": 1}
    assert ruled.raw["pages"][0]["tables"][0]["method"] == "ruled"


def test_cells_are_where_they_were_drawn(ruled: Any) -> None:
    table = only_table(ruled)
    for row in table["rows"]:
        for cell in row["cells"]:
            assert cell["row_span"] == 1 and cell["col_span"] == 1
            assert cell["is_header"] == (cell["row_index"] == 0)
            assert cell["confidence"] is not None and 0.5 < cell["confidence"] <= 1
            box = cell["bounding_box"]
            left = (TABLE_LEFT + sum(COL_WIDTHS[: cell["col_index"]])) / 1240
            top = (TABLE_TOP + ROW_HEIGHT * cell["row_index"]) / 900
            assert box["left"] == pytest.approx(left, abs=0.01)
            assert box["top"] == pytest.approx(top, abs=0.01)
            assert box["width"] == pytest.approx(COL_WIDTHS[cell["col_index"]] / 1240, abs=0.01)
            assert box["height"] == pytest.approx(ROW_HEIGHT / 900, abs=0.01)


def test_pdf_page(ruled_pdf: Any) -> None:
    assert_shape(ruled_pdf.output, "ocr/ocr_tables_async")
    table = only_table(ruled_pdf)
    assert (table["num_rows"], table["num_cols"]) == (5, 4)
    assert cell_accuracy(table, TABLE) >= 0.95


def test_borderless_table() -> None:
    result = extract(table_png(ruled=False), "image/png")
    table = only_table(result)
    assert (table["num_rows"], table["num_cols"]) == (5, 4)
    assert cell_accuracy(table, TABLE) >= 0.9
    assert result.raw["pages"][0]["tables"][0]["method"] == "whitespace"


def test_merged_cells() -> None:
    result = extract(encode(spanned_page(), "PNG"), "image/png")
    assert_shape(result.output, "ocr/ocr_tables_async")
    table = only_table(result)
    assert (table["num_rows"], table["num_cols"]) == (5, 4)
    cells = {(c["row_index"], c["col_index"]): c for row in table["rows"] for c in row["cells"]}
    spans = {c["text"]: (c["row_span"], c["col_span"]) for c in cells.values()}
    assert spans["Region"] == (2, 1) and spans["Notes"] == (2, 1) and spans["Sales"] == (1, 2)
    assert (1, 0) not in cells and (0, 2) not in cells  # covered by the merged cells
    assert [cells[(1, 1)]["text"], cells[(1, 2)]["text"]] == ["2024", "2025"]
    assert [cells[(4, c)]["text"] for c in range(4)] == ["West", "77", "80", "new shop"]
    assert all(c["is_header"] == (c["row_index"] < 2) for c in cells.values())


def test_page_without_a_table() -> None:
    out = extract(encode(text_image(PAGE_1), "PNG"), "image/png").output
    assert out == {"pages": [{"tables": []}], "num_pages": 1}


def test_bad_inputs() -> None:
    with pytest.raises(UnsupportedFormat):
        extract(b"not an image", "image/png")
    ctx = make_ctx({"f": loaded(b"x", "image/png")})
    with pytest.raises(ProviderInvalidInput):
        asyncio.run(tables.run(FileInput(file=""), ctx))
    with pytest.raises(ProviderTimeout):
        tables.extract(table_png(), "image/png", deadline=0.0)


def test_grid_helpers() -> None:
    assert table_grid.overlap((0, 0, 10, 10), (5, 5, 20, 20)) == pytest.approx(0.25)
    assert table_grid.overlap((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0
    # Too few words, or a single column, is not a table.
    words = [table_grid.TWord("a", (0, 0, 10, 10), 1.0, 0)]
    assert table_grid.whitespace_grid((0, 0, 100, 100), words) is None
    column = [table_grid.TWord(str(i), (0, 20 * i, 10, 20 * i + 10), 1.0, i) for i in range(5)]
    assert table_grid.whitespace_grid((0, 0, 100, 100), column) is None


def test_offer() -> None:
    (offer,) = tables.offers()
    assert offer.subfeature == "ocr/ocr_tables_async" and offer.compute == "cpu"
    assert offer.constraints.mime_types and "application/pdf" in offer.constraints.mime_types
    assert offer.models[0].prices == ()
