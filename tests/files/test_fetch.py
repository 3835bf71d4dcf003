"""fetch_url against loopback aiohttp servers only: nothing here may reach another address."""

from __future__ import annotations

import asyncio
import gzip
import re
import socket
import time
from collections.abc import AsyncIterator, Iterator
from ipaddress import ip_address
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from unigate.files import urlguard
from unigate.files.fetch import (
    FetchError,
    FetchPolicy,
    UrlRefused,
    close_fetch_session,
    create_fetch_session,
    fetch_url,
)

from . import samples as s

PNG = s.image("PNG", (8, 8))
LOOPBACK = ("127.0.0.1/32",)


def policy(
    max_bytes: int = 1 << 20, timeout_s: float = 5, max_redirects: int = 5, allow: Any = LOOPBACK
) -> FetchPolicy:
    return FetchPolicy(max_bytes=max_bytes, timeout_s=timeout_s, max_redirects=max_redirects, allow=allow)


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record every outgoing connect and make any non-loopback one fail loudly."""
    seen: list[str] = []
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> None:
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        seen.append(host)
        if isinstance(address, tuple) and not ip_address(host.split("%")[0]).is_loopback:
            raise AssertionError(f"test tried to connect to {host}")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield seen


@pytest.fixture(autouse=True)
async def _close_shared_sessions() -> AsyncIterator[None]:
    yield
    await close_fetch_session()


class Site:
    def __init__(self, server: TestServer, hits: list[str]) -> None:
        self.server = server
        self.hits = hits

    @property
    def port(self) -> int:
        assert self.server.port is not None
        return self.server.port

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _app(hits: list[str], release: asyncio.Event) -> web.Application:
    routes = web.RouteTableDef()

    @web.middleware
    async def log(request: web.Request, handler: Any) -> web.StreamResponse:
        hits.append(request.path_qs)
        response: web.StreamResponse = await handler(request)
        return response

    @routes.get("/png")
    async def png(_: web.Request) -> web.Response:
        return web.Response(body=PNG, content_type="text/plain")  # lies about the type

    @routes.get("/named")
    async def named(_: web.Request) -> web.Response:
        headers = {"Content-Disposition": 'attachment; filename="../../etc/cat.png"'}
        return web.Response(body=PNG, headers=headers, content_type="application/octet-stream")

    @routes.get("/docs/{name}")
    async def doc(_: web.Request) -> web.Response:
        return web.Response(body=s.pdf(), content_type="application/pdf")

    @routes.get("/exact/{n}")
    async def exact(request: web.Request) -> web.Response:
        return web.Response(body=b"a" * int(request.match_info["n"]))

    @routes.get("/chunked/{n}")
    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        left = int(request.match_info["n"])
        while left > 0:
            await response.write(b"b" * min(500, left))
            left -= 500
        await response.write_eof()
        return response

    @routes.get("/endless")
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for _ in range(5000):  # at most ~320 MB, but the client hangs up long before
                await response.write(b"c" * 65536)
        except (ConnectionError, RuntimeError):
            pass
        return response

    @routes.get("/gzip-bomb")
    async def bomb(_: web.Request) -> web.Response:
        body = gzip.compress(b"\x00" * 5_000_000)
        return web.Response(body=body, headers={"Content-Encoding": "gzip"})

    @routes.get("/slow")
    async def slow(_: web.Request) -> web.Response:
        await asyncio.wait_for(release.wait(), 10)
        return web.Response(text="late")

    @routes.get("/slow-body")
    async def slow_body(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(b"first bytes")
        await asyncio.wait_for(release.wait(), 10)
        return response

    @routes.get("/status/{code}")
    async def status(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["code"]), text="nope")

    @routes.get("/loop")
    async def loop(_: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    @routes.get("/chain/{n}")
    async def chain(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if n == 0:
            return web.Response(text="done")
        raise web.HTTPTemporaryRedirect(f"/chain/{n - 1}")

    @routes.get("/relative")
    async def relative(_: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("chain/0")

    @routes.get("/redirect")
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(request.query["to"])

    @routes.get("/no-location")
    async def no_location(_: web.Request) -> web.Response:
        return web.Response(status=302)

    @routes.get("/set-cookie")
    async def set_cookie(_: web.Request) -> web.Response:
        response = web.HTTPFound("/echo-cookie")
        response.set_cookie("sid", "secret-session")
        raise response

    @routes.get("/echo-cookie")
    async def echo_cookie(request: web.Request) -> web.Response:
        return web.Response(text=request.headers.get("Cookie", "no cookie"))

    app = web.Application(middlewares=[log])
    app.add_routes(routes)
    return app


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    hits: list[str] = []
    release = asyncio.Event()
    server = TestServer(_app(hits, release), host="127.0.0.1")
    await server.start_server()
    try:
        yield Site(server, hits)
    finally:
        release.set()
        await server.close()


# --- success paths ---------------------------------------------------------------------------------


async def test_mime_comes_from_content_not_content_type(site: Site) -> None:
    fetched = await fetch_url(site.url("/png"), policy())
    assert fetched.data == PNG
    assert fetched.mime == "image/png"
    assert fetched.name == "png"
    assert fetched.final_url == site.url("/png")


async def test_name_from_content_disposition_is_a_bare_file_name(site: Site) -> None:
    fetched = await fetch_url(site.url("/named"), policy())
    assert (fetched.name, fetched.mime) == ("cat.png", "image/png")


async def test_name_from_url_path_is_decoded(site: Site) -> None:
    fetched = await fetch_url(site.url("/docs/report%20final.pdf"), policy())
    assert (fetched.name, fetched.mime) == ("report final.pdf", "application/pdf")


async def test_body_of_exactly_max_bytes_is_fine(site: Site) -> None:
    assert len((await fetch_url(site.url("/exact/1000"), policy(max_bytes=1000))).data) == 1000
    assert len((await fetch_url(site.url("/chunked/1000"), policy(max_bytes=1000))).data) == 1000


async def test_allowed_network(site: Site) -> None:
    fetched = await fetch_url(site.url("/exact/3"), policy(allow=("127.0.0.0/8",)))
    assert fetched.data == b"aaa"


async def test_allowed_hostname_goes_through_the_guarded_resolver(site: Site) -> None:
    fetched = await fetch_url(f"http://localhost:{site.port}/exact/3", policy(allow=("localhost",)))
    assert fetched.data == b"aaa"


async def test_redirects_are_followed_up_to_the_limit(site: Site) -> None:
    fetched = await fetch_url(site.url("/chain/3"), policy(max_redirects=3))
    assert fetched.data == b"done"
    assert fetched.final_url == site.url("/chain/0")
    relative = await fetch_url(site.url("/relative"), policy())
    assert relative.final_url == site.url("/chain/0")


async def test_cookies_are_not_kept_between_requests(site: Site) -> None:
    fetched = await fetch_url(site.url("/set-cookie"), policy())
    assert fetched.data == b"no cookie"


async def test_own_guarded_session(site: Site) -> None:
    session = create_fetch_session(LOOPBACK)
    try:
        fetched = await fetch_url(site.url("/exact/2"), policy(), session=session)
    finally:
        await session.close()
    assert fetched.data == b"aa"


# --- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/png",
        "http://localhost:{port}/png",
        "http://[::1]:{port}/png",
        "http://10.0.0.1/",
        "http://192.168.1.20/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://100.100.100.200/",
        "http://239.1.2.3/",
        "http://[fe80::1]/",
    ],
)
async def test_refused_without_allow(site: Site, connections: list[str], url: str) -> None:
    with pytest.raises(UrlRefused):
        await fetch_url(url.format(port=site.port), policy(allow=()))
    assert site.hits == []
    assert connections == []


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "file:///etc/passwd", "data:text/plain,hi"])
async def test_other_schemes_refused(url: str) -> None:
    with pytest.raises(UrlRefused, match="not allowed"):
        await fetch_url(url, policy())


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("http://[::1]:{port}/png", "address ::1 is loopback"),
        ("http://10.0.0.1/", "address 10.0.0.1 is private"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://127.0.0.2:{port}/png", "address 127.0.0.2 is loopback"),
        ("ftp://127.0.0.1/file", "scheme 'ftp' is not allowed"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
    ],
)
async def test_redirect_to_a_refused_place_is_refused_before_connecting(
    site: Site, connections: list[str], target: str, message: str
) -> None:
    location = target.format(port=site.port)
    with pytest.raises(UrlRefused, match=re.escape(message)):
        await fetch_url(site.url("/redirect?to=") + location, policy(allow=LOOPBACK))
    assert len(site.hits) == 1  # only the first hop reached the server
    assert connections and all(host == "127.0.0.1" for host in connections)


async def test_dns_rebinding_is_refused_at_connect_time(
    site: Site, connections: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # First answer (the pre-check) is public, the next one (the connector's) points inside.
    answers = iter(["93.184.216.34", "127.0.0.1"])
    asked: list[str] = []

    async def rebinding_dns(host: str, port: int, family: socket.AddressFamily) -> list[tuple[Any, ...]]:
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(urlguard, "_getaddrinfo", rebinding_dns)
    with pytest.raises(UrlRefused, match=re.escape("address 127.0.0.1 of host rebind.example is loopback")):
        await fetch_url(f"http://rebind.example:{site.port}/png", policy(allow=()))
    assert asked == ["rebind.example", "rebind.example"]
    assert connections == []
    assert site.hits == []


async def test_session_must_be_guarded_for_the_same_allow_list(site: Site) -> None:
    async with aiohttp.ClientSession() as plain:
        with pytest.raises(ValueError, match="create_fetch_session"):
            await fetch_url(site.url("/png"), policy(), session=plain)
    looser = create_fetch_session(("127.0.0.0/8",))
    try:
        with pytest.raises(ValueError, match="create_fetch_session"):
            await fetch_url(site.url("/png"), policy(allow=LOOPBACK), session=looser)
    finally:
        await looser.close()
    assert site.hits == []


# --- failures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/exact/2000", "/chunked/5000", "/endless", "/gzip-bomb"])
async def test_too_large(site: Site, path: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        await fetch_url(site.url(path), policy(max_bytes=1000))
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("path", ["/slow", "/slow-body"])
async def test_timeout(site: Site, path: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0\.3 s"):
        await fetch_url(site.url(path), policy(timeout_s=0.3))
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("code", [404, 500, 403])
async def test_http_error_status(site: Site, code: int) -> None:
    with pytest.raises(FetchError, match=f"HTTP {code}"):
        await fetch_url(site.url(f"/status/{code}"), policy())


async def test_redirect_loop(site: Site) -> None:
    with pytest.raises(FetchError, match=r"too many redirects \(more than 5\)"):
        await fetch_url(site.url("/loop"), policy())
    assert len(site.hits) == 6


async def test_one_redirect_too_many(site: Site) -> None:
    with pytest.raises(FetchError, match="too many redirects"):
        await fetch_url(site.url("/chain/4"), policy(max_redirects=3))
    with pytest.raises(FetchError, match="too many redirects"):
        await fetch_url(site.url("/chain/1"), policy(max_redirects=0))


async def test_redirect_without_location(site: Site) -> None:
    with pytest.raises(FetchError, match="HTTP 302"):
        await fetch_url(site.url("/no-location"), policy())


async def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nobody listens there
    with pytest.raises(FetchError, match="could not fetch"):
        await fetch_url(f"http://127.0.0.1:{port}/", policy())


async def test_errors_do_not_echo_credentials_or_query(site: Site) -> None:
    url = f"http://user:hunter2@127.0.0.1:{site.port}/status/404?token=s3cr3t"
    with pytest.raises(FetchError) as caught:
        await fetch_url(url, policy())
    assert "hunter2" not in str(caught.value)
    assert "s3cr3t" not in str(caught.value)
