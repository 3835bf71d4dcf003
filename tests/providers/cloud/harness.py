"""Loopback fakes of cloud vendors: scripted responses in the vendor's wire format, and a record of
every request so tests can check what the adapter sent (path, method, auth, body)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from unigate.providers.base import CallContext, LoadedFile

Reply = tuple[int, Any] | tuple[int, Any, Mapping[str, str]]
Handler = Callable[["Recorded"], Reply | Awaitable[Reply]]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeVendor:
    """Routes are (method, path) -> a list of replies served in order (the last one repeats).

    A reply is (status, body[, headers]); a dict/list body is sent as JSON, bytes as-is. A callable
    gets the recorded request and returns a reply. `source` records the API reference a fixture
    follows."""

    routes: dict[tuple[str, str], list[Reply | Handler]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    base_url: str = ""

    def on(self, method: str, path: str, *replies: Reply | Handler, source: str = "") -> None:
        self.routes[(method.upper(), path)] = list(replies)

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        rec = Recorded(
            request.method, request.path, dict(request.query), dict(request.headers), await request.read()
        )
        self.requests.append(rec)
        replies = self.routes.get((request.method, request.path))
        if not replies:
            return web.json_response(
                {"error": f"no fake route for {request.method} {request.path}"}, status=404
            )
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if callable(reply):
            out = reply(rec)
            reply = await out if isinstance(out, Awaitable) else out
        status, body, *rest = reply
        headers = dict(rest[0]) if rest else {}
        if isinstance(body, (bytes, bytearray)):
            return web.Response(status=status, body=bytes(body), headers=headers)
        if isinstance(body, str):
            return web.Response(status=status, text=body, headers=headers)
        return web.json_response(body, status=status, headers=headers)


@asynccontextmanager
async def serve(vendor: FakeVendor) -> AsyncIterator[FakeVendor]:
    app = web.Application(client_max_size=200 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", vendor._handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    vendor.base_url = f"http://127.0.0.1:{port}"
    try:
        yield vendor
    finally:
        await runner.cleanup()


@asynccontextmanager
async def context(
    credentials: Mapping[str, str],
    *,
    model: str = "",
    provider: str = "test",
    provider_params: Mapping[str, Any] | None = None,
    files: Mapping[str, LoadedFile] | None = None,
    timeout_s: float = 10.0,
    job_state: dict[str, Any] | None = None,
    launch_token: str | None = None,
) -> AsyncIterator[CallContext]:
    """A CallContext with a real aiohttp session, for calling an adapter's offer directly."""
    import asyncio
    import time

    session = aiohttp.ClientSession()

    async def resolve(ref: str) -> LoadedFile:
        if files is None or ref not in files:
            raise KeyError(ref)
        return files[ref]

    try:
        yield CallContext(
            provider=provider,
            model=model,
            deadline=time.monotonic() + timeout_s,
            credentials=credentials,
            provider_params=provider_params or {},
            files=resolve,
            http_factory=lambda: session,
            run_blocking=asyncio.to_thread,
            job_state=job_state if job_state is not None else {},
            launch_token=launch_token,
        )
    finally:
        await session.close()
