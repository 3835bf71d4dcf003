"""Request authentication: an API key header, or a service account's OAuth access token.

The access token comes from google-auth (`service_account.Credentials`), refreshed off the event
loop and cached per key file until shortly before it expires. Its HTTP transport is a few lines of
stdlib urllib so that the `google` extra needs nothing but google-auth.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unigate.providers.base import CallContext
from unigate.providers.errors import ProviderAuthError, ProviderServerError, ProviderUnavailable

if TYPE_CHECKING:
    from google.oauth2.service_account import Credentials

SCOPES = ["https://www.googleapis.com/auth/cloud-platform"]
API_KEY_HEADER = "x-goog-api-key"  # keeps the key out of URLs (and so out of logged URLs)


@dataclass
class _Cached:
    mtime: float
    creds: Credentials
    lock: threading.Lock  # a thread lock: refreshes run in worker threads, under any event loop


_CACHE: dict[str, _Cached] = {}
_CACHE_LOCK = threading.Lock()


def _transport(timeout: float) -> Any:
    """A google.auth.transport.Request over urllib (blocking; used inside a worker thread)."""
    import urllib.error
    import urllib.request

    from google.auth import exceptions, transport

    class Response(transport.Response):
        def __init__(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
            self._status, self._headers, self._data = status, dict(headers), data

        @property
        def status(self) -> int:
            return self._status

        @property
        def headers(self) -> Mapping[str, str]:
            return self._headers

        @property
        def data(self) -> bytes:
            return self._data

    class Request(transport.Request):
        def __call__(
            self,
            url: str,
            method: str = "GET",
            body: bytes | None = None,
            headers: Mapping[str, str] | None = None,
            timeout: float | None = None,
            **kwargs: Any,
        ) -> transport.Response:
            req = urllib.request.Request(url, data=body, headers=dict(headers or {}), method=method)
            try:
                with urllib.request.urlopen(req, timeout=timeout or default_timeout) as resp:
                    return Response(resp.status, dict(resp.headers.items()), resp.read())
            except urllib.error.HTTPError as exc:  # google-auth reads the OAuth error body itself
                return Response(exc.code, dict(exc.headers.items()), exc.read())
            except (urllib.error.URLError, OSError) as exc:
                raise exceptions.TransportError(str(exc)) from exc  # type: ignore[no-untyped-call]

    default_timeout = timeout
    return Request()


def _load(path: str) -> _Cached:
    from google.oauth2 import service_account

    mtime = os.stat(path).st_mtime
    with _CACHE_LOCK:
        hit = _CACHE.get(path)
        if hit is not None and hit.mtime == mtime:
            return hit
    creds = service_account.Credentials.from_service_account_file(path, scopes=SCOPES)  # type: ignore[no-untyped-call]
    entry = _Cached(mtime, creds, threading.Lock())
    with _CACHE_LOCK:
        _CACHE[path] = entry
    return entry


def _refreshed_token(entry: _Cached, timeout: float) -> str:
    from google.auth import exceptions

    with entry.lock:  # one refresh at a time per key file; later callers reuse its token
        if not entry.creds.valid:
            try:
                entry.creds.refresh(_transport(timeout))  # type: ignore[no-untyped-call]
            except exceptions.RefreshError as exc:
                raise ProviderAuthError(f"Google OAuth token refused: {_first_line(exc)}") from None
            except exceptions.TransportError as exc:
                raise ProviderServerError(f"Google OAuth token endpoint unreachable: {exc}") from None
        return str(entry.creds.token)


def _load_and_refresh(path: str, timeout: float) -> str:
    try:
        entry = _load(path)
    except ImportError:
        raise ProviderUnavailable("google-auth is not installed: pip install 'unigate[google]'") from None
    except OSError as exc:
        raise ProviderUnavailable(f"cannot read the service-account file: {exc.strerror}") from None
    except (ValueError, KeyError) as exc:
        raise ProviderUnavailable(f"the service-account file is not a valid key file: {exc}") from None
    return _refreshed_token(entry, timeout)


def _first_line(exc: Exception) -> str:
    return str(exc.args[0] if exc.args else exc).splitlines()[0][:300]


async def access_token(ctx: CallContext) -> str:
    """A valid OAuth access token for the configured service account."""
    path = ctx.credentials.get("service_account_file")
    if not path:
        raise ProviderUnavailable("GOOGLE_APPLICATION_CREDENTIALS is not set")
    hit = _CACHE.get(path)
    if hit is not None and hit.creds.valid:  # the common case: no file access, no thread hop
        return str(hit.creds.token)
    # Expired or never loaded: re-read the key file (it may have been rotated) and refresh, in a thread.
    token: str = await ctx.run_blocking(_load_and_refresh, path, max(1.0, min(30.0, ctx.remaining())))
    return token


async def auth_headers(ctx: CallContext, *, api_key: bool = True) -> dict[str, str]:
    """Headers authenticating one request: the API key where allowed and set, else a Bearer token."""
    key = ctx.credentials.get("api_key")
    if api_key and key:
        return {API_KEY_HEADER: key}
    if ctx.credentials.get("service_account_file"):
        return {"Authorization": f"Bearer {await access_token(ctx)}"}
    if api_key:
        raise ProviderUnavailable("set GOOGLE_API_KEY or GOOGLE_APPLICATION_CREDENTIALS")
    raise ProviderUnavailable("GOOGLE_APPLICATION_CREDENTIALS is not set (a service account is needed)")


def clear_token_cache() -> None:
    """Forget cached service-account credentials (tests)."""
    with _CACHE_LOCK:
        _CACHE.clear()
