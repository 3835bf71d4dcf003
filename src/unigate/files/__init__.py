"""File layer: content-based MIME detection, PDF page counts, blob storage, guarded URL fetching."""

from unigate.files.fetch import (
    FetchedFile,
    close_fetch_session,
    create_fetch_session,
    fetch_url,
)
from unigate.files.mime import detect_mime, extension_for, normalize_mime
from unigate.files.pdf import pdf_page_count
from unigate.files.storage import LocalDiskStorage, Storage, storage_from_url, validate_key
from unigate.files.urlguard import FetchError, FetchPolicy, UrlRefused, address_refusal, check_url

__all__ = [
    "FetchError",
    "FetchPolicy",
    "FetchedFile",
    "LocalDiskStorage",
    "Storage",
    "UrlRefused",
    "address_refusal",
    "check_url",
    "close_fetch_session",
    "create_fetch_session",
    "detect_mime",
    "extension_for",
    "fetch_url",
    "normalize_mime",
    "pdf_page_count",
    "storage_from_url",
    "validate_key",
]
