"""Connect, read and total timeouts per provider and subfeature: how they resolve, that they reach the
HTTP calls cloud adapters make, and which typed error each one ends as. Loopback servers only."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pytest
from pydantic import ValidationError
from yarl import URL

from tests.conftest import Api
from tests.fakes import FakeProvider
from unigate.api.app import create_app
from unigate.engine.retry import may_retry
from unigate.engine.timeouts import MODALITY_DEFAULTS, CallTimeouts, call_limits, call_timeout
from unigate.gateway import Gateway
from unigate.providers.base import CallContext, LoadedFile, ProviderResult
from unigate.providers.errors import ProviderConnectError, ProviderConnectTimeout, ProviderTimeout
from unigate.providers.http import call, call_json
from unigate.providers.registry import ProviderRegistry
from unigate.settings import Settings

# ---------------------------------------------------------------------- resolution


def test_each_limit_resolves_most_specific_first() -> None:
    over: dict[str, Any] = {
        "openai": {"connect": 3, "read": 20},
        "audio/text_to_speech/openai": {"read": 5},
        "audio/text_to_speech/openai/tts-hd": 200,  # a number is the total
    }
    # The per-subfeature override beats the provider's, which beats the modality default.
    assert call_limits(over, "audio/text_to_speech", "openai", "tts-1") == CallTimeouts(3, 5, 120)
    assert call_limits(over, "text/embeddings", "openai", "small") == CallTimeouts(3, 20, 15)
    assert (
        call_limits(over, "audio/text_to_speech", "google", "g") == MODALITY_DEFAULTS["audio/text_to_speech"]
    )
    # Each limit is looked up on its own: the model's total, the subfeature's read, the provider's connect.
    assert call_limits(over, "audio/text_to_speech", "openai", "tts-hd") == CallTimeouts(3, 5, 200)


def test_modality_defaults_differ_by_modality() -> None:
    tts = call_limits({}, "audio/text_to_speech", "x", "m")
    embeddings = call_limits({}, "text/embeddings", "x", "m")
    assert embeddings.total is not None and tts.total is not None and embeddings.total < tts.total
    assert embeddings.read is not None and tts.read is not None and embeddings.read < tts.read
    assert call_limits({}, "ocr/ocr", "x", "m") == MODALITY_DEFAULTS["ocr"]
    assert call_limits({}, "text/topic_extraction", "x", "m") == CallTimeouts(10, 60, 60)


def test_feature_star_and_local_models() -> None:
    over: dict[str, Any] = {"*": {"connect": 2}, "text": {"read": 7}}
    assert call_limits(over, "text/embeddings", "x", "m") == CallTimeouts(2, 7, 15)
    assert call_limits(over, "image/generation", "x", "m") == CallTimeouts(2, 120, 120)
    assert call_limits({}, "text/embeddings", "local", "m", local=True).total is None
    assert call_timeout({"local": 5}, "text/embeddings", "local", "m", local=True) == 5


def test_settings_parse_and_check_the_map(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNIGATE_CALL_TIMEOUTS_S", '{"openai": {"connect": 3, "read": 30}, "audio": 90}')
    assert Settings().call_timeouts_s == {"openai": {"connect": 3.0, "read": 30.0}, "audio": 90.0}
    for bad in ('{"openai": {"conect": 3}}', '{"openai": 0}', '{"openai": {"read": -1}}'):
        monkeypatch.setenv("UNIGATE_CALL_TIMEOUTS_S", bad)
        with pytest.raises(ValidationError):
            Settings()


# ---------------------------------------------------------------------- http.call


async def _no_files(ref: str) -> LoadedFile:
    raise AssertionError("no files here")


async def _no_blocking(*args: Any) -> Any:
    raise AssertionError("no blocking work here")


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def _ctx(
    session: aiohttp.ClientSession, *, connect: float | None, read: float | None, total: float = 30.0
) -> CallContext:
    return CallContext(
        provider="vendor",
        model="m",
        deadline=time.monotonic() + total,
        credentials={"api_key": "sk-very-secret"},
        provider_params={},
        files=_no_files,
        http_factory=lambda: session,
        run_blocking=_no_blocking,
        connect_timeout=connect,
        read_timeout=read,
    )


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """Accepts connections and reads requests, never answers."""
    held: list[asyncio.StreamWriter] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for w in held:
            w.close()
        server.close()
        await server.wait_closed()


@pytest.fixture
def stalled_port() -> Iterator[int]:
    """A listening port whose accept queue is full and never drained: a new connection's SYN is
    dropped, so the connect neither completes nor fails (loopback, no routing tricks)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers: list[socket.socket] = []
    try:
        for _ in range(16):
            s = socket.socket()
            s.settimeout(0.3)
            try:
                s.connect(("127.0.0.1", port))
            except TimeoutError:
                s.close()
                break
            fillers.append(s)
        else:
            pytest.skip("this kernel completes connections beyond a full accept queue")
        yield port
    finally:
        for s in fillers:
            s.close()
        listener.close()


async def test_a_silent_server_fails_on_the_read_timeout(
    session: aiohttp.ClientSession, silent_server: str
) -> None:
    ctx = _ctx(session, connect=5, read=0.2)
    with pytest.raises(ProviderTimeout) as info:
        await call(ctx, "vendor", "POST", URL(silent_server) / "embed", json_body={"x": 1})
    assert info.value.error_code == "provider_timeout"
    assert "read timeout" in info.value.message and "0.2 s" in info.value.message
    assert not isinstance(info.value, ProviderConnectError)  # the request went out: not retry-safe
    assert not may_retry(info.value, "launch") and may_retry(info.value, "run")


async def test_without_a_read_timeout_the_deadline_ends_the_call(
    session: aiohttp.ClientSession, silent_server: str
) -> None:
    ctx = _ctx(session, connect=None, read=None, total=0.3)
    with pytest.raises(ProviderTimeout) as info:
        await call_json(ctx, "vendor", "GET", silent_server + "/x")
    assert "deadline" in info.value.message


async def test_a_connect_that_never_completes_fails_on_the_connect_timeout(
    session: aiohttp.ClientSession, stalled_port: int
) -> None:
    ctx = _ctx(session, connect=0.2, read=30)
    with pytest.raises(ProviderConnectTimeout) as info:
        await call(ctx, "vendor", "GET", URL(f"http://127.0.0.1:{stalled_port}/x"))
    assert info.value.error_code == "provider_timeout"
    assert "connect timeout" in info.value.message and "sk-very-secret" not in info.value.message
    assert may_retry(info.value, "launch")  # nothing was sent: even a launch may be repeated


# ---------------------------------------------------------------------- through the engine


class RecordingProvider(FakeProvider):
    """Records the limits each call's context carries."""

    def __init__(self) -> None:
        super().__init__("rec")
        self.seen: dict[str, tuple[float | None, float | None, float]] = {}

    def _record(self, what: str, ctx: CallContext) -> None:
        self.seen[what] = (ctx.connect_timeout, ctx.read_timeout, ctx.remaining())

    async def embeddings(self, inp: Any, ctx: CallContext) -> ProviderResult:
        self._record("embeddings", ctx)
        return await super().embeddings(inp, ctx)

    async def speech(self, inp: Any, ctx: CallContext) -> ProviderResult:
        self._record("speech", ctx)
        return await super().speech(inp, ctx)

    async def langdetect(self, inp: Any, ctx: CallContext) -> ProviderResult:
        self._record("langdetect", ctx)
        return await super().langdetect(inp, ctx)


async def test_the_engine_hands_each_call_its_resolved_limits(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        default_timeout_s=300.0,
        call_timeouts_s={
            "rec": {"connect": 4, "read": 40},
            "audio/text_to_speech/rec": {"read": 6, "total": 100},
        },
    )
    provider = RecordingProvider()
    gw = Gateway(settings, registry=ProviderRegistry([provider]))
    app = create_app(gw, announce_first_key=False)
    async with app.router.lifespan_context(app):
        _, secret = await gw.keys.create("tester")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {secret}"},
        ) as client:
            api = Api(client, gw, secret)
            for model, inp in (
                ("audio/text_to_speech/rec", {"text": "hello"}),
                ("text/embeddings/rec", {"texts": ["a"]}),
                ("translation/language_detection/rec", {"text": "hello"}),
            ):
                r = await api.post("/v3/universal-ai", json={"model": model, "input": inp})
                assert r.status_code == 200 and r.json()["status"] == "success", r.text
    connect, read, left = provider.seen["speech"]
    assert (connect, read) == (4, 6) and 90 < left <= 100  # subfeature/provider beats provider
    connect, read, left = provider.seen["embeddings"]
    assert (connect, read) == (4, 40) and left <= 15  # provider's connect/read, modality total
    connect, read, left = provider.seen["langdetect"]
    assert (connect, read) == (4, 40) and left <= 15


async def test_a_read_timeout_fails_the_request_as_provider_timeout(tmp_path: Path) -> None:
    """End to end: the configured read limit reaches `http.call` and the envelope says
    provider_timeout, long before the total (30 s) would have fired."""
    from aiohttp import web

    from tests.test_reliability_faults import FaultyVendor, _rig

    vendor = FaultyVendor()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", vendor.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    vendor.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    settings = Settings(
        data_dir=tmp_path / "data",
        retry_max_attempts=2,
        retry_base_s=0.001,
        retry_max_backoff_s=0.01,
        default_timeout_s=60.0,
        call_timeouts_s={"faulty": {"read": 0.2, "total": 30}},
    )
    try:
        async for rig in _rig(settings, vendor):
            vendor.on("/embed", ("slow", 5.0))
            r = await rig.api.post(
                "/v3/universal-ai", json={"model": "text/embeddings/faulty", "input": {"texts": ["a"]}}
            )
            body = r.json()
            assert body["status"] == "fail" and body["error"]["error_code"] == "provider_timeout", body
            assert "read timeout" in str(body["error"])
            assert vendor.hits["/embed"] == 2  # a one-shot call is retried after a read timeout
    finally:
        await runner.cleanup()
