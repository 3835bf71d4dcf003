"""One request to a Google API, and Google's error format mapped to our typed errors.

Google APIs answer errors as `{"error": {"code", "message", "status", "details": [...]}}` (AIP-193),
with the machine-readable reason in a `google.rpc.ErrorInfo` detail. An invalid API key is a *400*
with reason API_KEY_INVALID, so the status alone is not enough: this reads the body. Per-item
errors inside a 200 (Vision's `responses[].error`, a failed long-running operation) carry a
`google.rpc.Status` whose numeric code is mapped the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from unigate.providers.base import CallContext
from unigate.providers.errors import (
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    UnsupportedFormat,
    UnsupportedLanguage,
)
from unigate.providers.google.auth import auth_headers
from unigate.providers.google.config import Api, base_url
from unigate.providers.http import HttpResult, call, error_for_status, redact, retry_after_s

VENDORS = {
    Api.VISION: "Google Cloud Vision",
    Api.LANGUAGE: "Google Cloud Natural Language",
    Api.TRANSLATE: "Google Cloud Translation",
    Api.SPEECH: "Google Cloud Speech-to-Text",
    Api.TTS: "Google Cloud Text-to-Speech",
    Api.DOCUMENTAI: "Google Document AI",
    Api.GEMINI: "Google Gemini API",
}

_AUTH_REASONS = frozenset(
    {
        "API_KEY_INVALID",
        "API_KEY_EXPIRED",
        "API_KEY_SERVICE_BLOCKED",
        "API_KEY_HTTP_REFERRER_BLOCKED",
        "API_KEY_IP_ADDRESS_BLOCKED",
        "ACCESS_TOKEN_EXPIRED",
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        "CREDENTIALS_MISSING",
        "SERVICE_DISABLED",
        "BILLING_DISABLED",
        "CONSUMER_INVALID",
        "IAM_PERMISSION_DENIED",
    }
)
_AUTH_STATUSES = frozenset({"UNAUTHENTICATED", "PERMISSION_DENIED"})
# Messages Google uses for a language it cannot handle (NL, Translation, Vision hints, Speech, TTS).
_LANGUAGE = re.compile(
    r"language\b.*\bnot supported|unsupported language|not supported.*\blanguage|bad language pair|"
    r"invalid (?:language|target|source)|language hint|language_code|languageCode",
    re.IGNORECASE,
)
# ... and for a file it cannot read.
_FORMAT = re.compile(
    r"bad image data|unsupported (?:input )?(?:file|mime|media|image|audio)|invalid mime|"
    r"mime ?type|unsupported.*format|could not (?:decode|read|process) (?:the )?(?:image|audio|file)|"
    r"bad encoding|invalid audio|wav header|unable to process the (?:file|document)",
    re.IGNORECASE,
)

# google.rpc.Code -> the HTTP status Google maps it to (https://cloud.google.com/apis/design/errors).
_RPC_HTTP = {1: 499, 2: 500, 3: 400, 4: 504, 5: 404, 6: 409, 7: 403, 8: 429, 9: 400, 10: 409,
             11: 400, 12: 501, 13: 500, 14: 503, 15: 500, 16: 401}  # fmt: skip


def _error_object(body: Any) -> dict[str, Any]:
    if isinstance(body, list) and body and isinstance(body[0], dict):
        body = body[0]  # some endpoints wrap the error in a one-element list
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return dict(body["error"])
    return {}


def _reasons(err: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for detail in err.get("details") or []:
        if isinstance(detail, dict) and isinstance(detail.get("reason"), str):
            found.add(detail["reason"])
    for item in err.get("errors") or []:  # the older (v2 JSON API) shape: errors[].reason
        if isinstance(item, dict) and isinstance(item.get("reason"), str):
            found.add(item["reason"])
    return found


def _retry_delay(err: Mapping[str, Any]) -> float | None:
    """A google.rpc.RetryInfo detail's retryDelay ("37s"), which quota errors carry."""
    for detail in err.get("details") or []:
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return max(0.0, float(delay[:-1]))
            except ValueError:
                return None
    return None


def typed_error(
    vendor: str,
    http_status: int,
    message: str,
    *,
    status: str | None = None,
    reasons: set[str] | frozenset[str] = frozenset(),
    retry_after: float | None = None,
) -> ProviderError:
    """Our error for a Google error: the reason/status first, then the message, then the HTTP status."""
    code = ", ".join(sorted(reasons)) or status
    text = f"{vendor}: {message}" + (f" ({code})" if code else "")
    if reasons & _AUTH_REASONS or status in _AUTH_STATUSES:
        return ProviderAuthError(text, status=http_status)
    if 400 <= http_status < 500 and http_status not in (401, 403, 408, 429):
        if _LANGUAGE.search(message):
            return UnsupportedLanguage(text, status=http_status)
        if _FORMAT.search(message):
            return UnsupportedFormat(text, status=http_status)
    return error_for_status(vendor, http_status, message, retry_after, code)


def rpc_error(vendor: str, status: Mapping[str, Any], secrets: list[str]) -> ProviderError:
    """A `google.rpc.Status` found inside a successful answer (per-image error, failed operation)."""
    code = status.get("code")
    http_status = _RPC_HTTP.get(code, 500) if isinstance(code, int) else 500
    message = redact(str(status.get("message") or "no error message"), secrets)
    return typed_error(vendor, http_status, message, reasons=_reasons(status))


async def request(
    ctx: CallContext,
    api: Api,
    method: str,
    path: str,
    *,
    json_body: Any = None,
    params: Mapping[str, str] | None = None,
    api_key: bool = True,
) -> HttpResult:
    """Send one authenticated request to `api` (path relative to its base URL)."""
    vendor = VENDORS[api]
    headers = await auth_headers(ctx, api_key=api_key)
    url = base_url(ctx.credentials, api) + path
    result = await call(
        ctx, vendor, method, url, headers=headers, params=params, json_body=json_body, ok=lambda s: True
    )
    if 200 <= result.status < 300:
        return result
    secrets = [*ctx.credentials.values(), headers.get("Authorization", "")[7:]]
    text = result.body.decode("utf-8", "replace")
    try:
        body: Any = result.json()
    except ProviderBadResponse:
        body = None
    err = _error_object(body)
    message = redact(str(err.get("message") or text[:500] or f"HTTP {result.status}"), secrets)
    raise typed_error(
        vendor,
        result.status,
        message,
        status=err.get("status") if isinstance(err.get("status"), str) else None,
        reasons=_reasons(err),
        retry_after=retry_after_s(result.headers) or _retry_delay(err),
    )


async def request_json(ctx: CallContext, api: Api, method: str, path: str, **kw: Any) -> Any:
    body = (await request(ctx, api, method, path, **kw)).json()
    if not isinstance(body, dict):
        raise ProviderBadResponse(f"{VENDORS[api]} answered {type(body).__name__}, not a JSON object")
    return body


def secrets_of(ctx: CallContext) -> list[str]:
    return list(ctx.credentials.values())
