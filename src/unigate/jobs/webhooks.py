"""Completion webhooks: signed POSTs to the job's `webhook_receiver`, retried with backoff.

The job row says a webhook is due (`webhook_status = 'pending'`, set in the same commit that
records the job's end). The sender claims due rows under a short lease (so two processes never
send the same attempt at once), POSTs the payload through the SSRF-guarded session, records every
attempt in `webhook_deliveries`, and on a non-2xx answer schedules the next attempt with
exponential backoff until `max_attempts` (about a day in all), then marks it `failed`.

Signature: RSA-SHA256 (PKCS#1 v1.5) over the exact body bytes, hex-encoded, in
`X-Unigate-Signature` and, for clients written for the reference API, `X-Edenai-Signature`, with
`X-Edenai-Hash-Algorithm: SHA256`. The public key is served at `GET /v3/webhooks/public-key`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from unigate.db.database import Database
from unigate.db.tables import jobs, webhook_deliveries
from unigate.engine.envelope import iso
from unigate.files.urlguard import FetchPolicy, UrlRefused, check_url

log = logging.getLogger(__name__)

_LEASE_S = 60.0
_TIMEOUT_S = 10.0


class WebhookSigner:
    """An RSA key pair kept in the data folder (created on first start, private key mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: Any = None
        self._public_pem = ""

    def _load(self) -> None:
        # Loaded on first use: a server that never sends a webhook does not pay for RSA at start.
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        path = self.path
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole under a temporary name, then linked in place: processes sharing the
            # folder that start at once end with one key, and none reads a half-written file.
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, pem)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # fails if another process got there first: use its key
            except FileExistsError:
                key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            finally:
                tmp.unlink(missing_ok=True)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} does not hold an RSA private key")
        self._key = key
        self._public_pem = (
            key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        )

    @property
    def public_pem(self) -> str:
        if self._key is None:
            self._load()
        return self._public_pem

    def sign(self, body: bytes) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        if self._key is None:
            self._load()
        return str(self._key.sign(body, padding.PKCS1v15(), hashes.SHA256()).hex())


def payload(row: Any) -> dict[str, Any]:
    return {
        "event": "async_job_completed",
        "job_id": row.id,
        "status": row.status,
        "feature": row.feature,
        "subfeature": row.subfeature,
        "provider": row.provider,
        "model": row.model,
        "created_at": iso(row.created_at),
        "finished_at": iso(row.finished_at) if row.finished_at else None,
        "output": row.output,
        "error": row.error,
        "cost": row.cost,
        "user_parameters": row.user_webhook_parameters,
    }


def backoff_s(attempt: int) -> float:
    """Delay before attempt `attempt + 1`: 5 s, 10 s, 20 s ... capped at 2 h."""
    return float(min(7200, 5 * 2 ** (attempt - 1)))


_CLAIM = (
    update(jobs)
    .where(
        jobs.c.id.in_(
            select(jobs.c.id)
            .where(jobs.c.webhook_status == "pending", jobs.c.webhook_next_at <= bindparam("b_now"))
            .order_by(jobs.c.webhook_next_at)
            .limit(bindparam("b_limit"))
            .scalar_subquery()
        )
    )
    .values(webhook_next_at=bindparam("b_lease"), webhook_attempts=jobs.c.webhook_attempts + 1)
    .returning(*jobs.c)
)


class WebhookSender:
    def __init__(
        self,
        db: Database,
        signer: WebhookSigner,
        policy: FetchPolicy,
        *,
        max_attempts: int = 12,
        poll_s: float = 0.5,
        concurrency: int = 50,
    ) -> None:
        self.db = db
        self.signer = signer
        self.policy = policy
        self.max_attempts = max_attempts
        self.poll_s = poll_s
        self.concurrency = concurrency
        self.wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                sent = await self.send_due()
            except Exception:
                log.exception("webhook sender loop failed; retrying")
                sent = 0
            if not sent:
                self.wake.clear()
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel that
                # arrives as the event is set, and the sender would never stop.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_s):
                        await self.wake.wait()

    async def send_due(self) -> int:
        now = time.time()
        params = {"b_now": now, "b_limit": self.concurrency, "b_lease": now + _LEASE_S}
        rows = await self.db.write(lambda conn: conn.execute(_CLAIM, params).all())
        if rows:
            await asyncio.gather(*(self._deliver(row) for row in rows))
        return len(rows)

    async def _deliver(self, row: Any) -> None:
        body = orjson.dumps(payload(row))
        signature = self.signer.sign(body)
        headers = {
            "Content-Type": "application/json",
            "X-Unigate-Signature": signature,
            "X-Edenai-Signature": signature,
            "X-Edenai-Hash-Algorithm": "SHA256",
            "X-Unigate-Event": "async_job_completed",
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            await check_url(row.webhook_receiver, self.policy)  # the address may have changed since
            from unigate.files.fetch import guarded_session

            session = guarded_session(self.policy)
            async with asyncio.timeout(_TIMEOUT_S):
                async with session.post(
                    row.webhook_receiver, data=body, headers=headers, allow_redirects=False
                ) as r:
                    status = r.status
                    await r.read()
        except UrlRefused as exc:
            error = f"refused: {exc}"
        except TimeoutError:
            error = f"no answer within {_TIMEOUT_S:g} s"
        except Exception as exc:  # connection refused, reset, TLS...
            error = f"{type(exc).__name__}: {exc}"
        ok = status is not None and 200 <= status < 300
        attempt = int(row.webhook_attempts)
        done_status = "delivered" if ok else ("failed" if attempt >= self.max_attempts else "pending")
        next_at = None if done_status != "pending" else time.time() + backoff_s(attempt)
        record = {
            "job_id": row.id,
            "attempt": attempt,
            "at": time.time(),
            "status_code": status,
            "error": error if not ok else None,
            "duration_ms": (time.monotonic() - started) * 1000,
        }

        def save(conn: Connection) -> None:
            conn.execute(insert(webhook_deliveries), record)
            conn.execute(
                update(jobs)
                .where(jobs.c.id == row.id)
                .values(webhook_status=done_status, webhook_next_at=next_at)
            )

        await self.db.write(save)


async def deliveries(db: Database, job_id: str) -> list[dict[str, Any]]:
    rows = await db.read(
        lambda conn: conn.execute(
            select(webhook_deliveries)
            .where(webhook_deliveries.c.job_id == job_id)
            .order_by(webhook_deliveries.c.attempt)
        ).all()
    )
    return [
        {
            "attempt": r.attempt,
            "at": iso(r.at),
            "status_code": r.status_code,
            "error": r.error,
            "duration_ms": round(r.duration_ms, 1),
        }
        for r in rows
    ]
