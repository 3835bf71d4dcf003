"""Normalize Document Intelligence read and layout results (`analyzeResult`, API 2024-11-30).

Pages give their size in `unit` (pixels for images, inches for PDFs) and every polygon is in that
unit, as a flat list [x1, y1, ..., x4, y4]. Lines do not list their words: a word belongs to the
line whose `spans` cover its `span.offset` in the top-level `content`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any


def _num(value: Any, default: float = 0.0) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def bounds(polygon: Sequence[Any] | None) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of a flat polygon, or None when absent."""
    if not polygon or len(polygon) < 2:
        return None
    xs = [_num(v) for v in polygon[0::2]]
    ys = [_num(v) for v in polygon[1::2]]
    return min(xs), min(ys), max(xs), max(ys)


def _clamp(v: float) -> float:
    return min(max(v, 0.0), 1.0)


def page_box(polygon: Sequence[Any] | None, page: Mapping[str, Any]) -> dict[str, float | None]:
    """A box normalized to 0..1 of its page."""
    found = bounds(polygon)
    width, height = _num(page.get("width")), _num(page.get("height"))
    if found is None or width <= 0 or height <= 0:
        return {"left": None, "top": None, "width": None, "height": None}
    left, top, right, bottom = found
    return {
        "left": round(_clamp(left / width), 6),
        "top": round(_clamp(top / height), 6),
        "width": round(_clamp((right - left) / width), 6),
        "height": round(_clamp((bottom - top) / height), 6),
    }


def page_count(result: Mapping[str, Any]) -> int:
    pages = result.get("pages")
    return len(pages) if isinstance(pages, list) else 0


def _line_words(line: Mapping[str, Any], words: list[Mapping[str, Any]], starts: list[int]) -> list[Any]:
    found: list[Any] = []
    for span in line.get("spans") or ():
        begin = int(_num(span.get("offset")))
        end = begin + int(_num(span.get("length")))
        i = bisect_left(starts, begin)
        while i < len(words) and starts[i] < end:
            found.append(words[i])
            i += 1
    return found


def _page_lines(page: Mapping[str, Any]) -> list[dict[str, Any]]:
    words = sorted(page.get("words") or (), key=lambda w: _num((w.get("span") or {}).get("offset")))
    starts = [int(_num((w.get("span") or {}).get("offset"))) for w in words]
    lines = []
    for line in page.get("lines") or ():
        members = _line_words(line, words, starts)
        scores = [_num(w.get("confidence")) for w in members if w.get("confidence") is not None]
        lines.append(
            {
                "text": line.get("content"),
                "words": [
                    {
                        "text": w.get("content"),
                        "bounding_box": page_box(w.get("polygon"), page),
                        "confidence": w.get("confidence"),
                    }
                    for w in members
                ],
                "bounding_box": page_box(line.get("polygon"), page),
                # A line has no confidence of its own: the mean of its words'.
                "confidence": round(sum(scores) / len(scores), 4) if scores else None,
            }
        )
    return lines


def to_ocr_async(result: Mapping[str, Any]) -> dict[str, Any]:
    pages = result.get("pages") or []
    return {
        "raw_text": result.get("content") or "",
        "pages": [{"lines": _page_lines(page)} for page in pages],
        "number_of_pages": len(pages),
    }


def to_ocr(result: Mapping[str, Any]) -> dict[str, Any]:
    """ocr/ocr from a read result: one box per line; PDF pages stacked top to bottom, in points."""
    boxes: list[dict[str, Any]] = []
    offset = 0.0
    for page in result.get("pages") or ():
        # Inches (PDF) become points (1/72 in) like the other ocr/ocr providers; pixels stay pixels.
        k = 72.0 if page.get("unit") == "inch" else 1.0
        for line in page.get("lines") or ():
            found = bounds(line.get("polygon"))
            if found is None:
                continue
            left, top, right, bottom = found
            boxes.append(
                {
                    "text": line.get("content"),
                    "left": round(left * k, 1),
                    "top": round(top * k + offset, 1),
                    "width": round((right - left) * k, 1),
                    "height": round((bottom - top) * k, 1),
                }
            )
        offset += _num(page.get("height")) * k
    return {"text": result.get("content") or "", "bounding_boxes": boxes}


def _table_page(table: Mapping[str, Any]) -> int:
    regions = table.get("boundingRegions") or [{}]
    return int(_num(regions[0].get("pageNumber"), 1))


def _cell(cell: Mapping[str, Any], pages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    region = (cell.get("boundingRegions") or [{}])[0]
    number = int(_num(region.get("pageNumber"), 1))
    page = pages[number - 1] if 0 < number <= len(pages) else {}
    return {
        "text": cell.get("content") or "",
        "row_index": cell.get("rowIndex"),
        "col_index": cell.get("columnIndex"),
        "row_span": cell.get("rowSpan", 1),
        "col_span": cell.get("columnSpan", 1),
        "confidence": None,  # layout gives no per-cell confidence
        "bounding_box": page_box(region.get("polygon"), page),
        "is_header": cell.get("kind") in ("columnHeader", "rowHeader", "stubHead"),
    }


def _table(table: Mapping[str, Any], pages: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    rows: dict[int, list[dict[str, Any]]] = {}
    for cell in table.get("cells") or ():
        out = _cell(cell, pages)
        rows.setdefault(int(_num(cell.get("rowIndex"))), []).append(out)
    return {
        "rows": [{"cells": sorted(rows[i], key=lambda c: c["col_index"] or 0)} for i in sorted(rows)],
        "num_rows": table.get("rowCount"),
        "num_cols": table.get("columnCount"),
    }


def to_tables(result: Mapping[str, Any]) -> dict[str, Any]:
    """ocr/ocr_tables_async: tables grouped by the page they start on (every page listed)."""
    pages = result.get("pages") or []
    grouped: list[list[dict[str, Any]]] = [[] for _ in pages]
    for table in result.get("tables") or ():
        number = _table_page(table)
        if 0 < number <= len(grouped):
            grouped[number - 1].append(_table(table, pages))
    return {"pages": [{"tables": tables} for tables in grouped], "num_pages": len(pages)}
