"""The JobQueue contract on the Procrastinate backend (PostgreSQL): enqueue/run/complete, delays
as new deferred runs, cancellation by abort, hand-back on shutdown, stalled-worker recovery.
Skipped unless UNIGATE_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from tests.pgtest import fresh_database, requires_pg
from unigate.accounts.keys import KeyStore
from unigate.db.database import Database
from unigate.db.migrate import upgrade
from unigate.jobs.procrastinate_queue import ProcrastinateJobQueue, apply_schema
from unigate.jobs.queue import NewJob
from unigate.jobs.store import Job, JobStore

pytestmark = requires_pg


@pytest.fixture
async def parts() -> AsyncIterator[tuple[Database, JobStore, str]]:
    with fresh_database() as url:
        db = Database(url)
        await upgrade(db)
        assert apply_schema(db) is True and apply_schema(db) is False
        await db.start()
        key, _ = await KeyStore(db).create("owner")
        try:
            yield db, JobStore(db), key.id
        finally:
            await db.close()


def _queue(db: Database, store: JobStore) -> ProcrastinateJobQueue:
    return ProcrastinateJobQueue(
        db, store, concurrency={"io": 10}, heartbeat_s=0.5, stalled_after_s=2, sweep_s=0.5, poll_s=0.2
    )


def _job(owner: str) -> NewJob:
    return NewJob(
        str(uuid.uuid4()), owner, "text", "embeddings", "fake", None, {"model": "m"}, "io", time.time()
    )


async def _complete(store: JobStore, job: Job, value: str) -> bool:
    return await store.complete(
        job.id, status="success", provider="fake", model=None, output={"v": value},
        original_response=None, error=None, cost="0.000",
    )  # fmt: skip


async def _until(predicate, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_enqueue_run_complete_and_delay(parts: tuple[Database, JobStore, str]) -> None:
    db, store, owner = parts
    queue = _queue(db, store)
    new = [_job(owner) for _ in range(20)]
    for j in new:
        await queue.enqueue(j)
    seen: list[str] = []
    runs: dict[str, list[float]] = {}

    async def handler(job: Job) -> None:
        seen.append(job.id)
        runs.setdefault(job.id, []).append(time.monotonic())
        if job.id == new[0].id and len(runs[job.id]) == 1:
            assert await queue.reschedule(
                job.id, delay_s=1.0, provider_job_id="pj-1", provider_state={"n": 1}
            )
            return
        if job.id == new[0].id:
            assert job.provider_job_id == "pj-1" and job.provider_state == {"n": 1}
        await _complete(store, job, job.id)

    async def all_done() -> bool:
        return all([(await store.get(j.id)).status == "success" for j in new])  # type: ignore[union-attr]

    task = asyncio.create_task(queue.run(handler))
    try:
        await _until(all_done)
    finally:
        await _stop(task)
    assert sorted(seen) == sorted([j.id for j in new] + [new[0].id])  # each once, the re-polled twice
    first = runs[new[0].id]
    assert first[1] - first[0] >= 0.9


async def test_cancel_queued_and_running(parts: tuple[Database, JobStore, str]) -> None:
    db, store, owner = parts
    queue = _queue(db, store)
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
        await asyncio.sleep(60)

    task = asyncio.create_task(queue.run(slow))
    try:
        await asyncio.wait_for(started.wait(), 10)
        assert await queue.request_cancel(running.id, owner) == "cancelling"
        await _until(lambda: _status_not(store, running.id, "processing"))
    finally:
        await _stop(task)
    final = await store.get(running.id)
    assert final is not None and final.error == {
        "message": "the job was cancelled",
        "error_code": "cancelled",
    }


async def _status_not(store: JobStore, job_id: str, status: str) -> bool:
    job = await store.get(job_id)
    return job is not None and job.status != status


async def test_shutdown_hands_back_and_stalled_worker_is_recovered(
    parts: tuple[Database, JobStore, str],
) -> None:
    db, store, owner = parts
    job = _job(owner)
    first = _queue(db, store)
    await first.enqueue(job)
    started = asyncio.Event()

    async def slow(_: Job) -> None:
        started.set()
        await asyncio.sleep(60)

    task = asyncio.create_task(first.run(slow))
    await asyncio.wait_for(started.wait(), 10)
    await _stop(task)
    back = await store.get(job.id)
    assert back is not None and back.state == "queued" and back.status == "processing"

    # A worker that dies without a word (kill -9): its delivery stays `doing`, its heartbeat stops.
    await db.write(lambda c: c.exec_driver_sql(
        "UPDATE procrastinate_jobs SET status = 'doing' WHERE status = 'todo'"))  # fmt: skip
    await db.write(lambda c: c.exec_driver_sql(
        "UPDATE procrastinate_jobs SET worker_id = NULL WHERE status = 'doing'"))  # fmt: skip
    rescuer = _queue(db, store)

    async def finish(j: Job) -> None:
        await _complete(store, j, "rescued")

    task = asyncio.create_task(rescuer.run(finish))
    try:
        await _until(lambda: _status_not(store, job.id, "processing"))
    finally:
        await _stop(task)
    final = await store.get(job.id)
    assert final is not None and final.output == {"v": "rescued"}
