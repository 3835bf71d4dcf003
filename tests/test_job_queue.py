"""THE `JobQueue` contract, one suite for every backend, through the interface only.

Backends: the table queue (`SqliteJobQueue`) on SQLite and on PostgreSQL, and Procrastinate on
PostgreSQL (the PostgreSQL ones run when UNIGATE_TEST_POSTGRES_URL is set). The only white-box
step, simulating a worker that dies without a word, lives in the per-backend adapter (`Backend`).

Contract: enqueue -> run -> complete, each job once; a reschedule is a new run after its delay,
carrying the provider job id and state, and only the worker running the job may ask for it;
cancellation (queued: at once; running: `cancelling`, then `fail`/`cancelled`); shutdown hands
running jobs back; a silently dead worker's job is recovered by another worker; a job that runs
twice records one completion (the first); a job interrupted more than `max_attempts` times ends
`fail`/`job_interrupted`; a handler bug ends `fail`/`internal_error` without a re-run; a database
outage while claiming or while recording the end does not lose the job: it is retried and completes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.pgtest import fresh_database, requires_pg
from unigate.accounts.keys import KeyStore
from unigate.db.database import Database
from unigate.db.migrate import upgrade
from unigate.jobs.procrastinate_queue import ProcrastinateJobQueue, apply_schema
from unigate.jobs.queue import JobHandler, JobQueue, NewJob
from unigate.jobs.sqlite_queue import SqliteJobQueue
from unigate.jobs.store import Job, JobStore

T = TypeVar("T")

# How long a worker stays "alive" without a sign of life (a table-queue lease, a Procrastinate
# heartbeat): short, so that recovering a dead worker's job takes about a second.
LIVENESS_S = 1.0


# ---------------------------------------------------------------------------- backend adapters


@dataclass
class Backend:
    """One queue backend on one database: makes queues, and kills a worker silently."""

    name: str
    db: Database
    store: JobStore
    queues: list[JobQueue] = field(default_factory=list)

    def make_queue(self, *, concurrency: int = 10, max_attempts: int = 3) -> JobQueue:
        raise NotImplementedError

    async def kill_silently(self, queue: JobQueue, job_id: str) -> None:
        """`queue`'s worker, running `job_id`, dies without a word (kill -9, lost machine): it
        stops giving signs of life, so another worker must recover the job. Its handler task
        stays in place (hung), which also lets a test finish it late, as a zombie would."""
        raise NotImplementedError


class TableBackend(Backend):
    def make_queue(self, *, concurrency: int = 10, max_attempts: int = 3) -> JobQueue:
        queue = SqliteJobQueue(
            self.db,
            self.store,
            concurrency={"io": concurrency},
            lease_s=LIVENESS_S,
            heartbeat_s=LIVENESS_S / 5,
            max_idle_sleep_s=0.05,
            max_attempts=max_attempts,
        )
        self.queues.append(queue)
        return queue

    async def kill_silently(self, queue: JobQueue, job_id: str) -> None:
        assert isinstance(queue, SqliteJobQueue)

        async def no_heartbeat(ids: list[str]) -> None:
            return None

        queue._heartbeat = no_heartbeat  # type: ignore[method-assign]  # its lease now runs out


class ProcrastinateBackend(Backend):
    def make_queue(self, *, concurrency: int = 10, max_attempts: int = 3) -> JobQueue:
        queue = ProcrastinateJobQueue(
            self.db,
            self.store,
            concurrency={"io": concurrency},
            max_attempts=max_attempts,
            heartbeat_s=LIVENESS_S / 5,
            stalled_after_s=LIVENESS_S,
            sweep_s=0.2,
            poll_s=0.1,
            stop_timeout_s=2.0,
        )
        self.queues.append(queue)
        return queue

    async def kill_silently(self, queue: JobQueue, job_id: str) -> None:
        # What a dead worker leaves behind once its stale heartbeat is noticed: the worker row is
        # pruned, so its delivery stays `doing` with no worker (the FK sets worker_id to NULL).
        # Only this delivery is touched: the (live) test process keeps its own worker rows.
        def orphan(conn: Any) -> int:
            res = conn.execute(
                text(
                    "UPDATE procrastinate_jobs SET worker_id = NULL "
                    "WHERE queueing_lock = :id AND status = 'doing'"
                ),
                {"id": job_id},
            )
            return int(res.rowcount)

        assert await self.db.write(orphan) == 1


@contextlib.contextmanager
def _database(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'q.db'}"
    else:
        with fresh_database() as url:
            yield url


@pytest.fixture(
    params=[
        "table-queue/sqlite",
        pytest.param("table-queue/postgres", marks=requires_pg),
        pytest.param("procrastinate/postgres", marks=requires_pg),
    ]
)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    name: str = request.param
    kind, _, database = name.partition("/")
    with _database(database, tmp_path) as url:
        db = Database(url)
        await upgrade(db)
        if kind == "procrastinate":
            apply_schema(db)
        await db.start()
        cls = ProcrastinateBackend if kind == "procrastinate" else TableBackend
        b = cls(name, db, JobStore(db))
        try:
            yield b
        finally:
            for q in b.queues:
                await q.close()
            await db.close()


@pytest.fixture
async def owner(backend: Backend) -> str:
    key, _ = await KeyStore(backend.db).create("owner")
    return key.id


# ---------------------------------------------------------------------------- helpers


def _job(owner: str) -> NewJob:
    return NewJob(
        str(uuid.uuid4()), owner, "text", "embeddings", "fake", None, {"model": "m"}, "io", time.time()
    )


async def _complete(store: JobStore, job: Job, value: str) -> bool:
    return await store.complete(
        job.id, status="success", provider="fake", model=None, output={"v": value},
        original_response=None, error=None, cost="0.000",
    )  # fmt: skip


async def _until(predicate: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.02)


def _status_is(store: JobStore, job_id: str, *statuses: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        job = await store.get(job_id)
        return job is not None and job.status in statuses

    return check


@contextlib.asynccontextmanager
async def _running(queue: JobQueue, handler: JobHandler) -> AsyncIterator[asyncio.Task[None]]:
    """`queue.run(handler)` in the background; cancelled (a shutdown) on the way out."""
    task = asyncio.create_task(queue.run(handler))
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _hang(started: asyncio.Event | None = None) -> None:
    if started is not None:
        started.set()
    await asyncio.sleep(3600)


class FlakyWrites:
    """The database refusing writes (an outage) while `down`; wraps `Database.write`."""

    def __init__(self, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
        self.down = False
        self.refused = 0
        real = db.write

        async def write(fn: Callable[[Any], T]) -> T:
            if self.down:
                self.refused += 1
                raise OperationalError("write", None, ConnectionError("the database is unreachable"))
            return await real(fn)

        monkeypatch.setattr(db, "write", write)


# ---------------------------------------------------------------------------- the contract


async def test_enqueue_run_complete_each_once(backend: Backend, owner: str) -> None:
    queue, store = backend.make_queue(), backend.store
    new = [_job(owner) for _ in range(20)]
    for j in new:
        await queue.enqueue(j)
        queued = await store.get(j.id)
        assert queued is not None and queued.state == "queued" and queued.status == "processing"
    seen: list[str] = []

    async def handler(job: Job) -> None:
        seen.append(job.id)
        assert job.attempts == 1
        await _complete(store, job, job.id)

    async def all_done() -> bool:
        return all([await _status_is(store, j.id, "success")() for j in new])

    async with _running(queue, handler):
        await _until(all_done)
    assert sorted(seen) == sorted(j.id for j in new)  # each ran exactly once
    for j in new:
        final = await store.get(j.id)
        assert final is not None and final.state == "done" and final.output == {"v": j.id}


async def test_reschedule_runs_again_after_the_delay(backend: Backend, owner: str) -> None:
    queue, store = backend.make_queue(), backend.store
    job = _job(owner)
    await queue.enqueue(job)
    runs: list[float] = []

    async def handler(j: Job) -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            assert j.provider_job_id is None and j.provider_state is None
            assert await queue.reschedule(j.id, delay_s=0.5, provider_job_id="pj-1", provider_state={"n": 1})
        else:
            assert j.provider_job_id == "pj-1" and j.provider_state == {"n": 1}
            await _complete(store, j, "done")

    async with _running(queue, handler):
        await _until(_status_is(store, job.id, "success"))
    assert len(runs) == 2 and runs[1] - runs[0] >= 0.45
    assert not await queue.reschedule(job.id, delay_s=0)  # a finished job is not re-run


async def test_only_the_worker_running_a_job_can_reschedule_it(backend: Backend, owner: str) -> None:
    # A worker taken for dead whose job was claimed again elsewhere must not fork its re-polls.
    queue, other, store = backend.make_queue(), backend.make_queue(), backend.store
    job = _job(owner)
    await queue.enqueue(job)
    refused: list[bool] = []

    async def handler(j: Job) -> None:
        refused.append(not await other.reschedule(j.id, delay_s=0, provider_job_id="forked"))
        await _complete(store, j, "done")

    async with _running(queue, handler):
        await _until(_status_is(store, job.id, "success"))
    final = await store.get(job.id)
    assert refused == [True] and final is not None and final.provider_job_id is None


async def test_cancel_queued_job_at_once(backend: Backend, owner: str) -> None:
    queue, store = backend.make_queue(), backend.store
    job = _job(owner)
    await queue.enqueue(job)
    assert await queue.request_cancel(job.id, owner) == "cancelled"
    assert await queue.request_cancel(job.id, owner) == "finished"
    assert await queue.request_cancel(job.id, "someone-else") == "not_found"
    assert await queue.request_cancel(str(uuid.uuid4()), owner) == "not_found"
    ran: list[str] = []

    async def handler(j: Job) -> None:
        ran.append(j.id)

    probe = _job(owner)  # a job after it, to know the worker has looked at the queue
    await queue.enqueue(probe)

    async def probe_ran() -> bool:
        return probe.id in ran

    async with _running(queue, handler):
        await _until(probe_ran)
    assert ran == [probe.id]  # the cancelled job never runs
    final = await store.get(job.id)
    assert final is not None and final.status == "fail" and final.state == "done"
    assert final.error == {"message": "the job was cancelled", "error_code": "cancelled"}


async def test_cancel_running_job(backend: Backend, owner: str) -> None:
    queue, store = backend.make_queue(), backend.store
    job = _job(owner)
    await queue.enqueue(job)
    started = asyncio.Event()

    async def slow(_: Job) -> None:
        await _hang(started)

    async with _running(queue, slow):
        await asyncio.wait_for(started.wait(), 10)
        assert await queue.request_cancel(job.id, "someone-else") == "not_found"
        assert await queue.request_cancel(job.id, owner) == "cancelling"
        await _until(_status_is(store, job.id, "fail"), timeout=10)
    final = await store.get(job.id)
    assert final is not None and final.state == "done"
    assert final.error == {"message": "the job was cancelled", "error_code": "cancelled"}
    assert await queue.request_cancel(job.id, owner) == "finished"


async def test_shutdown_hands_running_jobs_back(backend: Backend, owner: str) -> None:
    store = backend.store
    first = backend.make_queue()
    job = _job(owner)
    await first.enqueue(job)
    started = asyncio.Event()

    async def slow(_: Job) -> None:
        await _hang(started)

    async with _running(first, slow):
        await asyncio.wait_for(started.wait(), 10)
    back = await store.get(job.id)
    assert back is not None and back.state == "queued" and back.status == "processing"

    # The next worker picks it up (as a due job, not as a dead worker's).
    runs: list[int] = []

    async def finish(j: Job) -> None:
        runs.append(j.attempts)
        await _complete(store, j, "next")

    async with _running(backend.make_queue(), finish):
        await _until(_status_is(store, job.id, "success"))
    assert runs == [2]


async def test_silently_dead_worker_job_is_recovered(backend: Backend, owner: str) -> None:
    store = backend.store
    job = _job(owner)
    doomed = backend.make_queue(concurrency=1)
    await doomed.enqueue(job)
    started = asyncio.Event()

    async def hung(_: Job) -> None:
        await _hang(started)

    rescued: list[Job] = []

    async def finish(j: Job) -> None:
        rescued.append(j)
        await _complete(store, j, "rescued")

    async with _running(doomed, hung):
        await asyncio.wait_for(started.wait(), 10)
        await backend.kill_silently(doomed, job.id)
        async with _running(backend.make_queue(), finish):
            await _until(_status_is(store, job.id, "success"))
    assert [j.attempts for j in rescued] == [2]
    final = await store.get(job.id)
    assert final is not None and final.output == {"v": "rescued"}


async def test_job_run_twice_records_one_completion(backend: Backend, owner: str) -> None:
    """A worker that went silent still finishes its run late: the first completion wins."""
    store = backend.store
    job = _job(owner)
    zombie = backend.make_queue(concurrency=1)
    await zombie.enqueue(job)
    started = asyncio.Event()
    release = asyncio.Event()
    late: list[bool] = []

    async def slow(j: Job) -> None:
        started.set()
        await release.wait()
        late.append(await _complete(store, j, "zombie"))

    firsts: list[bool] = []

    async def finish(j: Job) -> None:
        firsts.append(await _complete(store, j, "rescuer"))

    async with _running(zombie, slow):
        await asyncio.wait_for(started.wait(), 10)
        await backend.kill_silently(zombie, job.id)
        async with _running(backend.make_queue(), finish):
            await _until(_status_is(store, job.id, "success"))
        release.set()

        async def zombie_done() -> bool:
            return bool(late)

        await _until(zombie_done)
    assert firsts == [True] and late == [False]  # both ran; exactly one completion recorded
    final = await store.get(job.id)
    assert final is not None and final.output == {"v": "rescuer"}


async def test_interrupted_more_than_max_attempts_ends_fail(backend: Backend, owner: str) -> None:
    store = backend.store
    job = _job(owner)
    await backend.make_queue().enqueue(job)
    ran: list[int] = []

    async with contextlib.AsyncExitStack() as stack:
        for _ in range(2):  # two runs, each on a worker that dies silently mid-run
            started = asyncio.Event()

            async def hung(j: Job, started: asyncio.Event = started) -> None:
                ran.append(j.attempts)
                await _hang(started)

            worker = backend.make_queue(concurrency=1, max_attempts=2)
            await stack.enter_async_context(_running(worker, hung))
            await asyncio.wait_for(started.wait(), 20)
            await backend.kill_silently(worker, job.id)

        async def never(_: Job) -> None:
            raise AssertionError("a job over its attempts must not run")

        await stack.enter_async_context(_running(backend.make_queue(max_attempts=2), never))
        await _until(_status_is(store, job.id, "fail"))
    assert ran == [1, 2]
    final = await store.get(job.id)
    assert final is not None and final.error is not None
    assert final.error["error_code"] == "job_interrupted"


async def test_handler_bug_ends_fail_without_rerun(backend: Backend, owner: str) -> None:
    queue, store = backend.make_queue(), backend.store
    job, other = _job(owner), _job(owner)
    await queue.enqueue(job)
    calls: list[str] = []

    async def buggy(j: Job) -> None:
        calls.append(j.id)
        if j.id == job.id:
            raise KeyError("a bug")
        await _complete(store, j, "ok")

    async with _running(queue, buggy):
        await _until(_status_is(store, job.id, "fail"))
        await queue.enqueue(other)  # the worker goes on with other jobs
        await _until(_status_is(store, other.id, "success"))
    assert calls == [job.id, other.id]
    final = await store.get(job.id)
    assert final is not None and final.error is not None
    assert final.error["error_code"] == "internal_error"


async def test_database_outage_while_claiming_is_retried(
    backend: Backend, owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue, store = backend.make_queue(), backend.store
    job = _job(owner)
    await queue.enqueue(job)
    flaky = FlakyWrites(backend.db, monkeypatch)
    flaky.down = True
    ran: list[float] = []

    async def handler(j: Job) -> None:
        ran.append(time.monotonic())
        await _complete(store, j, "after the outage")

    async def refused() -> bool:
        return flaky.refused >= 1

    async with _running(queue, handler):
        await _until(refused)  # the worker got to the job and could not claim it
        await asyncio.sleep(0.2)
        assert ran == []
        flaky.down = False
        await _until(_status_is(store, job.id, "success"))
    assert len(ran) == 1


async def test_database_outage_while_recording_the_end_is_retried(
    backend: Backend, owner: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler fails because the database went away: the job is not lost (nor failed by the
    outage); it runs again once the database is back."""
    queue, store = backend.make_queue(), backend.store
    job = _job(owner)
    await queue.enqueue(job)
    flaky = FlakyWrites(backend.db, monkeypatch)
    runs: list[int] = []

    async def handler(j: Job) -> None:
        runs.append(j.attempts)
        if len(runs) == 1:
            flaky.down = True  # the outage starts mid-run: this completion cannot be recorded
        await _complete(store, j, f"run {len(runs)}")

    async def refused() -> bool:
        return flaky.refused >= 2  # the handler's completion, and the runner's record of its failure

    async with _running(queue, handler):
        await _until(refused)
        await asyncio.sleep(0.1)
        flaky.down = False
        await _until(_status_is(store, job.id, "success", "fail"))
    final = await store.get(job.id)
    assert final is not None and final.status == "success" and final.output == {"v": "run 2"}
    assert runs == [1, 2]
