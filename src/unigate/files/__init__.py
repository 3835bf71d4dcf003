"""File layer: content-based MIME detection, PDF page counts, blob storage, guarded URL fetching.

The fetcher (`unigate.files.fetch`) is not imported here: it pulls in aiohttp, which a server
that never fetches a URL need not load.
"""

from unigate.files.mime import detect_mime, extension_for, normalize_mime
from unigate.files.pdf import pdf_page_count
from unigate.files.storage import LocalDiskStorage, Storage, storage_from_url, validate_key
from unigate.files.urlguard import FetchError, FetchPolicy, UrlRefused, address_refusal, check_url

__all__ = [
    "FetchError",
    "FetchPolicy",
    "LocalDiskStorage",
    "Storage",
    "UrlRefused",
    "address_refusal",
    "check_url",
    "detect_mime",
    "extension_for",
    "normalize_mime",
    "pdf_page_count",
    "storage_from_url",
    "validate_key",
]
