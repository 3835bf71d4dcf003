"""The address policy and check_url; no network beyond loopback (DNS is stubbed where needed)."""

from __future__ import annotations

import re
import socket
from ipaddress import ip_address
from typing import Any

import pytest

from unigate.files import urlguard
from unigate.files.urlguard import FetchPolicy, UrlRefused, address_refusal, check_url

POLICY = FetchPolicy(max_bytes=1000, timeout_s=2)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.3.4", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100.100.100.200", "cloud metadata"),
        ("100.64.0.1", "CGNAT"),
        ("100.127.255.254", "CGNAT"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", ""),  # reserved (Python files it under private)
        ("255.255.255.255", ""),
        ("192.0.2.10", ""),  # documentation range: not routable
        ("::ffff:127.0.0.1", "loopback (IPv4-mapped 127.0.0.1)"),
        ("::ffff:10.1.2.3", "private (IPv4-mapped 10.1.2.3)"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("64:ff9b::a9fe:a9fe", "cloud metadata"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback (embeds IPv4 127.0.0.1)"),  # 6to4 of 127.0.0.1
    ],
)
def test_non_public_addresses_are_refused(address: str, reason: str) -> None:
    found = address_refusal(ip_address(address))
    assert found is not None
    assert reason in found


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "100.128.0.1"],
)
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ip_address(address)) is None


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "address 127.0.0.1 is loopback"),
        ("http://[::1]:8080/x", "address ::1 is loopback"),
        ("http://10.0.0.5/", "address 10.0.0.5 is private"),
        ("https://192.168.0.10:8443/", "is private"),
        ("http://169.254.169.254/latest/meta-data/", "is a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "is a cloud metadata address"),
        ("http://100.100.100.200/", "is a cloud metadata address"),
        ("http://169.254.1.1/", "is link-local"),
        ("http://[fe80::1]/", "is link-local"),
        ("http://224.0.0.251/", "is multicast"),
        ("http://0.0.0.0/", "is unspecified"),
        ("http://[::ffff:10.0.0.1]/", "private (IPv4-mapped 10.0.0.1)"),
        # Odd spellings of 127.0.0.1 resolve to the same address and are judged by it.
        ("http://2130706433/", "address 127.0.0.1 of host 2130706433 is loopback"),
        ("http://0x7f000001/", "is loopback"),
        ("http://127.1/", "is loopback"),
        ("http://localhost:9/", "of host localhost is loopback"),
        ("ftp://example.com/file", "scheme 'ftp' is not allowed"),
        ("file:///etc/passwd", "scheme 'file' is not allowed"),
        ("gopher://127.0.0.1/", "scheme 'gopher' is not allowed"),
        ("example.com/no-scheme", "without a scheme"),
        ("http:///path-only", "no host"),
    ],
)
async def test_check_url_refuses(url: str, message: str) -> None:
    with pytest.raises(UrlRefused, match=re.escape(message)):
        await check_url(url, POLICY)


@pytest.mark.parametrize(
    ("url", "allow"),
    [
        ("http://127.0.0.1:1/", ("127.0.0.0/8",)),
        ("http://127.0.0.1:1/", ("127.0.0.1",)),
        ("http://[::1]:1/", ("::1/128",)),
        ("http://localhost:1/", ("localhost",)),
        ("http://LOCALHOST.:1/", ("localhost",)),
        ("http://10.1.2.3/", ("10.0.0.0/8",)),
        ("http://169.254.169.254/", ("169.254.169.254/32",)),
    ],
)
async def test_allow_list_opens_hosts_and_networks(url: str, allow: tuple[str, ...]) -> None:
    await check_url(url, FetchPolicy(max_bytes=1, timeout_s=2, allow=allow))


async def test_allow_list_is_exact() -> None:
    policy = FetchPolicy(max_bytes=1, timeout_s=2, allow=("127.0.0.1/32", "internal.example"))
    with pytest.raises(UrlRefused, match=re.escape("127.0.0.2 is loopback")):
        await check_url("http://127.0.0.2/", policy)
    with pytest.raises(UrlRefused, match=re.escape("10.0.0.1 is private")):
        await check_url("http://10.0.0.1/", policy)


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "not a/network", ""])
def test_malformed_allow_entries_fail_early(entry: str) -> None:
    with pytest.raises(ValueError):
        FetchPolicy(max_bytes=1, timeout_s=1, allow=(entry,))


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    asked: list[str] = []

    async def fake(host: str, port: int, family: socket.AddressFamily) -> list[tuple[Any, ...]]:
        asked.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in answers[host]
        ]

    monkeypatch.setattr(urlguard, "_getaddrinfo", fake)
    return asked


async def test_hostname_resolving_inside_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, {"example.internal": ["10.0.0.5"]})
    with pytest.raises(UrlRefused, match=re.escape("address 10.0.0.5 of host example.internal is private")):
        await check_url("http://example.internal/", POLICY)


async def test_every_address_must_be_public(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, {"mixed.example": ["93.184.216.34", "127.0.0.1"]})
    with pytest.raises(UrlRefused, match=re.escape("127.0.0.1 of host mixed.example is loopback")):
        await check_url("https://mixed.example/", POLICY)


async def test_public_hostname_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = _fake_dns(monkeypatch, {"public.example": ["93.184.216.34", "2606:2800:220:1::1"]})
    await check_url("https://public.example/a.png", POLICY)
    assert asked == ["public.example"]


async def test_unresolvable_host_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch, {})
    with pytest.raises(UrlRefused, match=re.escape("host nowhere.example could not be resolved")):
        await check_url("http://nowhere.example/", POLICY)
