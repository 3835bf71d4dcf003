"""Outbound HTTP for cloud adapters: one call with the context's deadline, vendor errors mapped to
typed `ProviderError`s, and credentials kept out of every message.

Adapters use the process-wide aiohttp session of the call context (pooling, DNS cache); they
describe the request, and give a function that pulls the human message out of the vendor's error
body.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderConnectError,
    ProviderConnectTimeout,
    ProviderError,
    ProviderInvalidInput,
    ProviderRateLimited,
    ProviderServerError,
    ProviderTimeout,
)

if TYPE_CHECKING:
    from yarl import URL

MessageOf = Callable[[Any, str], str]


@dataclass(frozen=True, slots=True)
class HttpResult:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise ProviderBadResponse(f"invalid JSON from the provider: {self.body[:200]!r}") from None


def default_message(body: Any, text: str) -> str:
    """The usual places vendors put their error message."""
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            for key in ("message", "Message", "error_description", "detail"):
                if isinstance(err.get(key), str):
                    return str(err[key])
        elif isinstance(err, str):
            return err
        for key in ("message", "Message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return text[:500] or "no error message"


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After") or headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime
        from time import time

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time())
        except (TypeError, ValueError):
            return None


def error_for_status(
    vendor: str, status: int, message: str, retry_after: float | None = None, code: str | None = None
) -> ProviderError:
    """Map an HTTP status to the typed error the engine understands (and the envelope's error_code)."""
    text = f"{vendor}: {message}" + (f" ({code})" if code else "")
    if status in (401, 403):
        return ProviderAuthError(text, status=status)
    if status == 429:
        return ProviderRateLimited(text, retry_after=retry_after, status=status)
    if status in (408, 504):
        return ProviderTimeout(text, status=status)
    if 400 <= status < 500:
        return ProviderInvalidInput(text, status=status)
    return ProviderServerError(text, retry_after=retry_after, status=status)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


async def call(
    ctx: CallContext,
    vendor: str,
    method: str,
    url: str | URL,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    json_body: Any = None,
    data: bytes | str | None = None,
    message_of: MessageOf = default_message,
    ok: Callable[[int], bool] = lambda status: 200 <= status < 300,
) -> HttpResult:
    """Send one request before the context's deadline, within the attempt's connect and read
    limits (`ctx.connect_timeout`, `ctx.read_timeout`); raise a typed ProviderError on failure."""
    import aiohttp

    secrets = list(ctx.credentials.values())
    extra: dict[str, Any] = {}
    timeout = ctx.client_timeout()
    if timeout is not None:
        extra["timeout"] = timeout
    try:
        async with asyncio.timeout(max(0.001, ctx.remaining())):
            async with ctx.http.request(
                method,
                url,
                headers=headers,
                params=params,
                json=json_body,
                data=data,
                allow_redirects=False,
                **extra,
            ) as resp:
                body = await resp.read()
                result = HttpResult(resp.status, dict(resp.headers), body)
    # aiohttp's socket timeouts are TimeoutErrors too: tell them apart from the deadline first.
    except aiohttp.ConnectionTimeoutError:  # nothing was sent: safe to retry, even a launch
        raise ProviderConnectTimeout(
            f"{vendor}: connect timeout: no connection within {_seconds(ctx.connect_timeout, 10.0)}"
        ) from None
    except aiohttp.ServerTimeoutError:  # sock_read: sent, then silence
        raise ProviderTimeout(
            f"{vendor}: read timeout: no data for {_seconds(ctx.read_timeout, None)}"
        ) from None
    except TimeoutError:
        raise ProviderTimeout(f"{vendor} did not answer before the deadline") from None
    except aiohttp.ClientConnectorError as exc:  # before anything was sent
        raise ProviderConnectError(redact(f"{vendor}: could not connect: {exc}", secrets)) from None
    except aiohttp.ClientError as exc:
        raise ProviderServerError(redact(f"{vendor}: connection failed: {exc}", secrets)) from None
    if ok(result.status):
        return result
    text = body.decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        parsed = None
    message = redact(message_of(parsed, text), secrets)
    raise error_for_status(vendor, result.status, message, retry_after_s(result.headers))


def _seconds(value: float | None, default: float | None) -> str:
    value = value if value is not None else default
    return "the configured time" if value is None else f"{value:g} s"


async def call_json(ctx: CallContext, vendor: str, method: str, url: str | URL, **kw: Any) -> Any:
    return (await call(ctx, vendor, method, url, **kw)).json()
