"""ocr/ocr and ocr/ocr_async with RapidOCR 3.x (PP-OCRv6 small detection + recognition ONNX models)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext, Constraints, ModelSpec, Offer, ProviderResult
from unigate.providers.errors import ProviderInvalidInput, ProviderTimeout
from unigate.providers.local.models import LazyModel, threads
from unigate.providers.local.pages import IMAGE_MIME_TYPES, MAX_SIDE_PX, PDF_MIME, Page, load_pages

if TYPE_CHECKING:
    from rapidocr import RapidOCR

MODEL = "rapidocr-ppocrv6"
MIME_TYPES = IMAGE_MIME_TYPES | {PDF_MIME}
MAX_FILE_BYTES = 50 * 1024 * 1024
SYNC_MAX_PAGES = 5  # ~2-6 s a page on 2 cores: more belongs in ocr_async
ASYNC_MAX_PAGES = 200
# Scripts the bundled recognizer reads: Chinese and Latin-script languages (accents included).
# Cyrillic, Greek, Arabic, Indic... are not in its character set; Vietnamese loses diacritics.
LANGUAGES = frozenset(
    {
        "zh", "en", "fr", "de", "es", "it", "pt", "nl", "ca", "gl", "eu", "da", "sv", "no", "nb", "nn",
        "fi", "et", "pl", "cs", "sk", "sl", "hr", "bs", "ro", "hu", "tr", "sq", "id", "ms", "tl", "sw",
        "af", "ga", "cy", "is", "mt", "lb",
    }
)  # fmt: skip

EXTRA = "local-ocr"
REQUIRES = ("rapidocr", "cv2", "onnxruntime", "numpy", "pypdfium2", "PIL")


def _load() -> RapidOCR:
    from rapidocr import RapidOCR

    n = threads()
    return RapidOCR(
        params={
            "Global.log_level": "warning",
            "Global.return_word_box": True,
            # RapidOCR's default ("min", 736) upscales small images until their short side is 736 px:
            # a 330x60 crop became 4048x736 and took 9 s instead of 0.2 s, with the same text read.
            # Only shrink, and only beyond the 2000 px RapidOCR's preprocessing caps anyway.
            "Det.limit_type": "max",
            "Det.limit_side_len": MAX_SIDE_PX,
            "EngineConfig.onnxruntime.intra_op_num_threads": n,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


ENGINE: LazyModel[RapidOCR] = LazyModel(MODEL, _load)
# One page at a time: each call already uses every core, and RapidOCR keeps per-call settings on
# the instance. Locking per page (not per document) lets a short sync call slip between the pages
# of a long async job.
_ENGINE_LOCK = threading.Lock()

Box = tuple[float, float, float, float]  # left, top, right, bottom in page pixels


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    score: float


@dataclass(frozen=True)
class Line:
    text: str
    box: Box
    score: float
    words: tuple[Word, ...]


Doc = list[tuple[Page, list[Line]]]  # each page with its lines


def _bounds(points: Any) -> Box:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _split_words(text: str, box: Box, score: float) -> tuple[Word, ...]:
    """Fallback word boxes: each character gets an equal share of the line's width.

    Approximate (proportional fonts vary), used only when RapidOCR gives no word boxes for a line.
    """
    left, top, right, bottom = box
    per_char = (right - left) / max(len(text), 1)
    words, start = [], None
    for i, ch in enumerate(text + " "):
        if ch.isspace():
            if start is not None:
                span = (left + start * per_char, top, left + i * per_char, bottom)
                words.append(Word(text[start:i], span, score))
                start = None
        elif start is None:
            start = i
    return tuple(words)


def _words(text: str, box: Box, score: float, found: Any) -> tuple[Word, ...]:
    """RapidOCR's own word boxes when they account for the whole line, else a proportional split."""
    if found:
        words = tuple(
            Word(str(t), _bounds(b), float(s)) for t, s, b in found if b is not None and str(t).strip()
        )
        if "".join(w.text for w in words) == "".join(text.split()):
            return words
    return _split_words(text, box, score)


def ocr_page(page: Page) -> list[Line]:
    """Blocking: the text lines of one page, in reading order, with word boxes."""
    engine = ENGINE.get()
    with _ENGINE_LOCK:
        result = engine(page.pixels)
    txts = getattr(result, "txts", None) or ()
    boxes = getattr(result, "boxes", None)
    scores = getattr(result, "scores", None) or ()
    word_results = getattr(result, "word_results", None) or ()
    aligned = len(word_results) == len(txts)  # RapidOCR drops lines without word boxes
    lines = []
    for i, text in enumerate(txts):
        if not str(text).strip() or boxes is None:
            continue
        box, score = _bounds(boxes[i]), float(scores[i])
        words = _words(str(text), box, score, word_results[i] if aligned else None)
        lines.append(Line(str(text), box, score, words))
    return lines


def _check_deadline(deadline: float | None, page_no: int) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise ProviderTimeout(f"OCR ran out of time after {page_no} page(s)")


def ocr_document(data: bytes, mime: str, max_pages: int, deadline: float | None) -> Doc:
    """Blocking: OCR every page of an image or PDF."""
    done: Doc = []
    for page in load_pages(data, mime, max_pages):
        _check_deadline(deadline, len(done))
        done.append((page, ocr_page(page)))
    return done


def _r(x: float, digits: int) -> float:
    return float(round(x, digits))


def to_ocr_output(pages: Doc) -> dict[str, Any]:
    """ocr/ocr: boxes in pixels for images; a PDF's pages are stacked top to bottom in points."""
    texts: list[str] = []
    boxes: list[dict[str, Any]] = []
    offset = 0.0
    for page, lines in pages:
        k = page.unit_scale
        for line in lines:
            left, top, right, bottom = line.box
            boxes.append(
                {
                    "text": line.text,
                    "left": _r(left * k, 1),
                    "top": _r(top * k + offset, 1),
                    "width": _r((right - left) * k, 1),
                    "height": _r((bottom - top) * k, 1),
                }
            )
        texts.append("\n".join(line.text for line in lines))
        offset += page.height * k
    return {"text": "\n\n".join(t for t in texts if t), "bounding_boxes": boxes}


def _norm_box(box: Box, page: Page) -> dict[str, float]:
    left, top, right, bottom = box
    w, h = page.width, page.height

    def clamp(v: float) -> float:
        return min(max(v, 0.0), 1.0)

    return {
        "left": _r(clamp(left / w), 6),
        "top": _r(clamp(top / h), 6),
        "width": _r(clamp((right - left) / w), 6),
        "height": _r(clamp((bottom - top) / h), 6),
    }


def to_ocr_async_output(pages: Doc) -> dict[str, Any]:
    """ocr/ocr_async: per page lines and words, boxes normalized to 0..1 of the page."""
    out_pages = []
    for page, lines in pages:
        out_lines = [
            {
                "text": line.text,
                "words": [
                    {"text": w.text, "bounding_box": _norm_box(w.box, page), "confidence": _r(w.score, 4)}
                    for w in line.words
                ],
                "bounding_box": _norm_box(line.box, page),
                "confidence": _r(line.score, 4),
            }
            for line in lines
        ]
        out_pages.append({"lines": out_lines})
    raw_text = "\n\n".join("\n".join(line.text for line in lines) for _, lines in pages).strip()
    return {"raw_text": raw_text, "pages": out_pages, "number_of_pages": len(pages)}


def _raw(pages: Doc) -> dict[str, Any]:
    return {
        "model": MODEL,
        "pages": [{"width": p.width, "height": p.height, "lines": len(lines)} for p, lines in pages],
    }


async def _read(input: Any, ctx: CallContext, max_pages: int) -> Doc:
    ref = getattr(input, "file", None) or getattr(input, "file_url", None)
    if not ref:
        raise ProviderInvalidInput("file is required")
    loaded = await ctx.files(ref)
    if loaded.page_count is not None and loaded.page_count > max_pages:
        raise ProviderInvalidInput(f"the file has {loaded.page_count} pages; at most {max_pages} allowed")
    pages: Doc = await ctx.run_blocking(ocr_document, loaded.data, loaded.mime, max_pages, ctx.deadline)
    return pages


async def run_ocr(input: Any, ctx: CallContext) -> ProviderResult:
    pages = await _read(input, ctx, SYNC_MAX_PAGES)
    return ProviderResult(output=to_ocr_output(pages), raw=_raw(pages), usage={"page": len(pages)})


async def run_ocr_async(input: Any, ctx: CallContext) -> ProviderResult:
    pages = await _read(input, ctx, ASYNC_MAX_PAGES)
    return ProviderResult(output=to_ocr_async_output(pages), raw=_raw(pages), usage={"page": len(pages)})


_SPEC = ModelSpec(
    MODEL,
    memory_mb=500,  # ~60 MB loaded; a full A4 page at 200 dpi peaks at 700-900 MB
    description="RapidOCR 3.10 with PaddleOCR PP-OCRv6 small detection and recognition (ONNX); "
    "Chinese and Latin-script text",
)


def offers() -> tuple[Offer, Offer]:
    return (
        Offer(
            subfeature="ocr/ocr",
            models=(_SPEC,),
            default_model=MODEL,
            constraints=Constraints(
                languages=LANGUAGES,
                mime_types=MIME_TYPES,
                max_file_bytes=MAX_FILE_BYTES,
                max_pages=SYNC_MAX_PAGES,
            ),
            run=run_ocr,
            compute="cpu",
            notes="Runs on this server's CPU. Images (png, jpeg, webp, bmp, tiff, gif) or PDFs of up to "
            f"{SYNC_MAX_PAGES} pages (rendered at 200 dpi; all pages OCR'd). One box per text line; "
            "boxes are in image pixels, and for PDFs in points (1/72 in) with the pages stacked top to "
            "bottom (page 2's top = page 1's height). Reads Chinese and Latin-script text only.",
        ),
        Offer(
            subfeature="ocr/ocr_async",
            models=(_SPEC,),
            default_model=MODEL,
            constraints=Constraints(
                mime_types=MIME_TYPES,
                max_file_bytes=MAX_FILE_BYTES,
                max_pages=ASYNC_MAX_PAGES,
            ),
            run=run_ocr_async,
            compute="cpu",
            notes="Runs on this server's CPU, one page at a time (about 2-6 s a page on 2 cores). "
            "PDF pages are rendered at 200 dpi. Word boxes come from RapidOCR's recognizer alignment "
            "(a proportional split of the line when it gives none). Reads Chinese and Latin-script text.",
        ),
    )
