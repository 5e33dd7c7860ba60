"""Which addresses a webhook may not call, and how long a receiver asked us to wait."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


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


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (RFC 9110 §10.2.3: seconds or an HTTP date);
    None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
