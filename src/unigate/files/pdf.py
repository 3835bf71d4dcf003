"""PDF page counting (upload metadata ``page_count`` and per-page billing)."""

from __future__ import annotations

from unigate.pdfium import PDFIUM_LOCK

# PDFium is not thread-safe, and callers may run this in asyncio.to_thread: serialise all use.


def pdf_page_count(data: bytes) -> int | None:
    """Number of pages of the PDF in ``data``; None when it cannot be read.

    None also covers encrypted PDFs and a server without pypdfium2 (it ships with the
    ``local-ocr`` extra, so it is imported lazily). Blocking: run large files in a thread.
    """
    try:
        import pypdfium2
    except ImportError:
        return None
    with PDFIUM_LOCK:
        try:
            document = pypdfium2.PdfDocument(data)
        except Exception:  # PdfiumError, and anything odd the binding raises on garbage input
            return None
        try:
            return len(document)
        except Exception:
            return None
        finally:
            document.close()
