"""The database handle: an async SQLAlchemy engine plus a group-committing writer for SQLite.

SQLite allows one writer at a time. Instead of letting concurrent requests fight over the write
lock (busy waits, `database is locked`), every write goes through one connection owned by a
writer task that commits the writes queued meanwhile in one transaction (group commit). A caller
awaits its own write's commit, so "committed before the answer is sent" still holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteFn = Callable[[AsyncConnection], Awaitable[Any]]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps commits atomic
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite and ":memory:" in url:
            kwargs["poolclass"] = NullPool
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._queue: asyncio.Queue[tuple[WriteFn, asyncio.Future[Any]]] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.is_sqlite and self._writer is None:
            self._queue = asyncio.Queue()
            self._writer = asyncio.create_task(self._write_loop(), name="unigate-db-writer")

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
            self._writer = None
        await self.engine.dispose()

    def connect(self) -> Any:
        """A read connection (`async with db.connect() as conn`)."""
        return self.engine.connect()

    async def write(self, fn: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run `fn` inside a write transaction; returns once it is committed."""
        if self._queue is None:
            async with self.engine.begin() as conn:
                return await fn(conn)
        fut: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((fn, fut))
        return await fut

    async def _write_loop(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while not queue.empty() and len(batch) < 500:
                batch.append(queue.get_nowait())
            try:
                await self._run_batch(batch)
            except asyncio.CancelledError:
                for _, fut in batch:
                    if not fut.done():
                        fut.cancel()
                raise
            except Exception:  # keep the writer alive whatever happens
                log.exception("database writer batch failed")

    async def _run_batch(self, batch: list[tuple[WriteFn, asyncio.Future[Any]]]) -> None:
        results: list[Any] = []
        try:
            async with self.engine.begin() as conn:
                for fn, _ in batch:
                    results.append(await fn(conn))
        except Exception as exc:
            if len(batch) == 1:
                _, fut = batch[0]
                if not fut.done():
                    fut.set_exception(exc)
                return
            # One write failed and rolled the group back: replay each alone to isolate it.
            for item in batch:
                await self._run_batch([item])
            return
        for (_, fut), result in zip(batch, results, strict=True):
            if not fut.done():
                fut.set_result(result)
