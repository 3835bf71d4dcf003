"""OpenAI error bodies mapped to typed errors.

The documented body is `{"error": {"message", "type", "param", "code"}}`
(https://platform.openai.com/docs/guides/error-codes); Azure OpenAI answers
`{"error": {"code", "message"}}` and OpenAI-compatible servers (Ollama, vLLM...) copy OpenAI's shape,
so one reader serves them all. Only the message survives, with every credential redacted.
"""

from __future__ import annotations

from typing import Any

from unigate.providers.base import CallContext
from unigate.providers.errors import ProviderError, UnsupportedFormat, UnsupportedLanguage
from unigate.providers.http import HttpResult, default_message, error_for_status, redact, retry_after_s

# Error codes OpenAI gives when it cannot read an image it was sent (vision, moderation).
_IMAGE_CODES = frozenset({"invalid_image_format", "image_parse_error", "invalid_image", "invalid_image_url"})
# Transcription errors come with `code: null`; the message is all there is.
_FORMAT_MESSAGES = (
    "invalid file format",
    "could not be decoded",
    "unsupported image",
    "format is not supported",
)


def _error_object(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err: dict[str, Any] = body["error"]
        return err
    return {}


def error_from_response(ctx: CallContext, result: HttpResult) -> ProviderError:
    """The typed error for a non-2xx answer of an OpenAI(-compatible) server."""
    import json

    text = result.body.decode("utf-8", "replace")
    try:
        body: Any = json.loads(text)
    except ValueError:
        body = None
    err = _error_object(body)
    message = redact(default_message(body, text), ctx.credentials.values())
    code = err.get("code")
    code_str = str(code) if code is not None else None
    vendor = ctx.provider
    status = result.status
    lowered = message.lower()
    if status == 400 or status == 415 or status == 422:
        if err.get("param") == "language" or (code_str and "language" in code_str):
            return UnsupportedLanguage(f"{vendor}: {message}", status=status)
        if code_str in _IMAGE_CODES or any(m in lowered for m in _FORMAT_MESSAGES):
            return UnsupportedFormat(f"{vendor}: {message}", status=status)
    if status == 429 and code_str == "insufficient_quota":
        # Out of credit on the vendor account: retrying cannot help, unlike a rate limit.
        return ProviderError(f"{vendor}: {message} ({code_str})", status=status)
    return error_for_status(vendor, status, message, retry_after_s(result.headers), code_str)
