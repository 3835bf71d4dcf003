"""What only the Procrastinate backend has: its schema, and its own delivery rows (one waiting
delivery per job, none left behind once finished). The `JobQueue` contract itself is tested on
every backend, this one included, in tests/test_job_queue.py. Skipped unless
UNIGATE_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tests.pgtest import fresh_database, requires_pg
from unigate.accounts.keys import KeyStore
from unigate.db.database import Database
from unigate.db.migrate import SchemaOutdated, upgrade
from unigate.jobs.procrastinate_queue import TASK_NAME, ProcrastinateJobQueue, apply_schema, check_schema
from unigate.jobs.queue import CANCELLED_ERROR, JobHandler, NewJob
from unigate.jobs.store import Job, JobStore

pytestmark = requires_pg


@pytest.fixture
async def db() -> AsyncIterator[Database]:
    with fresh_database() as url:
        database = Database(url)
        await upgrade(database)
        await database.start()
        try:
            yield database
        finally:
            await database.close()


def _queue(db: Database, keep_finished_s: float = 3600.0) -> ProcrastinateJobQueue:
    return ProcrastinateJobQueue(
        db, JobStore(db), concurrency={"io": 4}, heartbeat_s=0.2, stalled_after_s=1, sweep_s=0.2,
        poll_s=0.1, stop_timeout_s=2, keep_finished_s=keep_finished_s,
    )  # fmt: skip


async def _job(db: Database) -> NewJob:
    key, _ = await KeyStore(db).create("owner")
    return NewJob(
        str(uuid.uuid4()), key.id, "text", "embeddings", "fake", None, {"model": "m"}, "io", time.time()
    )


async def _deliveries(db: Database, job_id: str) -> list[tuple[str, str]]:
    """The job's Procrastinate rows: (status, args)."""
    rows = await db.read(
        lambda c: c.execute(
            text("SELECT status, args::text FROM procrastinate_jobs WHERE queueing_lock = :id ORDER BY id"),
            {"id": job_id},
        ).all()
    )
    return [(r[0], r[1]) for r in rows]


async def _until(predicate: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_schema_is_checked_and_applied_once(db: Database) -> None:
    with pytest.raises(SchemaOutdated):
        check_schema(db)
    assert apply_schema(db) is True
    assert apply_schema(db) is False  # idempotent (`unigate migrate` run again)
    check_schema(db)


async def test_one_waiting_delivery_per_job_and_none_left_when_done(db: Database) -> None:
    apply_schema(db)
    queue, store = _queue(db), JobStore(db)
    new = await _job(db)
    await queue.enqueue(new)
    # One waiting delivery, carrying only the job id (the job table holds the rest).
    [(status, args)] = await _deliveries(db, new.id)
    assert status == "todo" and json.loads(args) == {"job_id": new.id}

    runs: list[int] = []

    async def handler(job: Job) -> None:
        runs.append(job.attempts)
        if len(runs) == 1:  # a re-poll: a new deferred delivery
            assert await queue.reschedule(job.id, delay_s=0.2)
        else:
            await store.complete(
                job.id, status="success", provider="fake", model=None, output={}, original_response=None,
                error=None, cost="0.000",
            )  # fmt: skip

    async def no_rows_left() -> bool:
        return await _deliveries(db, new.id) == []

    task = asyncio.create_task(queue.run(handler))
    try:
        await _until(no_rows_left)  # successful deliveries are deleted at once
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert len(runs) == 2


async def test_cleanup_removes_finished_deliveries(db: Database) -> None:
    apply_schema(db)
    queue = _queue(db, keep_finished_s=0)
    new = await _job(db)
    await queue.enqueue(new)
    assert await queue.request_cancel(new.id, new.owner_key_id) == "cancelled"
    assert [s for s, _ in await _deliveries(db, new.id)] == ["cancelled"]

    async def handler(_: Job) -> None:
        raise AssertionError("a cancelled job must not run")

    async def no_rows_left() -> bool:
        return await _deliveries(db, new.id) == []

    task = asyncio.create_task(queue.run(handler))
    try:
        await _until(no_rows_left)  # the periodic sweep's cleanup
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _stalled_delivery(db: Database, job_id: str, *, abort: bool = False) -> None:
    """A delivery held by a worker that is gone (as after kill -9 and the worker's pruning), and
    the job row as that worker left it: running."""

    def do(c: Connection) -> None:
        c.execute(
            text(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, queueing_lock, args, status, "
                "abort_requested) VALUES ('io', :task, :id, CAST(:args AS jsonb), 'doing', :abort)"
            ),
            {"task": TASK_NAME, "id": job_id, "args": json.dumps({"job_id": job_id}), "abort": abort},
        )
        c.execute(text("UPDATE jobs SET state = 'running', cancel_requested = :abort WHERE id = :id"),
                  {"id": job_id, "abort": abort})  # fmt: skip

    await db.write(do)


async def test_a_stalled_delivery_beside_a_newer_one_is_dropped_not_revived(db: Database) -> None:
    # A worker deferred the job's next re-poll, then died before its own delivery finished.
    apply_schema(db)
    queue = _queue(db)
    new = await _job(db)
    await queue.enqueue(new)  # stands for the deferred re-poll: waiting
    await _stalled_delivery(db, new.id)
    assert [s for s, _ in await _deliveries(db, new.id)] == ["todo", "doing"]
    assert await queue.retry_stalled() == 0
    assert [s for s, _ in await _deliveries(db, new.id)] == ["todo"]  # one delivery: no twin run


async def _only_a_stalled_delivery(db: Database, queue: ProcrastinateJobQueue, *, abort: bool) -> str:
    """A job whose one delivery is held by a dead worker; returns the job id."""
    new = await _job(db)
    await queue.enqueue(new)
    await db.write(lambda c: c.execute(text("DELETE FROM procrastinate_jobs WHERE queueing_lock = :id"),
                                       {"id": new.id}))  # fmt: skip
    await _stalled_delivery(db, new.id, abort=abort)
    return new.id


async def _run_until_done(queue: ProcrastinateJobQueue, handler: JobHandler, job_id: str) -> Job:
    store = JobStore(queue.db)

    async def done() -> bool:
        job = await store.get(job_id)
        return job is not None and job.state == "done"

    task = asyncio.create_task(queue.run(handler))
    try:
        await _until(done)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    job = await store.get(job_id)
    assert job is not None
    return job


async def test_a_job_whose_only_delivery_stalled_runs_again(db: Database) -> None:
    apply_schema(db)
    queue, store = _queue(db), JobStore(db)
    job_id = await _only_a_stalled_delivery(db, queue, abort=False)
    assert await queue.retry_stalled() == 1
    assert [s for s, _ in await _deliveries(db, job_id)] == ["todo"]

    async def handler(job: Job) -> None:
        await store.complete(
            job.id, status="success", provider="fake", model=None, output={}, original_response=None,
            error=None, cost="0.000",
        )  # fmt: skip

    assert (await _run_until_done(queue, handler, job_id)).status == "success"


async def test_a_stalled_delivery_of_a_cancelled_job_ends_it_cancelled(db: Database) -> None:
    apply_schema(db)
    queue = _queue(db)
    job_id = await _only_a_stalled_delivery(db, queue, abort=True)  # cancel asked as its worker died
    assert await queue.retry_stalled() == 1

    async def handler(_: Job) -> None:
        raise AssertionError("a cancelled job must not run")

    job = await _run_until_done(queue, handler, job_id)
    assert job.status == "fail" and job.error == CANCELLED_ERROR


async def test_reschedule_replaces_a_duplicate_waiting_delivery(db: Database) -> None:
    apply_schema(db)
    queue = _queue(db)
    new = await _job(db)
    await queue.enqueue(new)  # a waiting duplicate (e.g. revived by an older recovery)
    await db.write(
        lambda c: c.execute(
            text("UPDATE jobs SET state = 'running', lease_owner = :me WHERE id = :id"),
            {"id": new.id, "me": queue.worker_id},
        )
    )
    assert await queue.reschedule(new.id, delay_s=30.0, provider_job_id="vendor-1")
    [(status, _)] = await _deliveries(db, new.id)
    assert status == "todo"
    due = await db.read(
        lambda c: c.execute(
            text(
                "SELECT EXTRACT(EPOCH FROM scheduled_at - NOW()) FROM procrastinate_jobs "
                "WHERE queueing_lock = :id"
            ),
            {"id": new.id},
        ).scalar_one()
    )
    assert 20 < float(due) <= 30  # the newest schedule won


async def test_shutdown_while_a_run_is_still_claiming_hands_the_job_back(db: Database) -> None:
    # The claim is a database write in a thread: it commits even when the run awaiting it is
    # cancelled by a shutdown. The hand-back must see that claim, or the job is left `running`
    # with no delivery, and nothing would ever run it again.
    apply_schema(db)
    queue, store = _queue(db), JobStore(db)
    new = await _job(db)
    await queue.enqueue(new)
    claim, claiming = queue._claim, asyncio.Event()

    async def late_claim(job_id: str) -> Job | None:
        claiming.set()

        async def commit_later() -> Job | None:
            await asyncio.sleep(0.5)
            return await claim(job_id)

        return await asyncio.shield(asyncio.ensure_future(commit_later()))  # not cancellable, as a thread

    queue._claim = late_claim  # type: ignore[method-assign]

    async def handler(_: Job) -> None:
        raise AssertionError("the run was cancelled before its handler")

    task = asyncio.create_task(queue.run(handler))
    await asyncio.wait_for(claiming.wait(), 10)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    async def handed_back() -> bool:  # queued again, with a delivery waiting to run it
        job = await store.get(new.id)
        waiting = [s for s, _ in await _deliveries(db, new.id) if s in ("todo", "doing")]
        return job is not None and job.state == "queued" and waiting == ["todo"]

    await _until(handed_back, timeout=10.0)
    await asyncio.sleep(0.6)  # past the late claim: it must not have taken the job back
    assert await handed_back()
