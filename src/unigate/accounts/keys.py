"""API keys: random secrets shown once, stored as SHA-256 hashes.

The secrets carry 256 bits of entropy, so a fast hash is enough (no password stretching needed)
and keeps authentication off the hot path's budget.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from unigate.db.database import Database
from unigate.db.tables import api_keys

KEY_PREFIX = "ug_"
_CACHE_TTL_S = 30.0


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    prefix: str
    is_admin: bool
    created_at: float
    revoked_at: float | None = None


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}

    async def create(self, name: str, *, is_admin: bool = False) -> tuple[ApiKey, str]:
        """Create a key; returns it with its secret (the only time the secret exists in clear)."""
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(uuid.uuid4().hex, name, secret[:10], is_admin, time.time())

        def insert(conn: Connection) -> None:
            conn.execute(
                api_keys.insert().values(
                    id=key.id,
                    name=key.name,
                    prefix=key.prefix,
                    key_hash=hash_key(secret),
                    is_admin=key.is_admin,
                    created_at=key.created_at,
                )
            )

        await self.db.write(insert)
        return key, secret

    async def authenticate(self, secret: str) -> ApiKey | None:
        digest = hash_key(secret)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        row = await self.db.read(
            lambda conn: conn.execute(
                select(api_keys).where(api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None))
            ).first()
        )
        key = _row_to_key(row) if row is not None else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + _CACHE_TTL_S, key)
        return key

    async def list(self) -> list[ApiKey]:
        rows = await self.db.read(
            lambda conn: conn.execute(select(api_keys).order_by(api_keys.c.created_at)).all()
        )
        return [_row_to_key(r) for r in rows]

    async def revoke(self, key_id_or_prefix: str) -> bool:
        def do(conn: Connection) -> int:
            res = conn.execute(
                update(api_keys)
                .where(
                    (api_keys.c.id == key_id_or_prefix) | (api_keys.c.prefix == key_id_or_prefix),
                    api_keys.c.revoked_at.is_(None),
                )
                .values(revoked_at=time.time())
            )
            return int(res.rowcount)

        changed = await self.db.write(do) > 0
        self._cache.clear()
        return changed

    async def count_active(self) -> int:
        value = await self.db.read(
            lambda conn: conn.scalar(
                select(func.count()).select_from(api_keys).where(api_keys.c.revoked_at.is_(None))
            )
        )
        return int(value or 0)

    async def ensure_secret(self, secret: str, name: str = "admin") -> bool:
        """Register a configured admin secret if it is not known yet; True when created."""
        if await self.authenticate(secret) is not None:
            return False
        key = ApiKey(uuid.uuid4().hex, name, secret[:10], True, time.time())

        def insert(conn: Connection) -> None:
            conn.execute(
                api_keys.insert().values(
                    id=key.id,
                    name=name,
                    prefix=key.prefix,
                    key_hash=hash_key(secret),
                    is_admin=True,
                    created_at=key.created_at,
                )
            )

        await self.db.write(insert)
        self._cache.clear()
        return True


def _row_to_key(row: object) -> ApiKey:
    m = row._mapping  # type: ignore[attr-defined]
    return ApiKey(m["id"], m["name"], m["prefix"], bool(m["is_admin"]), m["created_at"], m["revoked_at"])
