"""Uploaded files: metadata in the database, bytes in a storage backend, visible to their owner only."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.engine import Connection

from unigate.db.database import Database
from unigate.db.tables import files
from unigate.engine.envelope import iso
from unigate.engine.executor import FileMeta
from unigate.files.media import media_duration
from unigate.files.mime import detect_mime
from unigate.files.pdf import pdf_page_count
from unigate.files.signing import UrlSigner
from unigate.files.storage import Storage
from unigate.files.urlguard import FetchPolicy, check_url
from unigate.providers.base import Artifact, LoadedFile

DAY_S = 86_400.0

# Prebuilt statements (parameters bound per call): compiled once, not per request.
_INSERT_FILE = files.insert()
_SELECT_FILE = select(files).where(
    files.c.id == bindparam("id"),
    files.c.owner_key_id == bindparam("owner"),
    files.c.expires_at > bindparam("now"),
)


@dataclass(frozen=True, slots=True)
class FileRecord:
    id: str
    owner_key_id: str
    name: str
    size: int
    mime: str
    purpose: str
    storage_key: str
    page_count: int | None
    created_at: float
    expires_at: float
    duration_s: float | None = None

    def public(self) -> dict[str, Any]:
        """The upload answer of the reference API."""
        return {
            "file_id": self.id,
            "file_name": self.name,
            "file_size": self.size,
            "file_mimetype": self.mime,
            "purpose": self.purpose,
            "created_at": iso(self.created_at),
            "metadata": {"page_count": self.page_count},
            "expires_at": iso(self.expires_at),
        }

    @classmethod
    def from_row(cls, row: Any) -> FileRecord:
        m = row._mapping
        return cls(**{name: m[name] for name in cls.__dataclass_fields__})


class FileService:
    """Uploads plus URL inputs; implements what the engine needs (`FileAccess`)."""

    def __init__(self, db: Database, storage: Storage, policy: FetchPolicy, signer: UrlSigner) -> None:
        self.db = db
        self.storage = storage
        self.policy = policy
        self.signer = signer

    async def upload(
        self,
        owner_id: str,
        data: bytes,
        filename: str | None,
        *,
        purpose: str = "general",
        expires_in_days: int = 30,
    ) -> FileRecord:
        mime = detect_mime(data, filename)
        page_count = await asyncio.to_thread(pdf_page_count, data) if mime == "application/pdf" else None
        duration = await asyncio.to_thread(media_duration, data, mime)
        now = time.time()
        file_id = str(uuid.uuid4())
        record = FileRecord(
            id=file_id,
            owner_key_id=owner_id,
            name=(filename or file_id)[:500],
            size=len(data),
            mime=mime,
            purpose=purpose,
            storage_key=file_id.replace("-", ""),
            page_count=page_count,
            created_at=now,
            expires_at=now + expires_in_days * DAY_S,
            duration_s=duration,
        )
        # Bytes first, row second: a crash in between leaves an orphan blob, never a row without bytes.
        await self.storage.put(record.storage_key, data)

        row = {k: getattr(record, k) for k in record.__dataclass_fields__}

        def insert(conn: Connection) -> None:
            conn.execute(_INSERT_FILE, row)

        try:
            await self.db.write(insert)
        except BaseException:
            await self.storage.delete(record.storage_key)
            raise
        return record

    async def record(self, owner_id: str, file_id: str) -> FileRecord | None:
        now = time.time()
        row = await self.db.read(
            lambda conn: conn.execute(_SELECT_FILE, {"id": file_id, "owner": owner_id, "now": now}).first()
        )
        return FileRecord.from_row(row) if row is not None else None

    async def meta(self, owner_id: str, file_id: str) -> FileMeta | None:
        rec = await self.record(owner_id, file_id)
        if rec is None:
            return None
        return FileMeta(rec.id, rec.name, rec.size, rec.mime, rec.page_count, rec.duration_s)

    async def load(self, owner_id: str, file_id: str) -> LoadedFile:
        from unigate.providers.errors import ProviderInvalidInput

        rec = await self.record(owner_id, file_id)
        if rec is None:
            raise ProviderInvalidInput(f"file {file_id!r} not found (deleted or expired)")
        data = await self.storage.get(rec.storage_key)
        return LoadedFile(
            data, rec.mime, rec.name, self.storage.local_path(rec.storage_key), rec.page_count, rec.duration_s
        )

    async def delete(self, owner_id: str, file_ids: list[str]) -> int:
        rows = await self.db.read(
            lambda conn: conn.execute(
                select(files.c.id, files.c.storage_key).where(
                    files.c.id.in_(file_ids), files.c.owner_key_id == owner_id
                )
            ).all()
        )
        if not rows:
            return 0
        ids = [r[0] for r in rows]

        def drop(conn: Connection) -> int:
            res = conn.execute(delete(files).where(files.c.id.in_(ids), files.c.owner_key_id == owner_id))
            return int(res.rowcount)

        count = await self.db.write(drop)
        for _, key in rows:
            await self.storage.delete(key)
        return count

    async def purge_expired(self) -> int:
        now = time.time()
        rows = await self.db.read(
            lambda conn: conn.execute(
                select(files.c.id, files.c.storage_key).where(files.c.expires_at <= now)
            ).all()
        )
        if not rows:
            return 0
        ids = [r[0] for r in rows]

        def drop(conn: Connection) -> int:
            res = conn.execute(delete(files).where(files.c.id.in_(ids)))
            return int(res.rowcount)

        count = await self.db.write(drop)
        for _, key in rows:
            await self.storage.delete(key)
        return count

    async def publish(self, owner_id: str, artifact: Artifact) -> str:
        """Store a file a provider produced for `owner_id`; returns its signed download URL."""
        record = await self.upload(owner_id, artifact.data, artifact.name, purpose="generated")
        return self.signer.url(record.id)

    async def content(self, file_id: str) -> tuple[FileRecord, bytes] | None:
        """A file by id whoever owns it (the caller checked a signature or the owner)."""
        now = time.time()
        row = await self.db.read(
            lambda conn: conn.execute(
                select(files).where(files.c.id == file_id, files.c.expires_at > now)
            ).first()
        )
        if row is None:
            return None
        record = FileRecord.from_row(row)
        return record, await self.storage.get(record.storage_key)

    async def check_url(self, url: str) -> None:
        await check_url(url, self.policy)

    async def fetch(self, url: str) -> LoadedFile:
        from unigate.files.fetch import fetch_url  # aiohttp loads on the first URL input

        fetched = await fetch_url(url, self.policy)
        page_count = (
            await asyncio.to_thread(pdf_page_count, fetched.data)
            if fetched.mime == "application/pdf"
            else None
        )
        duration = await asyncio.to_thread(media_duration, fetched.data, fetched.mime)
        return LoadedFile(fetched.data, fetched.mime, fetched.name, None, page_count, duration)
