"""Web origins in settings: `NOTIFICATIONS_CORS_ALLOW_ORIGINS` and `NOTIFICATIONS_DEMO_API_ORIGINS`.

An origin is serialized as browsers send it in the `Origin` header (RFC 6454 section 6.2, the
Fetch standard's "ASCII serialization of an origin"): `scheme://host[:port]`, lower case, without
a path, a trailing slash, or the scheme's default port. Written any other way it would never match,
so it is refused at start-up.
"""

from __future__ import annotations

from urllib.parse import urlsplit

ANY = "*"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origins(text: str) -> tuple[str, ...]:
    """The comma-separated origins of a setting, without blanks; `()` when empty."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def origins_problem(text: str, allow_any: bool) -> str | None:
    """Why the setting is not a list of origins (or, when `allow_any`, `*` alone); None if it is."""
    listed = origins(text)
    if allow_any and listed == (ANY,):
        return None
    for origin in listed:
        if problem := _origin_problem(origin, allow_any):
            return f"{origin!r} {problem}"
    return None


def _origin_problem(origin: str, allow_any: bool) -> str | None:
    if ANY in origin:
        return "has a wildcard: list each origin, or give `*` alone" if allow_any else "has a wildcard"
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return "is not an origin (scheme://host[:port])"
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return "is not an origin (http or https://host[:port])"
    if parts.path or parts.query or parts.fragment or origin.endswith(("?", "#")):
        return "is not an origin: remove the path (browsers send scheme://host[:port] only)"
    if port == _DEFAULT_PORTS[parts.scheme]:
        return f"names the default port: browsers send it without :{port}"
    if origin != origin.lower():
        return "must be in lower case, as browsers send it"
    return None
