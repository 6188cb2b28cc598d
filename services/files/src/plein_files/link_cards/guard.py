"""Which addresses a link preview may reach: the SSRF rules, pure (no I/O).

Only http and https, on ports 80 and 443, to public addresses. Private, loopback,
link-local, multicast, reserved and unique-local addresses (and IPv4-mapped, 6to4 or NAT64
forms of them) are refused unless the host name or a network holding the address is in the
allow-list (PLEIN_FILES_LINK_PREVIEW_ALLOW, for intranet hosts); an allow-listed host may use
any port.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from plein_platform.addresses import IPAddress, public

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PORTS = {"http": 80, "https": 443}


class Refused(Exception):
    """A URL or address a link preview may not reach (the message says why)."""


@dataclass(frozen=True)
class Target:
    """Where a URL points: its scheme, host name (lower case, no brackets) and port."""

    scheme: str
    host: str
    port: int


@dataclass(frozen=True)
class AllowList:
    """Intranet hosts and networks a link preview may reach despite the rules above."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def parse(cls, setting: str | Iterable[str]) -> AllowList:
        """From `intranet.example, 10.20.0.0/16, 127.0.0.1` (commas or spaces)."""
        items = setting.replace(",", " ").split() if isinstance(setting, str) else setting
        hosts: set[str] = set()
        networks: list[Network] = []
        for item in items:
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


def target(url: str, allow: AllowList) -> Target:
    """The scheme, host and port of `url`, or Refused for a scheme or port not allowed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused(f"not a URL: {error}") from error
    scheme = parts.scheme.lower()
    if scheme not in PORTS:
        raise Refused(f"only http and https are fetched, not {scheme or 'a relative link'}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise Refused("the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise Refused("URLs with credentials are not fetched")
    port = port or PORTS[scheme]
    if port not in PORTS.values() and not _allow_listed_host(host, allow):
        raise Refused(f"port {port} is not allowed")
    return Target(scheme, host, port)


def _allow_listed_host(host: str, allow: AllowList) -> bool:
    if allow.allows_host(host):
        return True
    try:
        return allow.allows_address(ipaddress.ip_address(host))
    except ValueError:
        return False


def check_address(host: str, address: IPAddress, allow: AllowList) -> None:
    """Refused unless a fetch for `host` may connect to `address`."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        mapped: IPAddress = address.ipv4_mapped
    else:
        mapped = address
    if allow.allows_host(host) or allow.allows_address(address) or allow.allows_address(mapped):
        return
    if not public(address):
        raise Refused(f"{host} is at a private or special address ({address})")


def choose_address(host: str, addresses: Iterable[str], allow: AllowList) -> IPAddress:
    """The address to connect to, from what the resolver answered once for `host`: the first,
    provided every answer may be reached (one private answer refuses the host, so that a
    round-robin mix cannot smuggle an inside address in)."""
    parsed = [ipaddress.ip_address(a.split("%", 1)[0]) for a in addresses]
    if not parsed:
        raise Refused(f"{host} has no address")
    for address in parsed:
        check_address(host, address, allow)
    return parsed[0]
