"""Fault injection: a loopback vendor scripted to fail in the ways real ones do (5xx, 429 with
Retry-After, answers past the deadline, connection resets, truncated JSON, the wrong shape), behind
a small provider that calls it through `unigate.providers.http.call`. Asserts what the engine does:
attempts made, backoff waited, fallback taken, circuit transitions, and the final error_code."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from tests.conftest import Api
from tests.fakes import FakeProvider
from unigate.api.app import create_app
from unigate.gateway import Gateway
from unigate.providers.base import CallContext, Launched, ModelSpec, Offer, Pending, ProviderResult
from unigate.providers.errors import ProviderBadResponse
from unigate.providers.http import call_json
from unigate.providers.registry import ProviderRegistry
from unigate.settings import Settings

# A scripted reply: ("json", status, body[, headers]) | ("slow", seconds) | ("reset",) | ("raw", bytes)
Step = tuple[Any, ...]


@dataclass
class FaultyVendor:
    script: dict[str, list[Step]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    base_url: str = ""

    def on(self, path: str, *steps: Step) -> None:
        self.script[path] = list(steps)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        self.hits[path] = self.hits.get(path, 0) + 1
        steps = self.script.get(path, [("json", 404, {"error": "no route"})])
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        kind = step[0]
        if kind == "slow":
            await asyncio.sleep(step[1])
            return web.json_response({"items": [{"embedding": [1.0]}]})
        if kind == "reset":  # send headers and half a body, then drop the connection
            resp = web.StreamResponse(status=200, headers={"Content-Length": "1000"})
            await resp.prepare(request)
            await resp.write(b'{"items": [')
            assert request.transport is not None
            request.transport.close()
            return resp
        if kind == "raw":
            return web.Response(status=200, body=step[1], content_type="application/json")
        headers = step[3] if len(step) > 3 else {}
        return web.json_response(step[2], status=step[1], headers=headers)


class FaultyProvider:
    """Embeddings by one POST; text_to_speech_async by launch (POST /jobs) + poll (GET /jobs/1)."""

    name = "faulty"
    display_name = "Faulty"

    def __init__(self, vendor: FaultyVendor) -> None:
        self.vendor = vendor

    def unavailable_reason(self, env: Mapping[str, str]) -> str | None:
        return None

    def credentials(self, env: Mapping[str, str]) -> Mapping[str, str]:
        return {"api_key": "sk-faulty-secret"}

    async def embeddings(self, inp: Any, ctx: CallContext) -> ProviderResult:
        body = await call_json(ctx, "faulty", "POST", self.vendor.base_url + "/embed", json_body={})
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise ProviderBadResponse("faulty: no items in the answer")
        return ProviderResult(output=body, usage={"request": 1})

    async def launch(self, inp: Any, ctx: CallContext) -> Launched:
        body = await call_json(ctx, "faulty", "POST", self.vendor.base_url + "/jobs", json_body={})
        return Launched(str(body["id"]), retry_after=0.01)

    async def poll(self, job_id: str, ctx: CallContext) -> Pending | ProviderResult:
        body = await call_json(ctx, "faulty", "GET", f"{self.vendor.base_url}/jobs/{job_id}")
        if body.get("status") != "done":
            return Pending(retry_after=0.01)
        audio = base64.b64encode(b"ID3audio").decode()
        return ProviderResult(output={"audio": audio, "voice_type": 1, "audio_resource_url": None})

    def offers(self) -> Sequence[Offer]:
        return [
            Offer("text/embeddings", models=(ModelSpec("m"),), default_model="m", run=self.embeddings),
            Offer(
                "audio/text_to_speech_async",
                models=(ModelSpec("m"),),
                default_model="m",
                launch=self.launch,
                poll=self.poll,
            ),
        ]


@pytest.fixture
async def vendor() -> AsyncIterator[FaultyVendor]:
    v = FaultyVendor()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", v.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    v.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    try:
        yield v
    finally:
        await runner.cleanup()


@pytest.fixture
def fault_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        retry_max_attempts=3,
        retry_base_s=0.001,  # jitter stays far below the Retry-After the vendor asks for
        retry_max_backoff_s=0.01,
        call_timeouts_s={"faulty": 0.3},
        breaker_failure_threshold=100,  # breaker tests lower it
        job_lease_s=5.0,
        job_heartbeat_s=1.0,
    )


@dataclass
class Rig:
    api: Api
    vendor: FaultyVendor
    backup: FakeProvider
    sleeps: list[float]


async def _rig(settings: Settings, vendor: FaultyVendor) -> AsyncIterator[Rig]:
    backup = FakeProvider("fake2")
    gw = Gateway(settings, registry=ProviderRegistry([FaultyProvider(vendor), backup]))
    sleeps: list[float] = []

    async def record(delay: float) -> None:
        sleeps.append(delay)
        await asyncio.sleep(delay)

    gw.engine.sleep = record
    app = create_app(gw, announce_first_key=False)
    async with app.router.lifespan_context(app):
        _, secret = await gw.keys.create("tester")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {secret}"},
        ) as client:
            yield Rig(Api(client, gw, secret), vendor, backup, sleeps)


@pytest.fixture
async def rig(fault_settings: Settings, vendor: FaultyVendor) -> AsyncIterator[Rig]:
    async for r in _rig(fault_settings, vendor):
        yield r


async def _embed(rig: Rig, fallbacks: list[str] | None = None) -> dict[str, Any]:
    req: dict[str, Any] = {"model": "text/embeddings/faulty", "input": {"texts": ["a"]}}
    if fallbacks:
        req["fallbacks"] = fallbacks
    r = await rig.api.post("/v3/universal-ai", json=req)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


OK = ("json", 200, {"items": [{"embedding": [0.5, 0.5]}]})


async def test_500s_are_retried_then_succeed(rig: Rig) -> None:
    rig.vendor.on("/embed", ("json", 500, {"error": "boom"}), ("json", 502, {}), OK)
    body = await _embed(rig)
    assert body["status"] == "success", body
    assert rig.vendor.hits["/embed"] == 3 and len(rig.sleeps) == 2


async def test_500s_exhaust_attempts_then_fail_with_server_error(rig: Rig) -> None:
    rig.vendor.on("/embed", ("json", 500, {"error": "boom"}))
    body = await _embed(rig)
    assert body["status"] == "fail" and body["error"]["error_code"] == "provider_server_error"
    assert rig.vendor.hits["/embed"] == 3  # retry_max_attempts
    assert "sk-faulty-secret" not in str(body)


async def test_429_retry_after_is_honoured(rig: Rig) -> None:
    rig.vendor.on("/embed", ("json", 429, {"error": "slow down"}, {"Retry-After": "0.2"}), OK)
    body = await _embed(rig)
    assert body["status"] == "success"
    assert rig.vendor.hits["/embed"] == 2 and rig.sleeps == [pytest.approx(0.2)]


async def test_retry_after_beyond_the_deadline_goes_to_the_fallback_at_once(
    fault_settings: Settings, vendor: FaultyVendor
) -> None:
    fault_settings.default_timeout_s = 2.0
    async for rig in _rig(fault_settings, vendor):
        vendor.on("/embed", ("json", 429, {"error": "later"}, {"Retry-After": "30"}))
        body = await _embed(rig, ["fake2"])
        assert body["status"] == "success" and body["provider"] == "fake2"
        assert vendor.hits["/embed"] == 1 and rig.sleeps == []


async def test_slow_answers_time_out_per_call_then_fallback(rig: Rig) -> None:
    rig.vendor.on("/embed", ("slow", 2.0))
    body = await _embed(rig, ["fake2"])
    assert body["status"] == "success" and body["provider"] == "fake2"
    assert rig.vendor.hits["/embed"] == 3 and rig.backup.calls["embeddings"] == 1


async def test_slow_answers_without_fallback_fail_as_timeout(rig: Rig) -> None:
    rig.vendor.on("/embed", ("slow", 2.0))
    body = await _embed(rig)
    assert body["status"] == "fail" and body["error"]["error_code"] == "provider_timeout"


async def test_connection_reset_is_retried(rig: Rig) -> None:
    rig.vendor.on("/embed", ("reset",), OK)
    body = await _embed(rig)
    assert body["status"] == "success", body
    assert rig.vendor.hits["/embed"] == 2


@pytest.mark.parametrize("step", [("raw", b'{"items": [{"embed'), ("json", 200, {"data": []})])
async def test_truncated_or_wrong_shape_is_a_bad_response(rig: Rig, step: Step) -> None:
    rig.vendor.on("/embed", step)
    body = await _embed(rig)
    assert body["status"] == "fail" and body["error"]["error_code"] == "provider_bad_response"
    assert rig.vendor.hits["/embed"] == 3


async def test_circuit_opens_rejects_fast_half_opens_and_closes(
    fault_settings: Settings, vendor: FaultyVendor
) -> None:
    fault_settings.breaker_failure_threshold = 3
    fault_settings.breaker_cooldown_s = 0.3
    async for rig in _rig(fault_settings, vendor):
        vendor.on("/embed", ("json", 500, {}))
        assert (await _embed(rig))["error"]["error_code"] == "provider_server_error"
        assert vendor.hits["/embed"] == 3
        info = (await rig.api.get("/v3/info/text/embeddings")).json()
        faulty = next(p for p in info["providers"] if p["name"] == "faulty")
        circuit = faulty["models"][0]["circuit"]
        assert circuit["state"] == "open" and circuit["failures"] == 3 and circuit["opened_at"]

        body = await _embed(rig)  # refused without calling the vendor
        assert body["error"]["error_code"] == "circuit_open" and vendor.hits["/embed"] == 3
        body = await _embed(rig, ["fake2"])  # the fallback skips the open circuit
        assert body["provider"] == "fake2" and vendor.hits["/embed"] == 3

        await asyncio.sleep(0.35)
        assert rig.api.gateway.engine.breakers.state("faulty", "m")["state"] == "half_open"
        vendor.on("/embed", ("json", 500, {}))  # the probe fails: open again, one call only
        assert (await _embed(rig))["error"]["error_code"] == "provider_server_error"
        assert vendor.hits["/embed"] == 4
        assert rig.api.gateway.engine.breakers.state("faulty", "m")["state"] == "open"

        await asyncio.sleep(0.35)
        vendor.on("/embed", OK)  # the probe succeeds: closed
        assert (await _embed(rig))["status"] == "success"
        snap = rig.api.gateway.engine.breakers.snapshot()
        assert {
            "provider": "faulty",
            "model": "m",
            "state": "closed",
            "failures": 0,
            "opened_at": None,
        } in snap


async def _tts_job(rig: Rig) -> dict[str, Any]:
    r = await rig.api.post(
        "/v3/universal-ai/async", json={"model": "audio/text_to_speech_async/faulty", "input": {"text": "hi"}}
    )
    assert r.status_code == 202, r.text
    return await rig.api.wait(r.json()["public_id"], timeout_s=20)


async def test_ambiguous_launch_failure_is_not_relaunched_and_the_job_ends(rig: Rig) -> None:
    rig.vendor.on("/jobs", ("json", 500, {"error": "maybe started"}))
    done = await _tts_job(rig)
    assert done["status"] == "fail" and done["error"]["error_code"] == "provider_server_error"
    assert rig.vendor.hits["/jobs"] == 1  # a 500 after sending may have started the job: no repeat


async def test_launch_reset_is_not_relaunched(rig: Rig) -> None:
    rig.vendor.on("/jobs", ("reset",))
    done = await _tts_job(rig)
    assert done["status"] == "fail" and rig.vendor.hits["/jobs"] == 1


async def test_refused_launch_is_retried_and_polls_retry_too(rig: Rig) -> None:
    rig.vendor.on("/jobs", ("json", 429, {}, {"Retry-After": "0.05"}), ("json", 200, {"id": 1}))
    rig.vendor.on(
        "/jobs/1", ("json", 502, {}), ("json", 200, {"status": "running"}), ("json", 200, {"status": "done"})
    )
    done = await _tts_job(rig)
    assert done["status"] == "success", done
    assert rig.vendor.hits["/jobs"] == 2 and rig.vendor.hits["/jobs/1"] == 3
