"""Shared fixtures: a gateway on a temporary SQLite database, with the local and fake providers."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes import FakeProvider
from unigate.api.app import create_app
from unigate.gateway import Gateway
from unigate.providers.registry import ProviderRegistry, load_entry_point_providers
from unigate.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        url_allow=["127.0.0.0/8"],
        job_lease_s=5.0,
        job_heartbeat_s=1.0,
    )


@pytest.fixture
def fakes() -> tuple[FakeProvider, FakeProvider]:
    return FakeProvider("fake"), FakeProvider("fake2")


@pytest.fixture
def registry(fakes: tuple[FakeProvider, FakeProvider]) -> ProviderRegistry:
    return ProviderRegistry([*load_entry_point_providers(), *fakes])


@pytest.fixture
async def gateway(settings: Settings, registry: ProviderRegistry) -> AsyncIterator[Gateway]:
    gw = Gateway(settings, registry=registry)
    await gw.start()
    try:
        yield gw
    finally:
        await gw.aclose()


class Api:
    """An httpx client on the ASGI app with an API key already in its headers."""

    def __init__(self, client: httpx.AsyncClient, gateway: Gateway, key: str) -> None:
        self.client = client
        self.gateway = gateway
        self.key = key

    async def post(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.post(url, **kw)

    async def get(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.get(url, **kw)

    async def delete(self, url: str, **kw: Any) -> httpx.Response:
        return await self.client.delete(url, **kw)

    async def upload(self, data: bytes, name: str = "file.bin", **form: Any) -> httpx.Response:
        return await self.client.post("/v3/upload", files={"file": (name, io.BytesIO(data))}, data=form)

    async def wait(self, public_id: str, timeout_s: float = 60.0) -> dict[str, Any]:
        import asyncio
        import time

        deadline = time.monotonic() + timeout_s
        while True:
            r = await self.get(f"/v3/universal-ai/async/{public_id}")
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            if body["status"] != "processing" or time.monotonic() > deadline:
                return body
            await asyncio.sleep(0.05)


@pytest.fixture(params=["fast-lane", "fastapi-routes"])
async def api_both(
    request: pytest.FixtureRequest, settings: Settings, registry: ProviderRegistry
) -> AsyncIterator[Api]:
    """The API twice: the fast lane serving the hot endpoints, then FastAPI's documented routes."""
    settings.fast_lane = request.param == "fast-lane"
    async for client in _api(settings, registry):
        yield client


@pytest.fixture
async def api(settings: Settings, registry: ProviderRegistry) -> AsyncIterator[Api]:
    """The API as served by default (fast lane on)."""
    async for client in _api(settings, registry):
        yield client


async def _api(settings: Settings, registry: ProviderRegistry) -> AsyncIterator[Api]:
    gw = Gateway(settings, registry=registry)
    app = create_app(gw, announce_first_key=False)
    async with app.router.lifespan_context(app):
        _, secret = await gw.keys.create("tester")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"Authorization": f"Bearer {secret}"}
        ) as client:
            yield Api(client, gw, secret)
