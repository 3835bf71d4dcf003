"""The embedded backend: the job table is the queue.

Enqueue is the INSERT of the job row. The runner claims due jobs with one `UPDATE ... RETURNING`
under a lease, extends the leases of its running jobs with a heartbeat, and re-claims jobs whose
lease expired (a killed process loses nothing). Delays are the `run_at` column; cancellation is a
flag the heartbeat picks up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.engine import Connection

from unigate.db.database import Database
from unigate.db.tables import jobs
from unigate.jobs.queue import (
    CANCELLED_ERROR,
    INTERNAL_ERROR,
    CancelResult,
    JobHandler,
    JobQueue,
    NewJob,
    interrupted_error,
)
from unigate.jobs.store import FAIL, PROCESSING, Job, JobStore, requeue_values

log = logging.getLogger(__name__)

_INSERT_JOB = jobs.insert()
# Due jobs of a queue, and running jobs whose lease expired (their worker died): one statement.
_CLAIMABLE = or_(
    and_(jobs.c.state == "queued", jobs.c.run_at <= bindparam("b_now")),
    and_(jobs.c.state == "running", jobs.c.lease_until < bindparam("b_now")),
)
_DUE = (
    select(jobs.c.id)
    .where(jobs.c.queue == bindparam("b_queue"), _CLAIMABLE)
    .order_by(jobs.c.run_at)
    .limit(bindparam("b_limit"))
)
_CLAIM = (
    update(jobs)
    # The condition again on the outer statement: on a database with concurrent writers
    # (PostgreSQL), a row another claimer took meanwhile is re-checked and skipped, not taken twice.
    .where(jobs.c.id.in_(_DUE.scalar_subquery()), _CLAIMABLE)
    .values(
        state="running",
        lease_owner=bindparam("b_owner"),
        lease_until=bindparam("b_until"),
        attempts=jobs.c.attempts + 1,
        started_at=func.coalesce(jobs.c.started_at, bindparam("b_now")),
    )
    .returning(*jobs.c)
)
_NEXT_RUN_AT = select(func.min(jobs.c.run_at)).where(jobs.c.state == "queued")


class SqliteJobQueue(JobQueue):
    def __init__(
        self,
        db: Database,
        store: JobStore,
        *,
        concurrency: dict[str, int],
        lease_s: float = 30.0,
        heartbeat_s: float = 10.0,
        max_idle_sleep_s: float = 1.0,
        max_attempts: int = 3,
    ) -> None:
        self.db = db
        self.store = store
        self.concurrency = concurrency
        self.lease_s = lease_s
        self.heartbeat_s = heartbeat_s
        self.max_idle_sleep_s = max_idle_sleep_s
        self.max_attempts = max_attempts
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._active: dict[str, asyncio.Task[None]] = {}
        self._active_queue: dict[str, str] = {}
        self._user_cancelled: set[str] = set()

    # ------------------------------------------------------------------ producer side

    async def enqueue(self, job: NewJob) -> None:
        now = time.time()

        params = {
            "id": job.id,
            "owner_key_id": job.owner_key_id,
            "feature": job.feature,
            "subfeature": job.subfeature,
            "provider": job.provider,
            "model": job.model,
            "request": job.request,
            "status": PROCESSING,
            "state": "queued",
            "queue": job.queue,
            "run_at": now,
            "attempts": 0,
            "cancel_requested": False,
            "cost": "0.000",
            "webhook_receiver": job.webhook_receiver,
            "user_webhook_parameters": job.user_webhook_parameters,
            "created_at": job.created_at,
        }

        def insert(conn: Connection) -> None:
            # A prebuilt statement with separate parameters: compiled once, not per job.
            conn.execute(_INSERT_JOB, params)

        await self.db.write(insert)
        self._wake.set()

    async def reschedule(
        self,
        job_id: str,
        *,
        delay_s: float,
        provider_job_id: str | None = None,
        provider_state: dict[str, Any] | None = None,
        reset_attempts: bool = True,
    ) -> bool:
        values = requeue_values(delay_s, provider_job_id, provider_state, reset_attempts)

        def do(conn: Connection) -> int:
            res = conn.execute(
                update(jobs)
                # Only while this worker holds the lease: a worker that lost it (stalled past the
                # lease, the job re-claimed elsewhere) must not put a running job back in the queue.
                .where(jobs.c.id == job_id, jobs.c.state == "running", jobs.c.lease_owner == self.worker_id)
                .values(**values)
            )
            return int(res.rowcount)

        changed = await self.db.write(do) == 1
        if changed:
            self._wake.set()
        return changed

    async def request_cancel(self, job_id: str, owner_id: str) -> CancelResult:
        now = time.time()

        def do(conn: Connection) -> CancelResult:
            queued = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.owner_key_id == owner_id, jobs.c.state == "queued")
                .values(status=FAIL, state="done", error=CANCELLED_ERROR, finished_at=now)
            )
            if queued.rowcount:
                return "cancelled"
            running = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.owner_key_id == owner_id, jobs.c.state == "running")
                .values(cancel_requested=True)
            )
            if running.rowcount:
                return "cancelling"
            exists = conn.scalar(
                select(func.count())
                .select_from(jobs)
                .where(jobs.c.id == job_id, jobs.c.owner_key_id == owner_id)
            )
            return "finished" if exists else "not_found"

        result = await self.db.write(do)
        if result == "cancelling" and job_id in self._active:
            self._cancel_local(job_id)
        return result

    # ------------------------------------------------------------------ worker side

    async def run(self, handler: JobHandler) -> None:
        heartbeat = asyncio.create_task(self._heartbeat_loop(), name="unigate-job-heartbeat")
        try:
            while True:
                try:
                    claimed = await self._claim_and_start(handler)
                    if not claimed:
                        await self._idle()
                except Exception:  # a database hiccup must not stop the runner for good
                    log.exception("job runner loop failed; retrying in 1 s")
                    await asyncio.sleep(1.0)
        finally:
            heartbeat.cancel()
            for task in list(self._active.values()):
                task.cancel()
            if self._active:
                await asyncio.gather(*self._active.values(), return_exceptions=True)

    async def _claim_and_start(self, handler: JobHandler) -> int:
        claimed = 0
        for queue, limit in self.concurrency.items():
            free = limit - sum(1 for q in self._active_queue.values() if q == queue)
            if free <= 0:
                continue
            for job in await self._claim(queue, min(free, 200)):
                claimed += 1
                self._start(job, handler)
        return claimed

    async def _idle(self) -> None:
        self._wake.clear()
        timeout = self.max_idle_sleep_s
        next_at = await self.db.read(lambda conn: conn.scalar(_NEXT_RUN_AT))
        if next_at is not None:
            timeout = min(timeout, max(0.0, float(next_at) - time.time()))
        if timeout <= 0:
            return
        # Not `asyncio.wait_for`: on Python 3.11 it swallows a cancellation (a shutdown) that
        # arrives while the wake event is being set, and the runner would never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._wake.wait()

    async def _claim(self, queue: str, limit: int) -> list[Job]:
        now = time.time()
        params = {
            "b_queue": queue,
            "b_now": now,
            "b_limit": limit,
            "b_owner": self.worker_id,
            "b_until": now + self.lease_s,
        }

        def do(conn: Connection) -> list[Job]:
            return [Job.from_row(r) for r in conn.execute(_CLAIM, params).all()]

        return await self.db.write(do)

    def _start(self, job: Job, handler: JobHandler) -> None:
        task = asyncio.create_task(self._run_one(job, handler), name=f"unigate-job-{job.id}")
        self._active[job.id] = task
        self._active_queue[job.id] = job.queue

        def done(_: asyncio.Task[None]) -> None:
            self._active.pop(job.id, None)
            self._active_queue.pop(job.id, None)
            self._user_cancelled.discard(job.id)
            self._wake.set()

        task.add_done_callback(done)

    async def _run_one(self, job: Job, handler: JobHandler) -> None:
        try:
            if job.cancel_requested:
                await self.store.fail(job, CANCELLED_ERROR)
                return
            if job.attempts > self.max_attempts:
                await self.store.fail(
                    job,
                    interrupted_error(job.attempts),
                )
                return
            await handler(job)
        except asyncio.CancelledError:
            if job.id in self._user_cancelled:
                await asyncio.shield(self.store.fail(job, CANCELLED_ERROR))
            else:  # shutting down: hand the job back so the next start picks it up at once
                await asyncio.shield(self.reschedule(job.id, delay_s=0, reset_attempts=False))
            raise
        except Exception:
            log.exception("job %s handler crashed", job.id)
            await self.store.fail(job, INTERNAL_ERROR)

    def _cancel_local(self, job_id: str) -> None:
        task = self._active.get(job_id)
        if task is not None and not task.done():
            self._user_cancelled.add(job_id)
            task.cancel()

    async def _heartbeat_loop(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            ids = list(self._active)
            if not ids:
                continue
            try:
                await self._heartbeat(ids)
            except Exception:
                log.exception("job heartbeat failed")

    async def _heartbeat(self, ids: list[str]) -> None:
        until = time.time() + self.lease_s

        def do(conn: Connection) -> list[str]:
            conn.execute(
                update(jobs)
                .where(jobs.c.id.in_(ids), jobs.c.lease_owner == self.worker_id, jobs.c.state == "running")
                .values(lease_until=until)
            )
            rows = conn.execute(select(jobs.c.id).where(jobs.c.id.in_(ids), jobs.c.cancel_requested))
            return [r[0] for r in rows]

        for job_id in await self.db.write(do):
            self._cancel_local(job_id)
