"""The two POST endpoints' work, shared by the FastAPI routes and the fast lane: request headers
(`Idempotency-Key`, `X-Unigate-Cache`) are read here, once, for both."""

from __future__ import annotations

from typing import Any

from unigate.api.bodies import UniversalAIAsyncRequest, UniversalAIRequest
from unigate.api.idempotency import Answer, Claimed, RawHeaders, header, idempotent
from unigate.gateway import Gateway

STALE_MARGIN_S = 30.0  # how long a sync claim may sit unfinished beyond the sync timeout
# A submission is a few writes, and its job id is pre-assigned: if the first process commits late
# after all, the take-over's insert of the same id fails and answers with that job. Never two.
ASYNC_STALE_S = 5.0


def wants_cache(raw_headers: RawHeaders) -> bool:
    return (header(raw_headers, b"x-unigate-cache") or "").strip().lower() in ("true", "1", "yes")


async def sync_answer(
    gateway: Gateway, owner: str, raw_headers: RawHeaders, body: UniversalAIRequest
) -> Answer:
    async def run(_: str | None) -> tuple[Answer, str | None, bool]:
        result, hit = await gateway.execute_cached(
            owner,
            model=body.model,
            input=body.input,
            provider_params=body.provider_params,
            fallbacks=body.fallbacks,
            show_original_response=bool(body.show_original_response),
            use_cache=wants_cache(raw_headers),
        )
        headers = [(b"x-unigate-cache", b"hit" if hit else b"miss")] if wants_cache(raw_headers) else []
        return (200, result, headers), None, result.get("status") == "success"

    async def replay(held: Claimed) -> Answer:
        return held.response_status or 200, held.response, []

    ttl = gateway.settings.idempotency_ttl_s
    # A sync call may run up to its timeout: only a claim older than that (and a margin) is stale.
    stale = gateway.settings.default_timeout_s + STALE_MARGIN_S
    return await idempotent(
        gateway.db, owner, raw_headers, "sync", body, ttl, run, replay, stale_after_s=stale
    )


async def submit_answer(
    gateway: Gateway, owner: str, raw_headers: RawHeaders, body: UniversalAIAsyncRequest
) -> Answer:
    async def run(job_id: str | None) -> tuple[Answer, str | None, bool]:
        job = await gateway.submit(
            owner,
            job_id=job_id,
            model=body.model,
            input=body.input,
            provider_params=body.provider_params,
            fallbacks=body.fallbacks,
            show_original_response=bool(body.show_original_response),
            webhook_receiver=body.webhook_receiver,
            user_webhook_parameters=body.user_webhook_parameters,
        )
        return (202, job.envelope(), []), job.id, True

    async def replay(held: Claimed) -> Answer:
        assert held.job_id is not None
        envelope: Any = (await gateway.job(owner, held.job_id)).envelope()  # the same job, as it is now
        return 202, envelope, []

    async def committed(job_id: str) -> bool:
        return await gateway.jobs.get(job_id) is not None

    ttl = gateway.settings.idempotency_ttl_s
    return await idempotent(
        gateway.db,
        owner,
        raw_headers,
        "async",
        body,
        ttl,
        run,
        replay,
        stale_after_s=ASYNC_STALE_S,
        committed=committed,
    )
