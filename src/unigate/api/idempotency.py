"""`Idempotency-Key` on POST /v3/universal-ai and /v3/universal-ai/async, shared by the FastAPI
routes and the fast lane so both behave the same.

The first request with a key claims it in the database (insert-first on a primary key scoped to the
API key), so concurrent duplicates cannot both run: the loser gets 409 until the first finishes.
A replay with the same body returns the stored sync envelope, or the same async job as it is now;
the same key with another body is a 422. A sync answer is kept only when it succeeded: after a
failure the key is released, so the client may retry with it.

Crashes: a process killed between the claim and its end leaves the key `processing`. An async claim
carries the job id it will use, so a later request finds out whether the job was committed (then
it is that job) or not; a claim older than `stale_after_s` whose work never landed is taken over
(compare-and-set on its `created_at`), so the client's retry is served instead of a 409 forever.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel
from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from unigate.db.database import Database
from unigate.db.tables import idempotency_keys as t
from unigate.engine.errors import RequestError

RawHeaders = list[tuple[bytes, bytes]]  # ASGI's scope["headers"]
Answer = tuple[int, Any, RawHeaders]
MAX_KEY_LEN = 255


def header(raw: RawHeaders, name: bytes) -> str | None:
    for key, value in raw:
        if key == name:
            return value.decode("latin-1")
    return None


def request_hash(endpoint: str, body: BaseModel) -> str:
    """Hash of the canonical JSON of the parsed body: key order and spacing do not matter."""
    canonical = orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(endpoint.encode() + b"\n" + canonical).hexdigest()


@dataclass(frozen=True, slots=True)
class Claimed:
    request_hash: str
    status: str
    response_status: int | None
    response: Any
    job_id: str | None
    created_at: float


class IdempotencyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def _where(self, owner: str, key: str) -> Any:
        return and_(t.c.owner_key_id == owner, t.c.key == key)

    async def claim(
        self, owner: str, key: str, digest: str, ttl_s: float, job_id: str | None = None
    ) -> Claimed | None:
        """Claim the key (None), or return the live row that already holds it. `job_id`: the id
        the async job will have, recorded with the claim (see the module's note on crashes)."""
        now = time.time()

        def run(conn: Connection) -> Claimed | None:
            row = conn.execute(select(t).where(self._where(owner, key))).first()
            if row is not None and row.expires_at > now:
                return _claimed(row)
            if row is not None:  # expired: the key is free again
                conn.execute(delete(t).where(self._where(owner, key)))
            conn.execute(
                t.insert().values(
                    owner_key_id=owner,
                    key=key,
                    request_hash=digest,
                    status="processing",
                    job_id=job_id,
                    created_at=now,
                    expires_at=now + ttl_s,
                )
            )
            return None

        try:
            return await self.db.write(run)
        except IntegrityError:  # another replica inserted it between our select and insert
            row = await self.db.read(lambda c: c.execute(select(t).where(self._where(owner, key))).first())
            if row is None:
                raise
            return _claimed(row)

    async def take_over(self, owner: str, key: str, held: Claimed) -> bool:
        """Take a stale `processing` claim (its process died); False when another request did."""
        now = time.time()

        def run(conn: Connection) -> bool:
            res = conn.execute(
                update(t)
                .where(self._where(owner, key), t.c.status == "processing", t.c.created_at == held.created_at)
                .values(created_at=now)
            )
            return bool(res.rowcount)

        return await self.db.write(run)

    async def finish(self, owner: str, key: str, status: int, response: Any, job_id: str | None) -> None:
        values = {"status": "done", "response_status": status, "response": response, "job_id": job_id}
        await self.db.write(lambda c: c.execute(update(t).where(self._where(owner, key)).values(**values)))

    async def release(self, owner: str, key: str) -> None:
        await self.db.write(lambda c: c.execute(delete(t).where(self._where(owner, key))))

    async def purge_expired(self) -> None:
        now = time.time()
        await self.db.write(lambda c: c.execute(delete(t).where(t.c.expires_at <= now)))


async def _held(store: IdempotencyStore, owner: str, key: str) -> Claimed:
    row = await store.db.read(lambda c: c.execute(select(t).where(store._where(owner, key))).first())
    assert row is not None
    return _claimed(row)


def _claimed(row: Any) -> Claimed:
    return Claimed(
        row.request_hash, row.status, row.response_status, row.response, row.job_id, row.created_at
    )


# What runs under a claimed key, given the job id to use (async; None for sync): the answer, the
# job id, and whether to keep the answer.
Run = Callable[[str | None], Awaitable[tuple[Answer, str | None, bool]]]
Replay = Callable[[Claimed], Awaitable[Answer]]
# Async only: whether the job with this id was committed.
Committed = Callable[[str], Awaitable[bool]]


async def idempotent(
    db: Database,
    owner: str,
    raw_headers: RawHeaders,
    endpoint: str,
    body: BaseModel,
    ttl_s: float,
    run: Run,
    replay: Replay,
    *,
    stale_after_s: float,
    committed: Committed | None = None,
) -> Answer:
    """`committed` is given for async submissions (their claims carry the job id); a claim still
    `processing` after `stale_after_s` belonged to a process that died and may be taken over."""
    key = header(raw_headers, b"idempotency-key")
    if key is None:
        return (await run(None))[0]
    key = key.strip()
    if not key or len(key) > MAX_KEY_LEN:
        raise RequestError.field(
            ("header", "Idempotency-Key"),
            f"an Idempotency-Key has 1 to {MAX_KEY_LEN} characters",
            "invalid_idempotency_key",
        )
    digest = request_hash(endpoint, body)
    store = IdempotencyStore(db)
    job_id = str(uuid.uuid4()) if committed is not None else None
    held = await store.claim(owner, key, digest, ttl_s, job_id)
    echo = [(b"idempotency-key", key.encode("latin-1"))]
    if held is not None:
        if held.request_hash != digest:
            raise RequestError.field(
                ("header", "Idempotency-Key"),
                "this Idempotency-Key was already used with a different request body; "
                "use a new key for a new request",
                "idempotency_key_reused",
            )
        if held.status != "done" and held.job_id and committed and await committed(held.job_id):
            # Its process committed the job and died before recording the answer: it is that job.
            await store.finish(owner, key, 202, None, held.job_id)
        elif held.status != "done":
            stale = time.time() - held.created_at > stale_after_s
            if not (stale and await store.take_over(owner, key, held)):
                raise RequestError(
                    409,
                    "a request with this Idempotency-Key is still running; retry after it ends",
                    "idempotency_key_in_progress",
                )
            job_id = held.job_id if committed is not None else None
            held = None
        if held is not None:
            status, payload, headers = await replay(held)
            return status, payload, [*headers, *echo, (b"idempotent-replayed", b"true")]
    try:
        (status, payload, headers), job_id, keep = await run(job_id)
    except Exception:
        if job_id and committed and await committed(job_id):
            # The claim's first process committed this id after all (we had taken over its claim).
            await store.finish(owner, key, 202, None, job_id)
            status, payload, headers = await replay(await _held(store, owner, key))
            return status, payload, [*headers, *echo, (b"idempotent-replayed", b"true")]
        await asyncio.shield(store.release(owner, key))  # nothing was done: the key is free
        raise
    except BaseException:
        await asyncio.shield(store.release(owner, key))
        raise
    if keep:
        await store.finish(owner, key, status, None if job_id else payload, job_id)
    else:
        await store.release(owner, key)
    return status, payload, [*headers, *echo]
