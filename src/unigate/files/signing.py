"""Signed, expiring download URLs for files the gateway produced (like the reference's resource URLs)."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path


def load_or_create_secret(path: Path) -> bytes:
    """The server's signing secret: read from `path`, or created there (mode 0600) on first start."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    secret = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secret.hex().encode())
    finally:
        os.close(fd)
    return secret


class UrlSigner:
    def __init__(self, secret: bytes, base_url: str, ttl_s: int) -> None:
        self.secret = secret
        self.base_url = base_url.rstrip("/")
        self.ttl_s = ttl_s

    def _signature(self, file_id: str, expires: int) -> str:
        return hmac.new(self.secret, f"{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def url(self, file_id: str, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + self.ttl_s)
        return (
            f"{self.base_url}/v3/files/{file_id}/content?expires={expires}"
            f"&signature={self._signature(file_id, expires)}"
        )

    def valid(self, file_id: str, expires: int, signature: str, now: float | None = None) -> bool:
        if expires < (time.time() if now is None else now):
            return False
        if not signature.isascii():  # compare_digest refuses non-ASCII str; such a value is wrong anyway
            return False
        return hmac.compare_digest(self._signature(file_id, expires), signature)
