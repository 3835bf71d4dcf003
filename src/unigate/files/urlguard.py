"""SSRF guard: which URLs and addresses a user-supplied URL may make the gateway connect to.

The address is what matters, never the spelling of the host: every check works on the addresses
the host resolves to, so decimal/hex/short IPv4 forms and DNS names pointing inside are caught
alike. ``GuardedResolver`` applies the same rule at connection time, so the connector can only
ever connect to vetted addresses (a DNS answer that changes between check and connect, i.e. DNS
rebinding, is refused too).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import TYPE_CHECKING, Any

from yarl import URL

if TYPE_CHECKING:  # aiohttp is imported only when a URL is really fetched
    from aiohttp.abc import ResolveResult

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

ALLOWED_SCHEMES = ("http", "https")

# Instance metadata services hand out cloud credentials: the classic SSRF prize.
_METADATA = frozenset(ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))
_CGNAT = ip_network("100.64.0.0/10")  # not is_private in Python, yet not public either
_NAT64 = ip_network("64:ff9b::/96")  # well-known NAT64 prefix: the low 32 bits are an IPv4 target


class UrlRefused(Exception):
    """The URL may not be fetched; ``str(exc)`` says why, in words fit for the API caller."""


class FetchError(Exception):
    """Fetching an acceptable URL failed (status, size, timeout, network)."""


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for fetching one URL.

    ``allow`` lists hostnames (``"localhost"``) or CIDR networks (``"127.0.0.0/8"``) that are
    exempt from the public-address rule. Meant for tests and deliberate internal setups: every
    entry opens the gateway to requests its users aim at that place.
    """

    max_bytes: int
    timeout_s: float
    max_redirects: int = 5
    allow: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.timeout_s <= 0 or self.max_redirects < 0:
            raise ValueError("FetchPolicy needs max_bytes > 0, timeout_s > 0 and max_redirects >= 0")
        AllowList.parse(self.allow)  # reject malformed entries now, not on first use


@dataclass(frozen=True)
class AllowList:
    hosts: frozenset[str] = field(default_factory=frozenset)
    networks: frozenset[IPNetwork] = field(default_factory=frozenset)

    @staticmethod
    @lru_cache(maxsize=64)
    def parse(entries: tuple[str, ...]) -> AllowList:
        hosts: set[str] = set()
        networks: set[IPNetwork] = set()
        for entry in entries:
            text = entry.strip()
            if not text:
                raise ValueError("empty entry in FetchPolicy.allow")
            try:
                networks.add(ip_network(text, strict=False))
            except ValueError:
                if "/" in text:
                    raise ValueError(f"invalid network {entry!r} in FetchPolicy.allow") from None
                hosts.add(_normalize_host(text))
        return AllowList(frozenset(hosts), frozenset(networks))

    def allows_host(self, host: str) -> bool:
        return _normalize_host(host) in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def _normalize_host(host: str) -> str:
    return host.strip().rstrip(".").lower()


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` is not a public destination (e.g. ``"private"``), None when it is."""
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            # The socket really talks IPv4 to the mapped address: judge that one.
            reason = _classify(address.ipv4_mapped)
            return f"{reason} (IPv4-mapped {address.ipv4_mapped})" if reason else None
        for embedded in _embedded_ipv4(address):
            reason = _classify(embedded)
            if reason:
                return f"{reason} (embeds IPv4 {embedded})"
    return _classify(address)


def _embedded_ipv4(address: IPv6Address) -> list[IPv4Address]:
    found: list[IPv4Address] = []
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.append(address.teredo[1])
    if address in _NAT64:
        found.append(IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def _classify(address: IPAddress) -> str | None:
    if address in _METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "loopback"
    if address.is_unspecified:
        return "unspecified"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if isinstance(address, IPv4Address) and address in _CGNAT:
        return "shared address space (CGNAT)"
    if address.is_private:
        return "private"
    if address.is_reserved:
        return "reserved"
    if not address.is_global:  # documentation, benchmarking, IETF ranges ...
        return "not globally routable"
    return None


def parse_fetch_url(url: str | URL) -> URL:
    """Parse and check the parts of ``url`` that need no DNS: scheme and host."""
    try:
        parsed = url if isinstance(url, URL) else URL(url)
    except (TypeError, ValueError) as exc:
        raise UrlRefused(f"invalid URL: {exc}") from None
    scheme = (parsed.scheme or "").lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"scheme {scheme!r}" if scheme else "a URL without a scheme"
        raise UrlRefused(f"{shown} is not allowed: only http and https URLs can be fetched")
    if not parsed.raw_host:
        raise UrlRefused("URL has no host")
    return parsed


async def _getaddrinfo(
    host: str, port: int, family: socket.AddressFamily
) -> Sequence[tuple[socket.AddressFamily, socket.SocketKind, int, str, tuple[Any, ...]]]:
    # Module-level so tests can stand in for DNS (e.g. to simulate rebinding).
    loop = asyncio.get_running_loop()
    return await loop.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM)


async def vetted_addresses(
    host: str, port: int, allow: AllowList, family: socket.AddressFamily = socket.AF_UNSPEC
) -> list[ResolveResult]:
    """Resolve ``host`` and return its addresses, or raise UrlRefused if any of them is not public.

    All-or-nothing on purpose: a name with one public and one internal address is refused rather
    than trimmed, since it is either misconfigured or built to probe the inside.
    """
    infos = await _getaddrinfo(host, port, family)
    if not infos:
        raise OSError(f"no addresses for host {host}")
    host_allowed = allow.allows_host(host)
    results: list[ResolveResult] = []
    for info_family, _type, proto, _canon, sockaddr in infos:
        raw = str(sockaddr[0])
        address = ip_address(raw.split("%", 1)[0])  # drop an IPv6 zone id
        if not host_allowed and not allow.allows_address(address):
            reason = address_refusal(address)
            if reason:
                of_host = "" if _normalize_host(host) == str(address) else f" of host {host}"
                raise UrlRefused(f"address {address}{of_host} is {reason}")
        results.append(
            {
                "hostname": host,
                "host": raw,
                "port": int(sockaddr[1]),
                "family": info_family,
                "proto": proto,
                "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            }
        )
    return results


async def check_parsed_url(url: URL, allow: AllowList) -> None:
    host = url.raw_host or ""
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if allow.allows_host(host):
        return
    try:
        await vetted_addresses(host, url.port or 0, allow)
    except OSError as exc:  # socket.gaierror included
        raise UrlRefused(f"host {host} could not be resolved: {exc}") from None


async def check_url(url: str, policy: FetchPolicy) -> None:
    """Raise UrlRefused unless ``url`` is http(s) and every address of its host is public.

    An unresolvable host is refused too. The lookup is bounded by ``policy.timeout_s``.
    """
    parsed = parse_fetch_url(url)
    try:
        async with asyncio.timeout(policy.timeout_s):
            await check_parsed_url(parsed, AllowList.parse(policy.allow))
    except TimeoutError:
        raise UrlRefused(f"resolving host {parsed.host} timed out after {policy.timeout_s:g} s") from None
