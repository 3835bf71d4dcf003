"""Property-based fuzzing of every documented operation with schemathesis, in process (ASGI).

Each operation gets a bounded, derandomized set of generated requests, authenticated with a key
created here. Checks: no 5xx, status codes declared in the OpenAPI document, and response bodies
conforming to their declared schemas. When one fails, fix the document (the route's `responses=`
or `response_model=`) or the route, never this test.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.fakes import FakeProvider
from unigate.api.app import create_app
from unigate.gateway import Gateway
from unigate.providers.registry import ProviderRegistry
from unigate.settings import Settings

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


async def _create_key(settings: Settings) -> str:
    gw = Gateway(settings, registry=ProviderRegistry([FakeProvider("fake")]))
    await gw.start()
    try:
        _, secret = await gw.keys.create("fuzzer")
        return str(secret)
    finally:
        await gw.aclose()


@pytest.fixture(params=["fast-lane", "fastapi-routes"])
def fuzz_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Both servings of the hot endpoints: the fast lane must answer as the documented routes."""
    return Settings(
        data_dir=tmp_path / "data",
        url_allow=[],
        job_lease_s=5.0,
        job_heartbeat_s=1.0,
        fast_lane=request.param == "fast-lane",
    )


@pytest.fixture
def fuzz_key(fuzz_settings: Settings) -> str:
    return asyncio.run(_create_key(fuzz_settings))


class _CurrentApp:
    """The ASGI app schemathesis calls: it forwards to the app of the running test, so each test
    gets a fresh gateway (schemathesis starts the lifespan on first use, ends it at teardown)."""

    def __init__(self) -> None:
        self.app: FastAPI | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "the fuzz_app fixture sets the app"
        await self.app(scope, receive, send)


def _new_app(settings: Settings) -> FastAPI:
    # Only the fake provider: generated requests must never reach a network or load a local model.
    gw = Gateway(settings, registry=ProviderRegistry([FakeProvider("fake")]))
    return create_app(gw, announce_first_key=False)


CURRENT = _CurrentApp()
# The document does not depend on the gateway's state, so it is built once, without a lifespan.
schema = schemathesis.openapi.from_dict(_new_app(Settings(data_dir=Path("/nonexistent"))).openapi())
schema.app = CURRENT


@pytest.fixture
def fuzz_app(fuzz_settings: Settings) -> Iterator[None]:
    CURRENT.app = _new_app(fuzz_settings)
    yield
    CURRENT.app = None


@schema.parametrize()
@hypothesis.settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_openapi_conformance(case: Any, fuzz_key: str, fuzz_app: None) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_key}"}, checks=CHECKS)
