"""Completion webhooks: payload, RSA-SHA256 signature, retries with backoff, attempts recorded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.conftest import Api


class Receiver:
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((dict(request.headers), await request.read()))
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return web.Response(status=status, text="ok")


@pytest.fixture
async def receiver(request: pytest.FixtureRequest) -> AsyncIterator[Receiver]:
    rec = Receiver(list(getattr(request, "param", [200])))
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    rec.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"  # type: ignore[union-attr]
    try:
        yield rec
    finally:
        await runner.cleanup()


async def _wait_for(predicate: Any, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.05)


async def test_signed_webhook_on_completion(api: Api, receiver: Receiver) -> None:
    r = await api.post(
        "/v3/universal-ai/async",
        json={
            "model": "text/embeddings/fake",
            "input": {"texts": ["a"]},
            "webhook_receiver": receiver.url,
            "user_webhook_parameters": {"order": 42},
        },
    )
    job_id = r.json()["public_id"]
    await _wait_for(lambda: receiver.calls)
    headers, body = receiver.calls[0]
    import json

    payload = json.loads(body)
    assert payload["event"] == "async_job_completed" and payload["job_id"] == job_id
    assert payload["status"] == "success" and payload["user_parameters"] == {"order": 42}
    assert payload["output"]["items"][0]["embedding"] == [1.0, 1.0, 0.5] and payload["cost"] == "0.00001"
    assert headers["X-Edenai-Hash-Algorithm"] == "SHA256"
    pem = (await api.get("/v3/webhooks/public-key")).json()["public_key"]
    key = serialization.load_pem_public_key(pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(bytes.fromhex(headers["X-Edenai-Signature"]), body, padding.PKCS1v15(), hashes.SHA256())
    assert headers["X-Unigate-Signature"] == headers["X-Edenai-Signature"]
    for _ in range(50):
        job = (await api.get(f"/v3/universal-ai/async/{job_id}")).json()
        if job["webhook"]["status"] == "delivered":
            break
        await asyncio.sleep(0.05)
    assert job["webhook"] == {"status": "delivered", "attempts": 1}


@pytest.mark.parametrize("receiver", [[500, 503, 200]], indirect=True)
async def test_webhook_retried_until_2xx_and_attempts_recorded(
    api: Api, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("unigate.jobs.webhooks.backoff_s", lambda attempt: 0.1)
    r = await api.post(
        "/v3/universal-ai/async",
        json={"model": "text/embeddings/fake", "input": {"texts": ["a"]}, "webhook_receiver": receiver.url},
    )
    job_id = r.json()["public_id"]
    await _wait_for(lambda: len(receiver.calls) >= 3)
    for _ in range(50):
        attempts = (await api.get(f"/v3/universal-ai/async/{job_id}/webhooks")).json()
        if attempts["status"] == "delivered":
            break
        await asyncio.sleep(0.05)
    assert attempts["status"] == "delivered"
    assert [d["status_code"] for d in attempts["deliveries"]] == [500, 503, 200]
    assert [d["attempt"] for d in attempts["deliveries"]] == [1, 2, 3]


async def test_webhook_gives_up_after_max_attempts(
    api: Api, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.statuses = [404]
    monkeypatch.setattr("unigate.jobs.webhooks.backoff_s", lambda attempt: 0.05)
    api.gateway.webhooks.max_attempts = 3
    r = await api.post(
        "/v3/universal-ai/async",
        json={"model": "text/embeddings/fake", "input": {"texts": ["a"]}, "webhook_receiver": receiver.url},
    )
    job_id = r.json()["public_id"]
    for _ in range(200):
        job = (await api.get(f"/v3/universal-ai/async/{job_id}")).json()
        if job.get("webhook", {}).get("status") == "failed":
            break
        await asyncio.sleep(0.05)
    assert job["webhook"] == {"status": "failed", "attempts": 3}
    assert len(receiver.calls) == 3


async def test_webhook_target_must_pass_the_ssrf_guard(api: Api) -> None:
    r = await api.post(
        "/v3/universal-ai/async",
        json={
            "model": "text/embeddings/fake",
            "input": {"texts": ["a"]},
            "webhook_receiver": "http://10.0.0.7/hook",
        },
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "webhook_receiver"]
