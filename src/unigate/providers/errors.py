"""Typed errors a provider adapter raises; the engine maps them to the envelope's `error`."""

from __future__ import annotations


class ProviderError(Exception):
    """A provider could not serve the request. `error_code` is stable and part of the API."""

    error_code = "provider_error"
    transient = False  # safe to retry or fall back to another provider

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.status = status


class ProviderAuthError(ProviderError):
    error_code = "provider_auth_error"


class ProviderRateLimited(ProviderError):
    error_code = "provider_rate_limited"
    transient = True


class ProviderInvalidInput(ProviderError):
    error_code = "provider_invalid_input"


class UnsupportedLanguage(ProviderInvalidInput):
    error_code = "unsupported_language"


class UnsupportedFormat(ProviderInvalidInput):
    error_code = "unsupported_format"


class ProviderTimeout(ProviderError):
    error_code = "provider_timeout"
    transient = True


class ProviderServerError(ProviderError):
    error_code = "provider_server_error"
    transient = True


class ProviderConnectError(ProviderServerError):
    """The connection never opened: nothing reached the vendor, so even a launch may be retried."""


class ProviderConnectTimeout(ProviderConnectError):
    """The connection did not open within the connect timeout (nothing was sent)."""

    error_code = "provider_timeout"


class ProviderBadResponse(ProviderError):
    """The provider answered something we cannot read (invalid JSON, wrong shape)."""

    error_code = "provider_bad_response"
    transient = True


class ProviderUnavailable(ProviderError):
    """Not configured (missing credentials) or a local extra not installed."""

    error_code = "provider_unavailable"
