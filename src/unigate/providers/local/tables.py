"""ocr/ocr_tables_async: tables located by rapid-layout (PP-Layout CDLA, ONNX bundled in the wheel) and
by ruling lines, cells read by the local RapidOCR engine (ocr.py) and clustered into rows and columns.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput, ProviderTimeout
from unigate.providers.local import ocr
from unigate.providers.local.models import LazyModel, threads
from unigate.providers.local.pages import IMAGE_MIME_TYPES, PDF_MIME, Page, load_pages
from unigate.providers.local.table_grid import Grid, TWord

if TYPE_CHECKING:
    from rapid_layout import RapidLayout

MODEL = "rapid-layout-cdla+rapidocr"
EXTRA = "local-layout"
REQUIRES = (*ocr.REQUIRES, "rapid_layout")
MAX_PAGES = 200
MAX_FILE_BYTES = 50 * 1024 * 1024
TABLE_SCORE = 0.5  # a layout "table" this sure is a table even if its structure looks thin
WEAK_TABLE_SCORE = 0.3  # borderless tables often score 0.3-0.5: kept only if rows and columns appear


def _load() -> RapidLayout:
    from pathlib import Path

    import rapid_layout
    import rapid_layout.inference_engine.onnxruntime.main  # imported late by rapid-layout: quiet it too
    from rapid_layout import RapidLayout

    _quiet("rapid_layout", "RapidLayout")
    # Only the CDLA model is inside the wheel; naming its file keeps the downloader out of the way.
    path = Path(rapid_layout.__file__).parent / "models" / "layout_cdla.onnx"
    return RapidLayout(
        model_type="pp_layout_cdla",
        model_dir_or_path=str(path),
        conf_thresh=WEAK_TABLE_SCORE,
        engine_cfg={"intra_op_num_threads": threads(), "inter_op_num_threads": 1},
    )


def _quiet(*prefixes: str) -> None:
    """rapid-layout logs each load at INFO in colour, resetting its loggers' levels as it goes; it
    adds its handler only to a logger that has none, so give each a handler for warnings only."""
    import sys

    for name in [*sys.modules, *prefixes]:
        if name.startswith(prefixes):
            logger = logging.getLogger(name)
            if not logger.handlers:
                logger.addHandler(logging.StreamHandler())
            for handler in logger.handlers:
                handler.setLevel(logging.WARNING)


LAYOUT: LazyModel[RapidLayout] = LazyModel("rapid-layout-cdla", _load)
_LAYOUT_LOCK = threading.Lock()  # each call already uses every core


def _layout_tables(page: Page) -> list[tuple[tuple[float, float, float, float], float]]:
    engine = LAYOUT.get()
    with _LAYOUT_LOCK:
        result = engine(page.pixels)
    found = []
    for box, name, score in zip(
        result.boxes or [], result.class_names or [], result.scores or [], strict=False
    ):
        if name == "table":
            left, top, right, bottom = (float(v) for v in box)
            found.append(((left, top, right, bottom), float(score)))
    return found


def page_tables(page: Page) -> tuple[list[Grid], dict[str, Any]]:
    """Blocking: the tables of one page and a small raw report."""
    import cv2

    from unigate.providers.local import table_grid as tg

    layout = _layout_tables(page)
    rules = tg.find_rules(cv2.cvtColor(page.pixels, cv2.COLOR_BGR2GRAY))
    ruled = tg.ruled_regions(rules)
    candidates = [(box, score) for box, score in layout if score >= WEAK_TABLE_SCORE]
    if not candidates and not ruled:
        return [], {"layout_tables": [], "ruled_regions": 0}
    words = _page_words(page)
    grids: list[Grid] = []
    used: list[tuple[float, float, float, float]] = []
    for box in ruled:  # a ruled grid is a table whether or not the layout model saw it
        grid = tg.ruled_grid(rules, box, [w for w in words if tg.inside(w, box)])
        if grid is not None and grid.filled():
            grids.append(grid)
            used.append(box)
    for box, score in sorted(candidates, key=lambda c: -c[1]):
        if any(tg.overlap(box, u) > 0.5 for u in used):
            continue
        grid = tg.whitespace_grid(box, [w for w in words if tg.inside(w, box)])
        if grid is not None and (score >= TABLE_SCORE or grid.num_cols >= 2):
            grids.append(grid)
            used.append(box)
    grids.sort(key=lambda g: (g.box[1], g.box[0]))
    raw = {
        "layout_tables": [{"box": [round(v) for v in b], "score": round(s, 3)} for b, s in layout],
        "ruled_regions": len(ruled),
    }
    return grids, raw


def _page_words(page: Page) -> list[TWord]:
    words: list[TWord] = []
    for line in ocr.ocr_page(page):
        for w in line.words:
            words.append(TWord(w.text, w.box, w.score, len(words)))
    return words


def _norm(box: tuple[float, float, float, float], page: Page) -> dict[str, float]:
    def clamp(v: float) -> float:
        return round(min(max(v, 0.0), 1.0), 6)

    left, top, right, bottom = box
    return {
        "left": clamp(left / page.width),
        "top": clamp(top / page.height),
        "width": clamp((right - left) / page.width),
        "height": clamp((bottom - top) / page.height),
    }


def _has_digits_only(text: str) -> bool:
    stripped = text.replace(",", "").replace(".", "").replace("%", "").replace("$", "").strip()
    return stripped.isdigit()


def table_output(grid: Grid, page: Page) -> dict[str, Any]:
    # The first row is a header when it has no numeric cell while some later row does.
    first = [c.text for c in grid.rows[0]] if grid.rows else []
    later = [c.text for row in grid.rows[1:] for c in row]
    header = bool(first) and not any(map(_has_digits_only, first)) and any(map(_has_digits_only, later))
    # A header cell spanning rows (a two-level header) makes the rows under it header rows too.
    header_rows = max((c.row_span for c in grid.rows[0]), default=1) if header else 0
    rows = []
    for row in grid.rows:
        cells = []
        for cell in row:
            conf = cell.confidence
            cells.append(
                {
                    "text": cell.text,
                    "row_index": cell.row,
                    "col_index": cell.col,
                    "row_span": cell.row_span,
                    "col_span": cell.col_span,
                    "confidence": None if conf is None else round(conf, 4),
                    "bounding_box": _norm(cell.box, page),
                    "is_header": cell.row < header_rows,
                }
            )
        rows.append({"cells": cells})
    return {"rows": rows, "num_rows": grid.num_rows, "num_cols": grid.num_cols}


def extract(data: bytes, mime: str, deadline: float | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Blocking: (output, raw) for a whole document."""
    pages: list[dict[str, Any]] = []
    raw_pages: list[dict[str, Any]] = []
    for page in load_pages(data, mime, MAX_PAGES):
        if deadline is not None and time.monotonic() > deadline:
            raise ProviderTimeout(f"table extraction ran out of time after {len(pages)} page(s)")
        grids, raw = page_tables(page)
        pages.append({"tables": [table_output(g, page) for g in grids]})
        raw["tables"] = [{"method": g.method, "rows": g.num_rows, "cols": g.num_cols} for g in grids]
        raw_pages.append(raw)
    return {"pages": pages, "num_pages": len(pages)}, {"model": MODEL, "pages": raw_pages}


async def run(input: Any, ctx: CallContext) -> ProviderResult:
    ref = getattr(input, "file", None) or getattr(input, "file_url", None)
    if not ref:
        raise ProviderInvalidInput("file is required")
    loaded = await ctx.files(ref)
    if loaded.page_count is not None and loaded.page_count > MAX_PAGES:
        raise ProviderInvalidInput(f"the file has {loaded.page_count} pages; at most {MAX_PAGES} allowed")
    output, raw = await ctx.run_blocking(extract, loaded.data, loaded.mime, ctx.deadline)
    return ProviderResult(output=output, raw=raw, usage={"page": output["num_pages"]})


def offers() -> tuple[Offer]:
    return (
        Offer(
            subfeature="ocr/ocr_tables_async",
            models=(
                ModelSpec(
                    MODEL,
                    memory_mb=550,  # layout ~40 MB + the shared RapidOCR engine and a rendered page
                    description="PP-Layout CDLA (rapid-layout, ONNX) finds tables, ruling lines or "
                    "whitespace give rows and columns, RapidOCR PP-OCRv6 reads the cells",
                ),
            ),
            default_model=MODEL,
            constraints=Constraints(
                languages=ocr.LANGUAGES,
                mime_types=IMAGE_MIME_TYPES | {PDF_MIME},
                max_file_bytes=MAX_FILE_BYTES,
                max_pages=MAX_PAGES,
            ),
            run=run,
            compute="cpu",
            notes="Runs on this server's CPU, one page at a time (about 2-6 s a page on 2 cores); PDF "
            "pages are rendered at 200 dpi. Ruled tables get their cells from the rules, merged cells "
            "included (row_span/col_span); borderless tables from the gaps between words (no spans, a "
            "multi-line cell becomes several rows). Cell boxes are normalised 0-1 to the page. "
            "is_header marks a first row of labels above numeric rows. Chinese and Latin-script text.",
        ),
    )
