"""Whether an IP address is on the public internet: the one check behind every request Plein
makes to an address a person gave (link previews, push endpoints), so none reaches a private,
loopback or link-local host through another spelling of it."""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def public(address: IPAddress) -> bool:
    """Whether `address` is on the public internet, judged behind its IPv4-mapped, 6to4 or
    NAT64 form too (Python counts 64:ff9b::7f00:1, loopback through NAT64, as global)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:  # 64:ff9b::a.b.c.d reaches a.b.c.d
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return public(embedded)
        if address.teredo is not None:
            return False
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and not address.is_unspecified
        and not address.is_link_local
        and not address.is_loopback
        and not address.is_private
    )
