"""What every Azure API shares: the key header, the error body, and the mapping of its codes to typed
errors.

Azure error bodies are `{"error": {"code", "message", "innererror": {"code", "message", ...}}}`; the
Speech REST API sends the same object without the `error` wrapper (`innerError` camel-cased), and
Translator uses numeric codes (400036: invalid target language). The most specific (innermost) code
decides the error class.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from unigate.providers import http
from unigate.providers.base import CallContext, Pending
from unigate.providers.errors import (
    ProviderBadResponse,
    ProviderError,
    ProviderTimeout,
    UnsupportedFormat,
    UnsupportedLanguage,
)

T = TypeVar("T")

VENDOR = "Microsoft Azure"
KEY_HEADER = "Ocp-Apim-Subscription-Key"

UNSUPPORTED_LANGUAGE = frozenset(
    {
        "UnsupportedLanguageCode",  # Language: documents[].error.innererror.code
        "InvalidCountryHint",
        "UnsupportedLanguage",
        "NotSupportedLanguage",  # Vision
        "InvalidLocale",  # Speech, Document Intelligence
        "UnsupportedLocale",
        "400035",  # Translator: the source language is not valid
        "400036",  # Translator: the target language is not valid
    }
)
UNSUPPORTED_FORMAT = frozenset(
    {
        "InvalidDocument",
        "InvalidContent",  # Document Intelligence: corrupted or unsupported file
        "UnsupportedContent",
        "InvalidImage",
        "InvalidImageFormat",  # Vision
        "InvalidImageSize",
        "InvalidImageDimension",
        "NotSupportedImage",
        "UnsupportedMediaType",
        "InvalidAudioFormat",  # Speech
        "415000",  # Translator: unsupported media type
    }
)


def error_object(body: Any) -> dict[str, Any]:
    """The Azure error object in a body (wrapped in "error" or not); {} when there is none."""
    if not isinstance(body, dict):
        return {}
    inner = body.get("error", body)
    return inner if isinstance(inner, dict) else {}


def error_codes(err: Mapping[str, Any]) -> list[str]:
    """Codes from the outermost to the innermost."""
    codes: list[str] = []
    node: Any = err
    for _ in range(8):  # innererror chains are short; bound the walk anyway
        if not isinstance(node, dict):
            break
        if node.get("code") is not None:
            codes.append(str(node["code"]))
        node = node.get("innererror") or node.get("innerError")
    return codes


def error_message(err: Mapping[str, Any], text: str = "") -> str:
    """The outer message and, when it adds something, the innermost one."""
    messages: list[str] = []
    node: Any = err
    for _ in range(8):
        if not isinstance(node, dict):
            break
        msg = node.get("message")
        if isinstance(msg, str) and msg and msg not in messages:
            messages.append(msg)
        node = node.get("innererror") or node.get("innerError")
    if messages:
        return messages[0] if len(messages) == 1 else f"{messages[0]}: {messages[-1]}"
    return text[:500] or "no error message"


def to_error(
    err: Mapping[str, Any],
    status: int,
    *,
    secrets: Any = (),
    retry_after: float | None = None,
    fallback: str = "",
) -> ProviderError:
    """A typed error from an Azure error object and the HTTP status it came with."""
    codes = error_codes(err)
    code = codes[-1] if codes else None
    message = http.redact(error_message(err, fallback), secrets)
    text = f"{VENDOR}: {message}" + (f" ({code})" if code else "")
    if 400 <= status < 500 and status not in (401, 403, 408, 429):
        if any(c in UNSUPPORTED_LANGUAGE for c in codes):
            return UnsupportedLanguage(text, status=status)
        if any(c in UNSUPPORTED_FORMAT for c in codes) or status == 415:
            return UnsupportedFormat(text, status=status)
    return http.error_for_status(VENDOR, status, message, retry_after, code)


async def request(
    ctx: CallContext,
    method: str,
    url: str,
    *,
    key_name: str | None,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    json_body: Any = None,
    data: bytes | str | None = None,
) -> http.HttpResult:
    """One Azure call with the subscription key of `key_name`; any non-2xx becomes a typed error."""
    sent = dict(headers or {})
    if key_name:
        sent[KEY_HEADER] = ctx.credentials.get(key_name, "")
    result = await http.call(
        ctx,
        VENDOR,
        method,
        url,
        headers=sent,
        params=params,
        json_body=json_body,
        data=data,
        ok=lambda status: True,  # mapped below, where the Azure error code is known
    )
    if 200 <= result.status < 300:
        return result
    text = result.body.decode("utf-8", "replace")
    try:
        parsed = result.json()
    except ProviderBadResponse:
        parsed = None
    raise to_error(
        error_object(parsed),
        result.status,
        secrets=ctx.credentials.values(),
        retry_after=http.retry_after_s(result.headers),
        fallback=text,
    )


def json_object(result: http.HttpResult) -> dict[str, Any]:
    body = result.json()
    if not isinstance(body, dict):
        raise ProviderBadResponse(f"{VENDOR}: expected a JSON object, got {type(body).__name__}")
    return body


def header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    for k, v in headers.items():
        if k.lower() == lowered:
            return v
    return None


def retry_after(headers: Mapping[str, str], default: float) -> float:
    found = http.retry_after_s(headers)
    return default if found is None else found


def same_origin(url: str, base: str) -> bool:
    """Whether `url` (an Operation-Location the vendor sent) points at the configured endpoint's host:
    the subscription key is only ever sent there."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


async def until_done(ctx: CallContext, wait: float, check: Callable[[], Awaitable[Pending | T]]) -> T:
    """Poll a provider-side job inside one call (sync subfeatures), waiting as the service asks,
    until it is done or the call's deadline would pass."""
    while True:
        if ctx.remaining() <= wait:
            raise ProviderTimeout(f"{VENDOR}: the job did not finish before the deadline")
        await asyncio.sleep(wait)
        polled = await check()
        if not isinstance(polled, Pending):
            return polled
        wait = polled.retry_after
