"""One process-wide lock for PDFium: the library is not thread-safe, and both the file layer
(page counts of uploads) and the local OCR provider (page rendering) call it from worker threads."""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.Lock()
