"""POST /v3/universal-ai, the async job endpoints and the job list."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response

from unigate.api.answers import submit_answer, sync_answer
from unigate.api.auth import CurrentKey
from unigate.api.bodies import CancelResponse, JobList, UniversalAIAsyncRequest, UniversalAIRequest
from unigate.api.responses import json_response
from unigate.engine.envelope import UniversalAIResponse
from unigate.gateway import Gateway
from unigate.jobs.webhooks import deliveries

router = APIRouter(prefix="/v3/universal-ai", tags=["universal-ai"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request (e.g. an async-only subfeature on the sync endpoint)"},
    401: {"description": "Missing or invalid API key"},
    404: {"description": "Unknown file or job"},
    415: {"description": "File type not accepted by the subfeature/provider"},
    422: {"description": "Invalid model string, input, fallback or URL"},
}


def _gateway(request: Request) -> Gateway:
    gw: Gateway = request.app.state.gateway
    return gw


@router.post("", response_model=UniversalAIResponse, responses=_ERRORS, summary="Run a subfeature")
async def universal_ai(body: UniversalAIRequest, key: CurrentKey, request: Request) -> Response:
    status, result, headers = await sync_answer(_gateway(request), key.id, request.scope["headers"], body)
    return json_response(result, status, _str_headers(headers))


@router.post(
    "/async",
    status_code=202,
    response_model=UniversalAIResponse,
    responses=_ERRORS,
    summary="Create an async job",
)
async def create_async_job(body: UniversalAIAsyncRequest, key: CurrentKey, request: Request) -> Response:
    status, result, headers = await submit_answer(_gateway(request), key.id, request.scope["headers"], body)
    return json_response(result, status, _str_headers(headers))


def _str_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in raw}


@router.get(
    "/async",
    response_model=JobList,
    responses={401: {"description": "Missing or invalid API key"}},
    summary="List your async jobs (newest first)",
)
async def list_async_jobs(
    key: CurrentKey,
    request: Request,
    status: Literal["processing", "success", "fail"] | None = None,
    subfeature: Annotated[str | None, Query(description="'subfeature' or 'feature/subfeature'")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Response:
    before = _decode_cursor(cursor) if cursor else None
    jobs = await _gateway(request).jobs.list(
        key.id, status=status, subfeature=subfeature, limit=limit + 1, before=before
    )
    page = jobs[:limit]
    next_cursor = _encode_cursor(page[-1].created_at, page[-1].id) if len(jobs) > limit else None
    return json_response({"items": [j.envelope(with_output=False) for j in page], "next_cursor": next_cursor})


@router.get(
    "/async/{public_id}", response_model=UniversalAIResponse, responses=_ERRORS, summary="Get an async job"
)
async def get_async_job(public_id: str, key: CurrentKey, request: Request) -> Response:
    job = await _gateway(request).job(key.id, public_id)
    return json_response(job.envelope())


@router.delete(
    "/async/{public_id}",
    response_model=CancelResponse,
    responses={**_ERRORS, 409: {"description": "The job has already finished"}},
    summary="Cancel an async job that has not finished",
)
async def cancel_async_job(public_id: str, key: CurrentKey, request: Request) -> Response:
    gw = _gateway(request)
    result = await gw.cancel(key.id, public_id)
    if result == "finished":
        raise HTTPException(409, f"job {public_id} has already finished")
    job = await gw.job(key.id, public_id)
    return json_response({"public_id": public_id, "result": result, "job": job.envelope()})


def _encode_cursor(created_at: float, job_id: str) -> str:
    return base64.urlsafe_b64encode(f"{created_at!r}|{job_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        ts, _, job_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return float(ts), job_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HTTPException(
            422,
            [
                {
                    "loc": ["query", "cursor"],
                    "msg": "invalid cursor: pass next_cursor from the previous page",
                    "type": "invalid_cursor",
                }
            ],
        ) from None


@router.get(
    "/async/{public_id}/webhooks",
    summary="Delivery attempts of the job's completion webhook",
    responses={401: {"description": "Missing or invalid API key"}, 404: {"description": "Unknown job"}},
)
async def job_webhook_deliveries(public_id: str, key: CurrentKey, request: Request) -> Response:
    gw = _gateway(request)
    job = await gw.job(key.id, public_id)
    return json_response(
        {
            "public_id": job.id,
            "webhook_receiver": job.webhook_receiver,
            "status": job.webhook_status,
            "deliveries": await deliveries(gw.db, job.id),
        }
    )


webhooks_router = APIRouter(prefix="/v3/webhooks", tags=["webhooks"])


@webhooks_router.get("/public-key", summary="The public key that verifies webhook signatures")
async def webhook_public_key(request: Request) -> Response:
    gw = _gateway(request)
    return json_response(
        {
            "algorithm": "RSA-SHA256 (PKCS#1 v1.5) over the raw request body, hex-encoded",
            "signature_headers": ["X-Unigate-Signature", "X-Edenai-Signature"],
            "public_key": gw.webhook_signer.public_pem,
        }
    )
