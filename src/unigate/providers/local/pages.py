"""Turn an image or a PDF into page bitmaps for OCR (PIL for images, pypdfium2 for PDFs)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unigate.pdfium import PDFIUM_LOCK
from unigate.providers.errors import ProviderInvalidInput, UnsupportedFormat

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

PDF_DPI = 200
MAX_SIDE_PX = 2000  # RapidOCR shrinks anything larger to this anyway; render no bigger
# Canonical names (the gateway normalises aliases such as image/jpg before checking).
IMAGE_MIME_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/webp", "image/bmp", "image/tiff", "image/gif"}
)
PDF_MIME = "application/pdf"

# PDFium is not thread-safe: every pypdfium2 call in this process goes through this lock.


@dataclass(frozen=True)
class Page:
    pixels: np.ndarray  # BGR, uint8, what RapidOCR (OpenCV) expects
    width: int  # pixels
    height: int
    # Multiply pixel coordinates by this for the page's own units: 1 for images (pixels),
    # 72/dpi for PDFs (points, the PDF's own unit).
    unit_scale: float = 1.0


def is_pdf(data: bytes, mime: str) -> bool:
    return mime == PDF_MIME or data[:5] == b"%PDF-"


def load_pages(data: bytes, mime: str, max_pages: int) -> Iterator[Page]:
    """Yield each page lazily (one rendered bitmap in memory at a time)."""
    if is_pdf(data, mime):
        yield from _pdf_pages(data, max_pages)
    else:
        yield from _image_pages(data, max_pages)


def _to_bgr(img: Image.Image) -> np.ndarray:
    import numpy as np
    from PIL import Image

    # Transparent pixels are often black: flatten onto white, or dark text would vanish.
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    rgb = np.asarray(img.convert("RGB"))
    bgr: np.ndarray = np.ascontiguousarray(rgb[:, :, ::-1])
    return bgr


def _image_pages(data: bytes, max_pages: int) -> Iterator[Page]:
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        frames = getattr(img, "n_frames", 1) if img.format == "TIFF" else 1  # multi-page TIFF
    except UnidentifiedImageError as exc:
        raise UnsupportedFormat("the file is not a readable image (png, jpeg, webp, bmp, tiff, gif)") from exc
    except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise UnsupportedFormat(f"cannot read the image: {exc}") from exc
    if frames > max_pages:
        raise ProviderInvalidInput(f"the image has {frames} pages; at most {max_pages} are accepted")
    for index, frame in enumerate(ImageSequence.Iterator(img)):
        if index >= frames:
            break
        try:
            frame.load()
            upright = ImageOps.exif_transpose(frame)  # phone photos carry their rotation in EXIF
            pixels = _to_bgr(upright)
        except (Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
            raise UnsupportedFormat(f"cannot decode the image: {exc}") from exc
        yield Page(pixels, pixels.shape[1], pixels.shape[0])


def _pdf_pages(data: bytes, max_pages: int) -> Iterator[Page]:
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            raise UnsupportedFormat(f"cannot open the PDF: {exc}") from exc
        count = len(doc)
    try:
        if count == 0:
            raise ProviderInvalidInput("the PDF has no pages")
        if count > max_pages:
            raise ProviderInvalidInput(f"the PDF has {count} pages; at most {max_pages} are accepted")
        for index in range(count):
            with PDFIUM_LOCK:
                pixels, scale = _render(doc, index)
            yield Page(pixels, pixels.shape[1], pixels.shape[0], unit_scale=1.0 / scale)
    finally:
        with PDFIUM_LOCK:
            doc.close()


def _render(doc: Any, index: int) -> tuple[np.ndarray, float]:
    """Render one page at PDF_DPI (less for huge pages); returns BGR pixels and pixels per point."""
    import pypdfium2 as pdfium

    page = doc[index]
    try:
        width_pt, height_pt = page.get_size()
        scale = min(PDF_DPI / 72.0, MAX_SIDE_PX / max(width_pt, height_pt, 1.0))
        bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
        pixels = _to_bgr(bitmap.to_pil())
        bitmap.close()
    except pdfium.PdfiumError as exc:
        raise UnsupportedFormat(f"cannot render page {index + 1} of the PDF: {exc}") from exc
    finally:
        page.close()
    return pixels, scale
