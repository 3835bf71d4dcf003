"""The database handle: SQLAlchemy 2 Core on blocking connections, driven from asyncio.

Why not an async driver: with aiosqlite every statement is a round trip between the event loop and
a driver thread, and measured here that costs more than the statement itself (1,840 inserts/s
against 5,300/s for the same statements run in one thread). So each read or write is a small
synchronous function that runs, whole, in a worker thread: one hop per unit of work.

Writes: SQLite allows one writer at a time. Every write goes through one writer thread that
commits the writes queued meanwhile in one transaction (group commit); a caller awaits its own
write's commit, so "committed before the answer is sent" still holds. A failing write is replayed
alone so that it cannot take its neighbours down with it.

PostgreSQL (`postgresql+psycopg://`, the distributed mode) has row-level concurrency, so there
each write is its own transaction on a small pool of writer threads; nothing is batched, and a
commit from another process is never held up behind ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

log = logging.getLogger(__name__)

T = TypeVar("T")
WorkFn = Callable[[Connection], Any]
_BATCH_MAX = 500
_PG_WRITERS = 8


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # WAL keeps commits atomic; fsync at checkpoints
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def sync_url(url: str) -> str:
    """Accept async driver names in settings and map them to their blocking counterparts."""
    url = url.replace("sqlite+aiosqlite://", "sqlite://").replace(
        "postgresql+asyncpg://", "postgresql+psycopg://"
    )
    # A bare postgresql:// would pick psycopg2, which is not installed: psycopg 3 is the driver.
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            url = "postgresql+psycopg://" + url[len(bare) :]
    return url


class Database:
    def __init__(self, url: str, *, readers: int = 4) -> None:
        self.url = sync_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.is_postgres = self.url.startswith("postgresql")
        writers = _PG_WRITERS if self.is_postgres else 1
        kwargs: dict[str, Any] = {}
        if self.is_postgres:
            # One connection per reader and writer thread; pre-ping survives a server restart.
            kwargs.update(pool_size=readers + writers, max_overflow=4, pool_pre_ping=True)
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False}
            if ":memory:" in self.url or self.url in ("sqlite://", "sqlite:///"):
                kwargs["poolclass"] = StaticPool  # one shared in-memory database
            else:
                kwargs["pool_size"] = readers + 1
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="unigate-db-read")
        self._writer = ThreadPoolExecutor(writers, thread_name_prefix="unigate-db-write")
        self._queue: asyncio.Queue[tuple[WorkFn, asyncio.Future[Any]]] | None = None
        self._writer_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._writer_task is None and not self.is_postgres:  # group commit is for SQLite only
            self._queue = asyncio.Queue()
            self._writer_task = asyncio.create_task(self._write_loop(), name="unigate-db-writer")

    async def close(self) -> None:
        if self._writer_task is not None:
            self._writer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer_task
            self._writer_task = None
            self._queue = None
        self._readers.shutdown(wait=True)
        self._writer.shutdown(wait=True)
        self.engine.dispose()

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` on a read connection in a reader thread."""

        def run() -> T:
            with self.engine.connect() as conn:
                return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self._readers, run)

    async def write(self, fn: Callable[[Connection], T]) -> T:
        """Run `fn` inside a write transaction; returns once it is committed."""
        if self._queue is None:  # not started (CLI tools): one transaction, no batching
            return await asyncio.get_running_loop().run_in_executor(self._writer, self._run_one, fn)
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((fn, fut))
        return await fut

    def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """Blocking write transaction, for code that is not on an event loop (migrations, CLI)."""
        return self._run_one(fn)

    def _run_one(self, fn: Callable[[Connection], T]) -> T:
        with self.engine.begin() as conn:
            return fn(conn)

    def _run_batch(self, fns: list[WorkFn]) -> list[tuple[bool, Any]]:
        """One transaction for the whole batch; on failure, each write alone. (ok, result|exception)."""
        try:
            with self.engine.begin() as conn:
                return [(True, fn(conn)) for fn in fns]
        except Exception as exc:
            if len(fns) == 1:
                return [(False, exc)]
        outcomes: list[tuple[bool, Any]] = []
        for fn in fns:
            try:
                outcomes.append((True, self._run_one(fn)))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    async def _write_loop(self) -> None:
        assert self._queue is not None
        queue = self._queue
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < _BATCH_MAX:
                batch.append(queue.get_nowait())
            try:
                outcomes = await loop.run_in_executor(self._writer, self._run_batch, [fn for fn, _ in batch])
            except asyncio.CancelledError:
                for _, fut in batch:
                    if not fut.done():
                        fut.cancel()
                raise
            except Exception as exc:  # keep the writer alive whatever happens
                log.exception("database writer batch failed")
                outcomes = [(False, exc)] * len(batch)
            for (_, fut), (ok, value) in zip(batch, outcomes, strict=True):
                if fut.done():
                    continue
                if ok:
                    fut.set_result(value)
                else:
                    fut.set_exception(value)
