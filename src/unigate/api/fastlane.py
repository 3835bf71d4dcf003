"""The fast lane: the three hot endpoints served straight from ASGI.

`POST /v3/universal-ai`, `POST /v3/universal-ai/async` and `GET /v3/universal-ai/async/{id}` are
what clients call in loops. Measured here, FastAPI's routing and dependency machinery costs more
CPU per request than the gateway's own work on them, so this middleware answers those three
directly: the same body model (`UniversalAIRequest`, `model_validate_json`), the same
authentication, the same facade calls and the same error shapes as the documented FastAPI routes
in `routes/universal.py`, which stay the OpenAPI definition (and serve when the lane is off). The
API tests run against both.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unigate.api.answers import submit_answer, sync_answer
from unigate.api.auth import INVALID_KEY, MISSING_KEY
from unigate.api.bodies import UniversalAIAsyncRequest, UniversalAIRequest
from unigate.engine.errors import RequestError
from unigate.gateway import Gateway

PREFIX = "/v3/universal-ai"
JOB_PREFIX = "/v3/universal-ai/async/"
_JSON = [(b"content-type", b"application/json")]


class FastLaneMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if method == "POST" and path == PREFIX:
            handler = _sync
        elif method == "POST" and path == PREFIX + "/async":
            handler = _submit
        elif method == "GET" and path.startswith(JOB_PREFIX) and "/" not in path[len(JOB_PREFIX) :]:
            handler = _get_job
        else:
            await self.app(scope, receive, send)
            return
        gateway: Gateway = scope["app"].state.gateway
        status, body, headers = await _answer(handler, gateway, scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": _JSON + headers})
        await send({"type": "http.response.body", "body": orjson.dumps(body)})


Answer = tuple[int, Any, list[tuple[bytes, bytes]]]


async def _answer(handler: Any, gateway: Gateway, scope: Scope, receive: Receive) -> Answer:
    token = _bearer(scope)
    key = await gateway.keys.authenticate(token) if token else None
    if key is None:
        return 401, {"detail": MISSING_KEY if not token else INVALID_KEY}, [(b"www-authenticate", b"Bearer")]
    try:
        status, body, headers = await handler(gateway, key.id, scope, receive)
    except RequestError as exc:
        return exc.status, {"detail": exc.detail}, []
    return status, body, headers


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


async def _read_body(receive: Receive) -> bytes:
    # Size is bounded by FastAPI's body-limit middleware, which wraps this one (413 beyond).
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _parse(model: type[BaseModel], receive: Receive) -> Any:
    raw = await _read_body(receive)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        detail = []
        for err in exc.errors(include_url=False, include_context=False, include_input=False):
            if err["type"] == "json_invalid":
                detail.append({"loc": ["body", 0], "msg": "JSON decode error", "type": "json_invalid"})
            else:
                detail.append({"loc": ["body", *err["loc"]], "msg": err["msg"], "type": err["type"]})
        raise RequestError(422, detail, "invalid_body") from None


async def _sync(gateway: Gateway, owner: str, scope: Scope, receive: Receive) -> Answer:
    body: UniversalAIRequest = await _parse(UniversalAIRequest, receive)
    return await sync_answer(gateway, owner, scope["headers"], body)


async def _submit(gateway: Gateway, owner: str, scope: Scope, receive: Receive) -> Answer:
    body: UniversalAIAsyncRequest = await _parse(UniversalAIAsyncRequest, receive)
    return await submit_answer(gateway, owner, scope["headers"], body)


async def _get_job(gateway: Gateway, owner: str, scope: Scope, receive: Receive) -> Answer:
    job = await gateway.job(owner, scope["path"][len(JOB_PREFIX) :])
    return 200, job.envelope(), []
