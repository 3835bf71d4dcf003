"""Idempotency-Key on both POST endpoints, served by the fast lane and by the FastAPI routes."""

from __future__ import annotations

import asyncio
import time
import uuid
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


# ---- a process that died between claiming a key and recording its answer -----------------------


async def _dead_claim(api: Api, endpoint: str, body: dict[str, Any], key: str, *, age_s: float) -> Any:
    """What a killed process leaves: the key claimed `processing` (with the job id it was to use)."""
    from sqlalchemy import update

    from unigate.api.bodies import UniversalAIAsyncRequest, UniversalAIRequest
    from unigate.api.idempotency import IdempotencyStore, request_hash
    from unigate.db.tables import idempotency_keys

    owner = await api.gateway.keys.authenticate(api.key)
    assert owner is not None
    model = UniversalAIAsyncRequest if endpoint == "async" else UniversalAIRequest
    digest = request_hash(endpoint, model.model_validate(body))
    job_id = str(uuid.uuid4()) if endpoint == "async" else None
    store = IdempotencyStore(api.gateway.db)
    assert await store.claim(owner.id, key, digest, 3600.0, job_id) is None
    when = time.time() - age_s
    await api.gateway.db.write(
        lambda c: c.execute(
            update(idempotency_keys).where(idempotency_keys.c.key == key).values(created_at=when)
        )
    )
    return owner.id, job_id


async def test_async_job_committed_before_a_crash_is_found_by_the_retry(api_both: Api) -> None:
    body = {"model": "text/embeddings/fake", "input": {"texts": ["c"]}}
    owner, job_id = await _dead_claim(api_both, "async", body, "crash-1", age_s=1.0)
    # The dead process had committed its job under the pre-assigned id.
    await api_both.gateway.submit(owner, model=body["model"], input=body["input"], job_id=job_id)
    r = await _post(api_both, body, "crash-1", "/v3/universal-ai/async")
    assert r.status_code == 202, r.text
    assert r.json()["public_id"] == job_id and r.headers["idempotent-replayed"] == "true"
    jobs = (await api_both.get("/v3/universal-ai/async")).json()["items"]
    assert [j["public_id"] for j in jobs] == [job_id]  # one job, not two


async def test_async_claim_of_a_dead_process_is_taken_over_once_stale(api_both: Api) -> None:
    body = {"model": "text/embeddings/fake", "input": {"texts": ["d"]}}
    await _dead_claim(api_both, "async", body, "crash-2", age_s=1.0)
    r = await _post(api_both, body, "crash-2", "/v3/universal-ai/async")
    assert r.status_code == 409  # it may still be running somewhere
    _, stale_id = await _dead_claim(api_both, "async", body, "crash-3", age_s=30.0)
    r = await _post(api_both, body, "crash-3", "/v3/universal-ai/async")
    assert r.status_code == 202, r.text
    assert r.json()["public_id"] == stale_id  # the id the claim recorded: a late commit would clash
    again = await _post(api_both, body, "crash-3", "/v3/universal-ai/async")
    assert again.json()["public_id"] == stale_id and again.headers["idempotent-replayed"] == "true"


async def test_sync_claim_of_a_dead_process_is_taken_over_after_the_sync_timeout(
    api_both: Api, fakes: tuple[FakeProvider, FakeProvider]
) -> None:
    await _dead_claim(api_both, "sync", EMBED, "crash-4", age_s=10.0)
    assert (await _post(api_both, EMBED, "crash-4")).status_code == 409
    stale = api_both.gateway.settings.default_timeout_s + 31.0
    await _dead_claim(api_both, "sync", EMBED, "crash-5", age_s=stale)
    r = await _post(api_both, EMBED, "crash-5")
    assert r.status_code == 200 and r.json()["status"] == "success"
    assert fakes[0].calls["embeddings"] == 1
