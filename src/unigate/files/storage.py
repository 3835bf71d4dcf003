"""Blob storage for uploaded files: a small async interface and its local-disk implementation."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import unquote, urlsplit


@runtime_checkable
class Storage(Protocol):
    """Where file bytes live. Keys are opaque ids chosen by the caller (see ``validate_key``)."""

    async def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing any previous value atomically."""

    async def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises FileNotFoundError when there are none."""

    async def delete(self, key: str) -> None:
        """Remove ``key``; deleting a missing key is not an error."""

    async def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""

    def local_path(self, key: str) -> Path | None:
        """Where the bytes of ``key`` live on disk (for tools that need a path), None for remote stores."""


# No separators, no leading dot: a key can never climb out of the root or hit a temp file.
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe storage key, else raise ValueError."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"invalid storage key {key!r}: use 1-200 of [A-Za-z0-9._-], not starting with '.'")
    return key


class LocalDiskStorage:
    """Files under ``root/<key[0:2]>/<key[2:4]>/<key>``.

    Sharding by key prefix keeps directories small when keys are random ids (uuid4 hex and the
    like). Writes go to a temp file in the target directory and are renamed into place, so a
    crash never leaves a half-written file under a key's name.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()

    def __repr__(self) -> str:
        return f"LocalDiskStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        validate_key(key)
        padded = key.ljust(4, "_")
        return self.root / padded[0:2] / padded[2:4] / key

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(_write_atomic, self._path(key), data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Leading dot: temp names can never collide with a valid key.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())  # data on disk before the rename makes it visible
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    # Persist the rename itself; not possible on every platform (e.g. Windows), hence best effort.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def storage_from_url(url: str, s3_access_key: tuple[str, str] | None = None) -> Storage:
    """Storage for a configuration value: ``file:///path`` or a plain path.

    ``s3://bucket/prefix?endpoint=...`` selects S3-compatible storage (unigate.files.s3); other
    schemes raise ValueError.
    """
    if not url or not url.strip():
        raise ValueError("empty storage URL")
    url = url.strip()
    parts = urlsplit(url)
    # A one-letter "scheme" is a Windows drive (C:\data), i.e. a plain path.
    if not parts.scheme or len(parts.scheme) == 1:
        return LocalDiskStorage(Path(url))
    if parts.scheme.lower() == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"file storage URL must be local (file:///path), got host {parts.netloc!r}")
        if not parts.path:
            raise ValueError(f"file storage URL has no path: {url!r}")
        return LocalDiskStorage(Path(unquote(parts.path)))
    if parts.scheme.lower() == "s3":  # imported here: botocore is an optional extra (`s3`)
        from unigate.files.s3 import s3_from_url

        return s3_from_url(url, s3_access_key)
    raise ValueError(
        f"unsupported storage URL scheme {parts.scheme!r} in {url!r}: "
        "use file:///path, a plain path or s3://bucket/prefix"
    )
