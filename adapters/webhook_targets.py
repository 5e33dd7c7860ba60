"""Which addresses a webhook may not call, and how long a receiver asked us to wait."""

from __future__ import annotations

import ipaddress


def forbidden(address: str) -> bool:
    """Whether the address is private, loopback, link-local, unspecified, multicast, reserved or
    otherwise not globally reachable (Python's `ipaddress`, after the IANA special-purpose
    registries); an IPv4 address mapped into IPv6 is judged as IPv4."""
    ip = ipaddress.ip_address(address.split("%")[0])  # no zone index (fe80::1%eth0)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
