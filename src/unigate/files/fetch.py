"""Fetching user-supplied http(s) URLs behind the SSRF guard of ``urlguard``."""

from __future__ import annotations

import asyncio
import re
import socket
import weakref
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from unigate.files.mime import detect_mime, extension_for
from unigate.files.urlguard import (
    AllowList,
    FetchError,
    FetchPolicy,
    UrlRefused,
    check_parsed_url,
    check_url,
    parse_fetch_url,
    vetted_addresses,
)


class GuardedResolver(AbstractResolver):
    """aiohttp resolver that only ever returns vetted addresses (raises UrlRefused otherwise)."""

    def __init__(self, allow: AllowList) -> None:
        self.allow = allow

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return await vetted_addresses(host, port, self.allow, family)

    async def close(self) -> None:
        return None


__all__ = [
    "FetchError",
    "FetchPolicy",
    "FetchedFile",
    "UrlRefused",
    "check_url",
    "close_fetch_session",
    "create_fetch_session",
    "fetch_url",
]

_E = TypeVar("_E", bound=BaseException)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_HEADERS = {"User-Agent": "unigate-fetch/0.1", "Accept": "*/*"}


@dataclass(frozen=True)
class FetchedFile:
    data: bytes
    mime: str  # detected from the content, whatever the server claimed
    name: str  # from Content-Disposition, else the URL path, else "download.<ext>"
    final_url: str  # after redirects


# Sessions made by create_fetch_session, with the allow-list their resolver enforces.
_guarded_sessions: weakref.WeakKeyDictionary[aiohttp.ClientSession, AllowList] = weakref.WeakKeyDictionary()
# The lazily created per-process sessions, one per allow-list (in production: just the empty one).
_shared_sessions: dict[AllowList, tuple[asyncio.AbstractEventLoop, aiohttp.ClientSession]] = {}


def create_fetch_session(allow: tuple[str, ...] = ()) -> aiohttp.ClientSession:
    """A new guarded session (the caller closes it); call from inside the event loop.

    Its resolver vets every address it connects to; no cookies are kept (the session is shared by
    all users) and proxy environment variables are ignored (the guard must see the real target).
    """
    allow_list = AllowList.parse(allow)
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(allow_list), use_dns_cache=False)
    session = aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        timeout=aiohttp.ClientTimeout(),  # fetch_url bounds the whole exchange itself
        headers=_HEADERS,
    )
    _guarded_sessions[session] = allow_list
    return session


def guarded_session(policy: FetchPolicy) -> aiohttp.ClientSession:
    """The process's guarded session for this policy's allow-list (webhooks POST through it too)."""
    return _shared_session(AllowList.parse(policy.allow))


def _shared_session(allow: AllowList) -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    entry = _shared_sessions.get(allow)
    if entry is not None and entry[0] is loop and not entry[1].closed:
        return entry[1]
    session = create_fetch_session(_allow_entries(allow))
    _shared_sessions[allow] = (loop, session)
    return session


def _allow_entries(allow: AllowList) -> tuple[str, ...]:
    return tuple(sorted(allow.hosts)) + tuple(sorted(str(n) for n in allow.networks))


async def close_fetch_session() -> None:
    """Close the shared fetch sessions (at shutdown); the next fetch makes a new one."""
    loop = asyncio.get_running_loop()
    entries = list(_shared_sessions.values())
    _shared_sessions.clear()
    for owner, session in entries:
        if owner is loop:  # a session from a finished loop cannot be closed any more
            await session.close()


async def fetch_url(
    url: str, policy: FetchPolicy, session: aiohttp.ClientSession | None = None
) -> FetchedFile:
    """Download ``url`` within ``policy``; raise UrlRefused or FetchError.

    ``session``, when given, must come from ``create_fetch_session(policy.allow)``: any other
    session could connect to addresses the guard never saw.
    """
    allow = AllowList.parse(policy.allow)
    if session is not None and _guarded_sessions.get(session) != allow:
        raise ValueError("fetch_url needs a session from create_fetch_session() with the policy's allow")
    parsed = parse_fetch_url(url)
    if session is None:
        session = _shared_session(allow)
    try:
        async with asyncio.timeout(policy.timeout_s):
            return await _follow(parsed, policy, allow, session)
    except TimeoutError:
        raise FetchError(f"fetching {_shown(parsed)} timed out after {policy.timeout_s:g} s") from None


async def _follow(
    url: URL, policy: FetchPolicy, allow: AllowList, session: aiohttp.ClientSession
) -> FetchedFile:
    # Redirects are followed by hand so that every hop goes through the guard first.
    for _hop in range(policy.max_redirects + 1):
        await check_parsed_url(url, allow)
        try:
            async with session.get(url, allow_redirects=False) as response:
                if response.status in _REDIRECT_STATUSES and "Location" in response.headers:
                    url = _redirect_target(response)
                    continue
                if not 200 <= response.status < 300:
                    status = f"HTTP {response.status} {response.reason or ''}".rstrip()
                    raise FetchError(f"{_shown(url)} answered {status}")
                data = await _read_limited(response, policy.max_bytes, url)
                return _fetched(response, data)
        except aiohttp.ClientError as exc:
            refused = _cause(exc, UrlRefused)
            if refused is not None:
                raise refused from exc
            raise FetchError(f"could not fetch {_shown(url)}: {exc}") from exc
    raise FetchError(f"too many redirects (more than {policy.max_redirects})")


def _redirect_target(response: aiohttp.ClientResponse) -> URL:
    try:
        target = response.url.join(URL(response.headers["Location"]))
    except ValueError as exc:
        raise FetchError(f"invalid redirect Location from {_shown(response.url)}: {exc}") from None
    return parse_fetch_url(target.with_fragment(None))


async def _read_limited(response: aiohttp.ClientResponse, max_bytes: int, url: URL) -> bytes:
    too_large = f"file at {_shown(url)} is larger than {max_bytes} bytes"
    if response.content_length is not None and response.content_length > max_bytes:
        raise FetchError(too_large)
    body = bytearray()
    # Counted after decompression, so a small gzip bomb cannot blow past the limit either.
    async for chunk in response.content.iter_chunked(_CHUNK):
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(too_large)
    return bytes(body)


def _fetched(response: aiohttp.ClientResponse, data: bytes) -> FetchedFile:
    disposition = response.content_disposition
    name = _clean_name(disposition.filename if disposition else None) or _clean_name(response.url.name)
    mime = detect_mime(data, name or None)
    return FetchedFile(
        data=data,
        mime=mime,
        name=name or f"download{extension_for(mime)}",
        final_url=str(response.url),
    )


_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def _clean_name(name: str | None) -> str:
    # Server-chosen names may carry directories or control characters: keep a bare file name.
    if not name:
        return ""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE_NAME_CHARS.sub("", base).strip().lstrip(".")
    return base[:200]


def _shown(url: URL) -> str:
    # Error messages travel to API callers and logs: leave out credentials and signed queries.
    return str(url.with_user(None).with_query(None).with_fragment(None))


def _cause(exc: BaseException, kind: type[_E]) -> _E | None:
    seen: BaseException | None = exc
    for _ in range(16):  # exception chains can loop
        if seen is None or isinstance(seen, kind):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
