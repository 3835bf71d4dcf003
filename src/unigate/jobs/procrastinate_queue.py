"""The distributed backend: Procrastinate on PostgreSQL delivers jobs; the job table stays the truth.

- Enqueue inserts the job row and defers the Procrastinate job in ONE SQLAlchemy transaction
  (calling Procrastinate's own `procrastinate_defer_jobs_v1` SQL function), so an accepted job can
  never be lost between two systems. The Procrastinate job carries only the job id, with
  `queueing_lock` = job id: at most one waiting delivery per job.
- A run claims the job row (state queued|running -> running, attempts + 1) before calling the task
  code; a job row already `done` is a no-op, so a duplicate delivery never runs a job twice to
  completion (and `JobStore.complete` records only the first end anyway).
- Re-polls and retries (`reschedule`) update the row and defer a new Procrastinate job with
  `scheduled_at` = now + delay, in one transaction: a chain of short jobs, never an in-task sleep.
  A waiting delivery already there is replaced (the newest schedule wins).
- Crashed workers: Procrastinate workers heartbeat; a periodic sweep re-queues a delivery held by
  a worker whose heartbeat is stale, but only when it is the job's last one: a worker killed
  after deferring the job's next re-poll leaves a stale delivery beside a newer one, and reviving
  it would run the job twice at once. Each such decision holds the job row's lock, as `reschedule`
  and the claim do. A job over `max_attempts` runs ends `fail`.
- Cancellation: a queued job ends at once; a running one is flagged and its Procrastinate job
  aborted, which cancels the asyncio task in whichever worker runs it.
- Transient database errors inside a run (claiming the job, or recording its end after the task
  code failed) are retried by Procrastinate with exponential backoff capped at a minute, for as
  long as the outage lasts (`procrastinate_retry.py`), like a lost lease is re-run by the table
  queue. Finished Procrastinate rows are deleted (successful at once, others by the periodic
  cleanup).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import socket
import time
import uuid
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.engine import Connection, make_url

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

if TYPE_CHECKING:
    import procrastinate

log = logging.getLogger(__name__)

TASK_NAME = "unigate.run_job"
JOBS_PER_FETCHER = 25
MAX_FETCHERS = 8
QUEUES = ("io", "cpu", "gpu")

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, :lock, CAST(:args AS jsonb), "
    "to_timestamp(:at))::procrastinate_job_to_defer_v1])"
)
# Abort whatever delivery of this job exists (waiting or running); procrastinate_cancel_job_v1
# cancels a `todo` job and flags a `doing` one for abortion (its worker cancels the task).
_ABORT = text(
    "SELECT procrastinate_cancel_job_v1(id, true, false) FROM procrastinate_jobs "
    "WHERE queueing_lock = :lock AND status IN ('todo', 'doing')"
)
# A delivery `j` held by a worker `w` whose heartbeat is stale or that is gone (Procrastinate's own
# definition of a stalled job).
_HELD_BY_STALLED_WORKER = (
    "FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id WHERE j.status = "
    "'doing' AND (w.id IS NULL OR w.last_heartbeat < NOW() - make_interval(secs => :after))"
)
_STALLED = text(f"SELECT j.id, j.queueing_lock {_HELD_BY_STALLED_WORKER}")
# The same, for one delivery, locked: another sweeper may have re-queued it since it was listed.
_STILL_STALLED = text(f"SELECT j.id {_HELD_BY_STALLED_WORKER} AND j.id = :id FOR UPDATE OF j")
# Other deliveries of the same job that will still run it: waiting, or held by a live worker.
_LIVE_SIBLINGS = text(
    "SELECT count(*) FROM procrastinate_jobs j LEFT JOIN procrastinate_workers w ON w.id = j.worker_id "
    "WHERE j.queueing_lock = :lock AND j.id <> :id AND (j.status = 'todo' OR (j.status = 'doing' "
    "AND w.last_heartbeat >= NOW() - make_interval(secs => :after)))"
)
# Re-queue a stalled delivery now. A pending abort is cleared first (a waiting delivery cannot
# carry one): the run that follows sees the job's own `cancel_requested` and ends it cancelled.
_CLEAR_ABORT = text(
    "UPDATE procrastinate_jobs SET abort_requested = false WHERE id = :id AND status = 'doing'"
)
_REQUEUE = text("SELECT procrastinate_retry_job_v2(:id, NOW(), NULL, NULL, NULL)")
_DROP_DELIVERY = text("SELECT procrastinate_finish_job_v1(:id, 'failed', true)")
_DROP_WAITING = text("DELETE FROM procrastinate_jobs WHERE queueing_lock = :lock AND status = 'todo'")
_CLEANUP = text(
    "DELETE FROM procrastinate_jobs WHERE status IN ('succeeded', 'failed', 'cancelled', 'aborted') "
    "AND NOT EXISTS (SELECT 1 FROM procrastinate_events e WHERE e.job_id = procrastinate_jobs.id "
    "AND e.at > NOW() - make_interval(secs => :keep_s))"
)
_MIGRATION_LOCK = 0x756E6968


def conninfo(url: str) -> str:
    """A libpq connection string for Procrastinate's own pool, from the SQLAlchemy URL."""
    u = make_url(url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def _has_schema(conn: Connection) -> bool:
    return inspect(conn).has_table("procrastinate_jobs")


def apply_schema(db: Database) -> bool:
    """Install Procrastinate's tables and functions (`unigate migrate`); True when applied now."""
    from procrastinate.schema import SchemaManager

    def run(conn: Connection) -> bool:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        if _has_schema(conn):
            return False
        conn.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))
        return True

    return db.run_sync(run)


def check_schema(db: Database) -> None:
    from unigate.db.migrate import SchemaOutdated

    with db.engine.connect() as conn:
        if not _has_schema(conn):
            raise SchemaOutdated(
                "the Procrastinate queue schema is missing: run `unigate migrate` "
                "(with the same UNIGATE_DATABASE_URL) before starting servers and workers"
            )


class ProcrastinateJobQueue(JobQueue):
    def __init__(
        self,
        db: Database,
        store: JobStore,
        *,
        concurrency: dict[str, int],
        max_attempts: int = 3,
        heartbeat_s: float = 10.0,
        stalled_after_s: float = 30.0,
        sweep_s: float = 10.0,
        poll_s: float = 5.0,
        keep_finished_s: float = 24 * 3600.0,
        stop_timeout_s: float = 5.0,
    ) -> None:
        self.db = db
        self.store = store
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.heartbeat_s = heartbeat_s
        self.stalled_after_s = stalled_after_s
        self.sweep_s = sweep_s
        self.poll_s = poll_s
        self.keep_finished_s = keep_finished_s
        self.stop_timeout_s = stop_timeout_s
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._app: procrastinate.App | None = None

    # ------------------------------------------------------------------ producer side

    async def enqueue(self, job: NewJob) -> None:
        row = {
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
            "run_at": time.time(),
            "attempts": 0,
            "cancel_requested": False,
            "cost": "0.000",
            "webhook_receiver": job.webhook_receiver,
            "user_webhook_parameters": job.user_webhook_parameters,
            "created_at": job.created_at,
        }

        def do(conn: Connection) -> None:
            conn.execute(jobs.insert(), row)
            conn.execute(_DEFER, self._defer_params(job.id, job.queue, 0.0))

        await self.db.write(do)

    @staticmethod
    def _defer_params(job_id: str, queue: str, delay_s: float) -> dict[str, Any]:
        return {
            "queue": queue,
            "task": TASK_NAME,
            "lock": job_id,
            "args": json.dumps({"job_id": job_id}),
            "at": time.time() + max(0.0, delay_s),
        }

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

        def do(conn: Connection) -> bool:
            queue = conn.execute(
                update(jobs)
                # Only the run that holds the job (a run whose worker was taken for dead, and
                # whose job was claimed again elsewhere, must not fork the chain of re-polls).
                .where(jobs.c.id == job_id, jobs.c.state == "running", jobs.c.lease_owner == self.worker_id)
                .values(**values)
                .returning(jobs.c.queue)
            ).scalar()
            if queue is None:
                return False
            # A waiting delivery can only be a duplicate here (this run holds the job): replace it.
            conn.execute(_DROP_WAITING, {"lock": job_id})
            conn.execute(_DEFER, self._defer_params(job_id, queue, delay_s))
            return True

        return await self.db.write(do)

    async def request_cancel(self, job_id: str, owner_id: str) -> CancelResult:
        now = time.time()
        mine = (jobs.c.id == job_id, jobs.c.owner_key_id == owner_id)

        def do(conn: Connection) -> CancelResult:
            queued = conn.execute(
                update(jobs)
                .where(*mine, jobs.c.state == "queued")
                .values(status=FAIL, state="done", error=CANCELLED_ERROR, finished_at=now)
            )
            if queued.rowcount:
                conn.execute(_ABORT, {"lock": job_id})
                return "cancelled"
            running = conn.execute(
                update(jobs).where(*mine, jobs.c.state == "running").values(cancel_requested=True)
            )
            if running.rowcount:
                conn.execute(_ABORT, {"lock": job_id})
                return "cancelling"
            exists = conn.scalar(select(func.count()).select_from(jobs).where(*mine))
            return "finished" if exists else "not_found"

        return await self.db.write(do)

    # ------------------------------------------------------------------ worker side

    def _make_app(self, handler: JobHandler) -> procrastinate.App:
        import procrastinate
        from procrastinate.job_context import AbortReason, JobContext

        from unigate.jobs.procrastinate_retry import UntilTheDatabaseIsBack

        fetchers = sum(_fetchers(limit) for limit in self.concurrency.values() if limit > 0)
        # Each fetch loop holds a connection per round trip; job status updates and the sweep
        # need a few more.
        connector = procrastinate.PsycopgConnector(
            conninfo=conninfo(self.db.url), min_size=2, max_size=fetchers + 4
        )
        app = procrastinate.App(connector=connector)

        @app.task(name=TASK_NAME, pass_context=True, retry=UntilTheDatabaseIsBack())
        async def run_job(context: JobContext, job_id: str) -> None:
            try:
                await self._run(job_id, handler)
            except asyncio.CancelledError:
                user = context.abort_reason() == AbortReason.USER_REQUEST
                await asyncio.shield(self._interrupted(job_id, user_cancelled=user))
                raise

        return app

    async def run(self, handler: JobHandler) -> None:
        """Run one Procrastinate worker per queue until cancelled; then stop them gracefully.

        Stopping uses Procrastinate's own API (`Worker.stop()`): each worker stops fetching,
        aborts its running jobs (which hands them back, see `_interrupted`) and unregisters. That
        is bounded by `stop_timeout_s`; a worker still busy after it is cancelled outright, so a
        cancelled `run` always returns and never leaves tasks behind on the event loop.
        """
        from procrastinate.worker import Worker

        self._app = app = self._make_app(handler)
        try:
            await app.open_async()
        except BaseException:
            # Cancelled (or failed) while the pool was still connecting: psycopg's pool keeps its
            # worker tasks running unless it is closed, which would hang the loop's shutdown.
            await _close_app(app)
            raise
        try:
            app.perform_import_paths()  # type: ignore[no-untyped-call]
            workers = [
                Worker(
                    app=app,
                    queues=[queue],
                    concurrency=max(1, limit // _fetchers(limit)),
                    name=f"{self.worker_id}:{queue}:{n}",
                    wait=True,
                    install_signal_handlers=False,
                    delete_jobs="successful",  # cleanup: finished deliveries leave no row
                    update_heartbeat_interval=self.heartbeat_s,
                    stalled_worker_timeout=self.stalled_after_s,
                    fetch_job_polling_interval=self.poll_s,
                    abort_job_polling_interval=1.0,  # a cancel reaches a running job within 1 s
                    shutdown_graceful_timeout=0,
                    # No LISTEN connection: its task can outlive cancellation (psycopg's notifies()
                    # generator) and hang the event loop's shutdown; polling every poll_s instead.
                    listen_notify=False,
                )
                for queue, limit in self.concurrency.items()
                if limit > 0
                for n in range(_fetchers(limit))
            ]
            tasks = [asyncio.create_task(w.run(), name=f"procrastinate-worker-{w.queues}") for w in workers]  # type: ignore[no-untyped-call]
            sweeper = asyncio.create_task(self._sweep_loop(), name="unigate-procrastinate-sweep")
            try:
                # Normally forever; returns early only when a worker dies (its error is re-raised).
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
                for task in done:
                    task.result()
            finally:
                sweeper.cancel()
                await _stop_workers(workers, tasks, self.stop_timeout_s)
                await _stop_tasks([*tasks, sweeper], 0.0)
        finally:
            await _close_app(app)

    async def _claim(self, job_id: str) -> Job | None:
        now = time.time()

        def do(conn: Connection) -> Job | None:
            row = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.state.in_(("queued", "running")))
                .values(
                    state="running",
                    lease_owner=self.worker_id,
                    attempts=jobs.c.attempts + 1,
                    started_at=func.coalesce(jobs.c.started_at, now),
                )
                .returning(*jobs.c)
            ).first()
            return Job.from_row(row) if row is not None else None

        return await self.db.write(do)

    async def _run(self, job_id: str, handler: JobHandler) -> None:
        claim = asyncio.ensure_future(self._claim(job_id))
        try:
            job = await asyncio.shield(claim)
        except asyncio.CancelledError:
            # The claim is a write in a database thread: it commits even when this run stops
            # waiting for it. Let it settle, so that the hand-back that follows sees the job as
            # claimed (else the job would stay `running` with no delivery left to run it).
            with contextlib.suppress(Exception):
                await claim
            raise
        except Exception as exc:
            raise TransientFailure(str(exc)) from exc
        if job is None:  # already finished (or cancelled): a late or duplicate delivery
            return
        if job.cancel_requested:
            await self.store.fail(job, CANCELLED_ERROR)
            return
        if job.attempts > self.max_attempts:
            await self.store.fail(
                job,
                interrupted_error(job.attempts),
            )
            return
        try:
            await handler(job)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s handler crashed", job.id)
            try:
                await self.store.fail(job, INTERNAL_ERROR)
            except Exception as exc:  # the database is away (likely why the handler failed): run again
                raise TransientFailure(str(exc)) from exc

    async def _interrupted(self, job_id: str, *, user_cancelled: bool) -> None:
        job = await self.store.get(job_id)
        if job is None or job.state == "done":
            return
        if user_cancelled or job.cancel_requested:
            await self.store.fail(job, CANCELLED_ERROR)
        else:  # shutting down: hand the job back so another worker picks it up at once
            await self.reschedule(job_id, delay_s=0, reset_attempts=False)

    async def _sweep_loop(self) -> None:
        last_cleanup = 0.0
        while True:
            await asyncio.sleep(self.sweep_s)
            try:
                await self.retry_stalled()
                if time.monotonic() - last_cleanup > 600:
                    last_cleanup = time.monotonic()
                    await self.db.write(lambda c: c.execute(_CLEANUP, {"keep_s": self.keep_finished_s}))
            except Exception:
                log.exception("procrastinate sweep failed")

    async def retry_stalled(self) -> int:
        """Re-queue the deliveries held by workers whose heartbeat stopped (kill -9, lost machine)
        when they are their job's last; drop the others. Returns how many were re-queued."""
        after = {"after": self.stalled_after_s}
        stalled = await self.db.read(lambda c: c.execute(_STALLED, after).all())
        requeued = 0
        for delivery_id, job_id in stalled:
            try:
                outcome = await self.db.write(
                    functools.partial(self._recover, delivery_id=delivery_id, job_id=job_id)
                )
            except Exception:  # one delivery's trouble must not keep the others stalled
                log.exception("recovering the stalled delivery %s of job %s failed", delivery_id, job_id)
                continue
            if outcome == "requeued":
                requeued += 1
                log.warning("re-queued job %s of a stalled worker", job_id)
            elif outcome == "dropped":
                log.info("dropped the stalled delivery %s of job %s: job over, or a newer one runs it",
                         delivery_id, job_id)  # fmt: skip
        return requeued

    def _recover(
        self, conn: Connection, *, delivery_id: int, job_id: str | None
    ) -> Literal["requeued", "dropped"] | None:
        """Under the job row's lock (as claim and reschedule): "requeued", "dropped", or None when
        the delivery is no longer stalled."""
        state = conn.execute(select(jobs.c.state).where(jobs.c.id == job_id).with_for_update()).scalar()
        params = {"id": delivery_id, "lock": job_id, "after": self.stalled_after_s}
        if conn.execute(_STILL_STALLED, params).first() is None:
            return None
        if state in ("queued", "running") and not conn.execute(_LIVE_SIBLINGS, params).scalar_one():
            conn.execute(_CLEAR_ABORT, params)
            conn.execute(_REQUEUE, params)
            return "requeued"
        conn.execute(_DROP_DELIVERY, params)
        return "dropped"


def _fetchers(concurrency: int) -> int:
    """Procrastinate workers per queue in this process. One worker fetches one job per database
    round trip, which caps it near 1 / round-trip jobs/s (about 100/s measured) whatever its
    concurrency; several fetch loops share the queue's concurrency between them."""
    return max(1, min(MAX_FETCHERS, concurrency // JOBS_PER_FETCHER))


async def _close_app(app: procrastinate.App) -> None:
    try:
        await app.close_async()
    except Exception:
        log.exception("closing the Procrastinate connection pool failed")


async def _stop_workers(workers: list[Any], tasks: list[asyncio.Task[Any]], timeout_s: float) -> None:
    """Ask the workers to stop (Procrastinate's graceful stop) until they have, for `timeout_s`.

    `stop()` is repeated: a worker whose task had not started yet when first asked clears a stop
    request at the start of its `run()`, so one call alone can be lost.
    """
    deadline = time.monotonic() + timeout_s
    pending = {t for t in tasks if not t.done()}
    while pending and time.monotonic() < deadline:
        for w in workers:
            w.stop()
        _, pending = await asyncio.wait(pending, timeout=0.1)


async def _stop_tasks(tasks: list[asyncio.Task[Any]], timeout_s: float) -> None:
    """Wait up to `timeout_s` for tasks asked to stop, then cancel the rest (and wait 1 s more).

    Safe to call from a `finally` that runs because the caller was cancelled: the waits here are
    new awaits, and a second cancellation only cuts them short.
    """
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=timeout_s)
    if pending:
        log.warning("%d queue task(s) still running %g s after stop; cancelling", len(pending), timeout_s)
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=1.0)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())


class TransientFailure(Exception):
    """A failure worth retrying the whole run for (the database was unreachable)."""
