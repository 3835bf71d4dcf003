"""Idempotency-Key on both POST endpoints, served by the fast lane and by the FastAPI routes."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.conftest import Api
from tests.fakes import FakeProvider

EMBED = {"model": "text/embeddings/fake", "input": {"texts": ["a"]}}


async def _post(api: Api, body: dict[str, Any], key: str, url: str = "/v3/universal-ai") -> Any:
    return await api.post(url, json=body, headers={"Idempotency-Key": key})


async def test_sync_replay_returns_the_stored_result_without_calling_again(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    first = await _post(api_both, EMBED, "k1")
    assert first.status_code == 200 and first.json()["status"] == "success"
    # Same body, other key order and spacing: the same canonical JSON.
    again = await api_both.post(
        "/v3/universal-ai",
        content=b'{"input": {"texts": ["a"]},   "model": "text/embeddings/fake"}',
        headers={"Idempotency-Key": "k1", "Content-Type": "application/json"},
    )
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert fakes[0].calls["embeddings"] == 1


async def test_same_key_other_body_is_422(api_both: Api) -> None:
    assert (await _post(api_both, EMBED, "k2")).status_code == 200
    r = await _post(api_both, {**EMBED, "input": {"texts": ["b"]}}, "k2")
    assert r.status_code == 422 and "different request body" in r.text


async def test_keys_are_scoped_per_api_key(api_both: Api, fakes: tuple[FakeProvider, FakeProvider]) -> None:
    assert (await _post(api_both, EMBED, "shared")).status_code == 200
    _, other = await api_both.gateway.keys.create("other")
    r = await api_both.post(
        "/v3/universal-ai",
        json={**EMBED, "input": {"texts": ["zz"]}},
        headers={"Idempotency-Key": "shared", "Authorization": f"Bearer {other}"},
    )
    assert r.status_code == 200 and r.json()["status"] == "success"
    assert fakes[0].calls["embeddings"] == 2


async def test_a_failed_sync_answer_frees_the_key(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    bad = {**EMBED, "provider_params": {"fail": "auth"}}
    assert (await _post(api_both, bad, "k3")).json()["status"] == "fail"
    assert (await _post(api_both, bad, "k3")).json()["status"] == "fail"
    assert fakes[0].calls["embeddings"] == 2


async def test_async_replay_returns_the_same_job(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    body = {"model": "text/embeddings/fake", "input": {"texts": ["a"]}}
    first = await _post(api_both, body, "job-1", "/v3/universal-ai/async")
    assert first.status_code == 202, first.text
    job_id = first.json()["public_id"]
    await api_both.wait(job_id)
    again = await _post(api_both, body, "job-1", "/v3/universal-ai/async")
    assert again.status_code == 202 and again.json()["public_id"] == job_id
    assert again.json()["status"] == "success"  # the job as it is now
    jobs = (await api_both.get("/v3/universal-ai/async")).json()["items"]
    assert [j["public_id"] for j in jobs] == [job_id]


async def test_concurrent_duplicates_do_not_both_run(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    slow = {**EMBED, "provider_params": {"sleep": 0.3}}
    first, second = await asyncio.gather(_post(api_both, slow, "race"), _post(api_both, slow, "race"))
    codes = sorted([first.status_code, second.status_code])
    assert codes == [200, 409], (first.text, second.text)
    assert fakes[0].calls["embeddings"] == 1
    assert (await _post(api_both, slow, "race")).status_code == 200  # now a replay
    assert fakes[0].calls["embeddings"] == 1


async def test_expired_keys_are_reusable(api_both: Api, fakes: tuple[FakeProvider, FakeProvider]) -> None:
    api_both.gateway.settings.idempotency_ttl_s = 0.0
    await _post(api_both, EMBED, "old")
    r = await _post(api_both, {**EMBED, "input": {"texts": ["new"]}}, "old")
    assert r.status_code == 200 and fakes[0].calls["embeddings"] == 2
