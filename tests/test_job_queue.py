"""The JobQueue contract: enqueue/claim/complete, delays, leases, cancellation, exactly-once
completion; on SQLite and, when UNIGATE_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.pgtest import fresh_database, requires_pg
from unigate.accounts.keys import KeyStore
from unigate.db.database import Database
from unigate.db.migrate import upgrade
from unigate.jobs.queue import NewJob
from unigate.jobs.sqlite_queue import SqliteJobQueue
from unigate.jobs.store import Job, JobStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=requires_pg)])
async def parts(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Database, JobStore, str]]:
    """The job tables on each database (PostgreSQL when UNIGATE_TEST_POSTGRES_URL is set)."""
    with contextlib.ExitStack() as stack:
        if request.param == "postgres":
            url = stack.enter_context(fresh_database())
        else:
            url = f"sqlite:///{tmp_path / 'q.db'}"
        db = Database(url)
        await upgrade(db)
        await db.start()
        key, _ = await KeyStore(db).create("owner")
        try:
            yield db, JobStore(db), key.id
        finally:
            await db.close()


def _queue(db: Database, store: JobStore, **kw: float) -> SqliteJobQueue:
    return SqliteJobQueue(
        db,
        store,
        concurrency={"io": 10},
        lease_s=kw.get("lease_s", 5.0),
        heartbeat_s=kw.get("heartbeat_s", 1.0),
        max_idle_sleep_s=0.05,
        max_attempts=int(kw.get("max_attempts", 3)),
    )


def _job(owner: str) -> NewJob:
    return NewJob(
        str(uuid.uuid4()), owner, "text", "embeddings", "fake", None, {"model": "m"}, "io", time.time()
    )


async def _complete(store: JobStore, job: Job, value: str) -> bool:
    return await store.complete(
        job.id,
        status="success",
        provider="fake",
        model=None,
        output={"v": value},
        original_response=None,
        error=None,
        cost="0.000",
    )


async def _run_until(queue: SqliteJobQueue, handler, predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    task = asyncio.create_task(queue.run(handler))
    try:
        deadline = time.monotonic() + timeout
        while not await predicate():
            assert time.monotonic() < deadline, "condition not reached in time"
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_enqueue_claim_complete(parts: tuple[Database, JobStore, str]) -> None:
    db, store, owner = parts
    queue = _queue(db, store)
    new = [_job(owner) for _ in range(20)]
    for j in new:
        await queue.enqueue(j)
    seen: list[str] = []

    async def handler(job: Job) -> None:
        seen.append(job.id)
        await _complete(store, job, job.id)

    async def all_done() -> bool:
        jobs = [await store.get(j.id) for j in new]
        return all(j is not None and j.status == "success" for j in jobs)

    await _run_until(queue, handler, all_done)
    assert sorted(seen) == sorted(j.id for j in new)  # each ran exactly once


async def test_delay_with_run_at(parts: tuple[Database, JobStore, str]) -> None:
    db, store, owner = parts
    queue = _queue(db, store)
    job = _job(owner)
    await queue.enqueue(job)
    runs: list[float] = []

    async def handler(j: Job) -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            assert await queue.reschedule(j.id, delay_s=0.5, provider_job_id="pj-1", provider_state={"n": 1})
        else:
            assert j.provider_job_id == "pj-1" and j.provider_state == {"n": 1}
            await _complete(store, j, "done")

    async def done() -> bool:
        return (await store.get(job.id)).status == "success"  # type: ignore[union-attr]

    await _run_until(queue, handler, done)
    assert len(runs) == 2 and runs[1] - runs[0] >= 0.45


async def test_expired_lease_is_reclaimed_and_completion_recorded_once(
    parts: tuple[Database, JobStore, str],
) -> None:
    """A worker that stalls past its lease loses the job to another; the first completion wins."""
    db, store, owner = parts
    job = _job(owner)
    stalled = _queue(db, store, lease_s=0.3, heartbeat_s=60)  # no heartbeat before the lease ends
    await stalled.enqueue(job)
    claimed = await stalled._claim("io", 10)
    assert [j.id for j in claimed] == [job.id]
    await asyncio.sleep(0.4)
    rescuer = _queue(db, store)
    again = await rescuer._claim("io", 10)
    assert [j.id for j in again] == [job.id] and again[0].attempts == 2
    assert await _complete(store, again[0], "rescuer") is True
    assert await _complete(store, claimed[0], "stalled") is False  # the late one is ignored
    final = await store.get(job.id)
    assert final is not None and final.output == {"v": "rescuer"}


async def test_crash_loop_ends_in_fail(parts: tuple[Database, JobStore, str]) -> None:
    db, store, owner = parts
    queue = _queue(db, store, lease_s=0.05, max_attempts=2)
    job = _job(owner)
    await queue.enqueue(job)
    for _ in range(3):  # three claims that "crash" (never complete, lease expires)
        await queue._claim("io", 10)
        await asyncio.sleep(0.08)

    async def never(_: Job) -> None:
        raise AssertionError("a job over its attempts must not run")

    async def failed() -> bool:
        return (await store.get(job.id)).status == "fail"  # type: ignore[union-attr]

    await _run_until(queue, never, failed)
    final = await store.get(job.id)
    assert final is not None and final.error is not None and final.error["error_code"] == "job_interrupted"


async def test_cancel_queued_and_running(parts: tuple[Database, JobStore, str]) -> None:
    db, store, owner = parts
    queue = _queue(db, store, heartbeat_s=0.05)
    queued = _job(owner)
    await queue.enqueue(queued)
    assert await queue.request_cancel(queued.id, owner) == "cancelled"
    assert await queue.request_cancel(queued.id, owner) == "finished"
    assert await queue.request_cancel(queued.id, "someone-else") == "not_found"
    running = _job(owner)
    await queue.enqueue(running)
    started = asyncio.Event()

    async def slow(_: Job) -> None:
        started.set()
        await asyncio.sleep(30)

    task = asyncio.create_task(queue.run(slow))
    try:
        await asyncio.wait_for(started.wait(), 5)
        assert await queue.request_cancel(running.id, owner) == "cancelling"
        deadline = time.monotonic() + 5
        while (await store.get(running.id)).status == "processing":  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    final = await store.get(running.id)
    assert final is not None and final.error == {
        "message": "the job was cancelled",
        "error_code": "cancelled",
    }


async def test_shutdown_hands_running_jobs_back(parts: tuple[Database, JobStore, str]) -> None:
    db, store, owner = parts
    queue = _queue(db, store)
    job = _job(owner)
    await queue.enqueue(job)
    started = asyncio.Event()

    async def slow(_: Job) -> None:
        started.set()
        await asyncio.sleep(30)

    task = asyncio.create_task(queue.run(slow))
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    back = await store.get(job.id)
    assert back is not None and back.state == "queued" and back.status == "processing"
