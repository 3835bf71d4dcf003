"""One request to an OpenAI(-compatible) server: URL, auth headers, JSON, multipart and SSE streams.

Everything a call needs to reach its server comes from `ctx.credentials` (what the provider's
`credentials(env)` resolved): `base_url`, `api_key`, and optionally `auth` ("api-key" for Azure's
header instead of `Authorization: Bearer`), `api_version` (Azure's `api-version` query parameter),
`organization` and `project` (OpenAI's `OpenAI-Organization` / `OpenAI-Project` headers).
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from unigate.providers.base import CallContext
from unigate.providers.errors import ProviderBadResponse, ProviderServerError, ProviderTimeout
from unigate.providers.http import HttpResult, call, redact
from unigate.providers.openai.errors import error_from_response

DEFAULT_BASE_URL = "https://api.openai.com/v1"


def _any_status(status: int) -> bool:
    return True  # statuses are mapped by `error_from_response`, which reads OpenAI's error codes


def data_url(mime: str, data: bytes) -> str:
    """A file inlined as a `data:` URL: how OpenAI takes images in JSON requests."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def endpoint(ctx: CallContext, path: str) -> str:
    return (ctx.credentials.get("base_url") or DEFAULT_BASE_URL).rstrip("/") + path


def auth_headers(ctx: CallContext) -> dict[str, str]:
    creds = ctx.credentials
    headers: dict[str, str] = {}
    key = creds.get("api_key")
    if key:
        if creds.get("auth") == "api-key":
            headers["api-key"] = key
        else:
            headers["Authorization"] = f"Bearer {key}"
    if creds.get("organization"):
        headers["OpenAI-Organization"] = creds["organization"]
    if creds.get("project"):
        headers["OpenAI-Project"] = creds["project"]
    return headers


def query(ctx: CallContext) -> dict[str, str] | None:
    version = ctx.credentials.get("api_version")
    return {"api-version": version} if version else None


async def _send(ctx: CallContext, path: str, **kw: Any) -> HttpResult:
    result = await call(
        ctx, ctx.provider, "POST", endpoint(ctx, path), params=query(ctx), ok=_any_status, **kw
    )
    if not 200 <= result.status < 300:
        raise error_from_response(ctx, result)
    return result


async def post_json(ctx: CallContext, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """POST a JSON body; the answer must be a JSON object."""
    result = await _send(ctx, path, headers=auth_headers(ctx), json_body=body)
    data = result.json()
    if not isinstance(data, dict):
        raise ProviderBadResponse(f"{ctx.provider}: expected a JSON object, got {type(data).__name__}")
    return data


async def post_for_bytes(ctx: CallContext, path: str, body: Mapping[str, Any]) -> HttpResult:
    """POST a JSON body whose answer is binary (synthesised audio)."""
    return await _send(ctx, path, headers=auth_headers(ctx), json_body=body)


def multipart(
    fields: Sequence[tuple[str, str]], file_field: str, filename: str, mime: str, data: bytes
) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type (the vendor reads the format from `filename`)."""
    boundary = f"unigate{secrets.token_hex(16)}"
    out = bytearray()
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    out += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {mime}\r\n\r\n"
    ).encode()
    out += data + b"\r\n" + f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


async def post_multipart(
    ctx: CallContext, path: str, fields: Sequence[tuple[str, str]], filename: str, mime: str, data: bytes
) -> dict[str, Any]:
    body, content_type = multipart(fields, "file", filename, mime, data)
    headers = {**auth_headers(ctx), "Content-Type": content_type}
    result = await _send(ctx, path, headers=headers, data=body)
    parsed = result.json()
    if not isinstance(parsed, dict):
        raise ProviderBadResponse(f"{ctx.provider}: expected a JSON object, got {type(parsed).__name__}")
    return parsed


# ---------------------------------------------------------------------- server-sent events


async def stream_events(
    ctx: CallContext, path: str, body: Mapping[str, Any]
) -> AsyncIterator[dict[str, Any]]:
    """POST a streaming request and yield each `data: {...}` event until `data: [DONE]`.

    The deadline bounds each read, never the time the consumer spends between two events, so this
    generator can feed a slow client without its own timeout firing in the client's code.
    """
    import aiohttp

    vendor = ctx.provider
    limits: dict[str, Any] = {}
    if (timeout := ctx.client_timeout()) is not None:
        limits["timeout"] = timeout
    try:
        async with asyncio.timeout(max(0.001, ctx.remaining())):
            resp = await ctx.http.request(
                "POST",
                endpoint(ctx, path),
                headers={**auth_headers(ctx), "Accept": "text/event-stream"},
                params=query(ctx),
                json=body,
                allow_redirects=False,
                # The call's connect and read limits: a stream quiet for longer than the read limit
                # between two events ends as a timeout.
                **limits,
            )
    except TimeoutError:
        raise ProviderTimeout(f"{vendor} did not answer before the deadline") from None
    except aiohttp.ClientError as exc:
        raise ProviderServerError(
            redact(f"{vendor}: connection failed: {exc}", ctx.credentials.values())
        ) from None
    finished = False
    try:
        if not 200 <= resp.status < 300:
            async with asyncio.timeout(max(0.001, ctx.remaining())):
                raw = await resp.read()
            raise error_from_response(ctx, HttpResult(resp.status, dict(resp.headers), raw))
        async for data in _sse_data(ctx, resp):
            if data.strip() == "[DONE]":
                break
            try:
                event = json.loads(data)
            except ValueError:
                raise ProviderBadResponse(
                    f"{vendor}: invalid JSON in the event stream: {data[:200]!r}"
                ) from None
            if not isinstance(event, dict):
                raise ProviderBadResponse(f"{vendor}: unexpected event in the stream: {data[:200]!r}")
            if isinstance(event.get("error"), dict):
                # An error after the 200 (overload mid-answer): the status is gone, the body says why.
                message = redact(
                    str(event["error"].get("message") or event["error"]), ctx.credentials.values()
                )
                raise ProviderServerError(f"{vendor}: stream failed: {message}")
            yield event
        finished = True
    except TimeoutError:
        raise ProviderTimeout(f"{vendor} stopped streaming before the deadline") from None
    except aiohttp.ClientError as exc:
        raise ProviderServerError(
            redact(f"{vendor}: stream broken: {exc}", ctx.credentials.values())
        ) from None
    finally:
        if finished:
            resp.release()
        else:
            resp.close()  # unread body: the connection cannot be reused


async def _sse_data(ctx: CallContext, resp: Any) -> AsyncIterator[str]:
    """The `data` of each server-sent event (https://html.spec.whatwg.org/multipage/server-sent-events.html)."""
    buffer = b""
    data: list[str] = []
    while True:
        async with asyncio.timeout(max(0.001, ctx.remaining())):
            chunk = await resp.content.readany()
        if not chunk:
            break
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for raw in lines:
            line = raw.rstrip(b"\r").decode("utf-8", "replace")
            if not line:
                if data:
                    yield "\n".join(data)
                    data = []
            elif not line.startswith(":"):
                name, _, value = line.partition(":")
                if name == "data":
                    data.append(value[1:] if value.startswith(" ") else value)
    tail = buffer.rstrip(b"\r").decode("utf-8", "replace")
    if tail.startswith("data:"):
        data.append(tail[5:].lstrip(" "))
    if data:
        yield "\n".join(data)
