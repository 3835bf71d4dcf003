"""The FastAPI application."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError

from unigate.accounts.keys import ApiKey
from unigate.api.auth import admin_key
from unigate.api.fastlane import FastLaneMiddleware
from unigate.api.idempotency import IdempotencyStore
from unigate.api.openapi import get_openapi_base, with_subfeature_inputs
from unigate.api.responses import json_response
from unigate.api.routes import info, universal, upload
from unigate.engine.errors import RequestError
from unigate.engine.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from unigate.gateway import Gateway
from unigate.settings import get_settings

log = logging.getLogger(__name__)

_MULTIPART_SLACK = 64 * 1024

DESCRIPTION = """One API for every AI provider, cloud APIs and open models on your own machine.

Requests name `feature/subfeature/provider[/model]`; inputs are validated per subfeature (the
schemas are in `GET /v3/info/{feature}/{subfeature}`); outputs have the same shape whoever served
them; every answer carries its cost. Long work runs as async jobs.
"""


async def _purge_idempotency_keys(gw: Gateway) -> None:
    """Expired idempotency records go away hourly (a reused key also replaces its expired record)."""
    while True:
        try:
            await IdempotencyStore(gw.db).purge_expired()
        except Exception:
            log.exception("purging expired idempotency keys failed")
        await asyncio.sleep(3600)


def create_app(gateway: Gateway | None = None, *, announce_first_key: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gw = gateway or Gateway()
        app.state.gateway = gw
        await gw.start()
        if announce_first_key:
            secret = await gw.ensure_first_key()
            if secret:
                print(
                    "\nunigate: no API key existed, so an admin key was created. It is shown only once:\n\n"
                    f"    {secret}\n\nUse it as 'Authorization: Bearer <key>'; "
                    "manage keys with 'unigate keys create|list|revoke'.\n",
                    flush=True,
                )
        purger = asyncio.create_task(_purge_idempotency_keys(gw), name="unigate-idempotency-purge")
        try:
            yield
        finally:
            purger.cancel()
            await asyncio.gather(purger, return_exceptions=True)
            await gw.aclose()

    settings = gateway.settings if gateway is not None else get_settings()
    app = FastAPI(
        title="unigate",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        max_body_size=settings.max_request_bytes,  # JSON bodies; 413 beyond
    )
    app.include_router(universal.router)
    # Uploads get their own, larger bound (the file plus the multipart envelope).
    app.include_router(upload.router, max_body_size=settings.max_upload_bytes + _MULTIPART_SLACK)
    app.include_router(upload.files_router)
    app.include_router(universal.webhooks_router)
    app.include_router(info.router)
    if settings.fast_lane:
        app.add_middleware(FastLaneMiddleware)

    @app.exception_handler(RequestError)
    async def request_error(_: Request, exc: RequestError) -> Response:
        return json_response({"detail": exc.detail}, status=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> Response:
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "value_error")}
            for e in exc.errors()
        ]
        return json_response({"detail": detail}, status=422)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_subfeature_inputs(get_openapi_base(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/health", tags=["ops"], summary="Liveness")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics of this process (admin key)",
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
            401: {"description": "Missing or unknown API key"},
            403: {"description": "Not an admin key"},
        },
    )
    async def metrics(request: Request, _: Annotated[ApiKey, Depends(admin_key)]) -> Response:
        gw: Gateway = request.app.state.gateway
        return Response(await gw.metrics_text(), media_type=METRICS_CONTENT_TYPE)

    return app
