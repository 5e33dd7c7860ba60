"""The event-store settings a type alone cannot check: the PostgreSQL URL and the cipher key.

Problems are described without the value itself: a URL may hold a password, a key is a secret.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from urllib.parse import SplitResult, unquote, urlsplit

KEY_SIZES = (16, 24, 32)


@dataclass(frozen=True)
class PostgresTarget:
    host: str
    port: int
    dbname: str
    user: str
    password: str


def postgres_target(url: str, host: str, port: int, dbname: str, user: str, password: str) -> PostgresTarget:
    """The server to use: each part the URL names wins over its separate setting."""
    if not url:
        return PostgresTarget(host, port, dbname, user, password)
    parts = urlsplit(url)
    return PostgresTarget(
        host=unquote(parts.hostname or "") or host,
        port=parts.port or port,
        dbname=unquote(parts.path.lstrip("/")) or dbname,
        user=unquote(parts.username or "") or user,
        password=unquote(parts.password or "") or password,
    )


def postgres_url_problem(url: str) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        return "must look like postgresql://user:password@host:port/database"
    if not _has_valid_port(parts):
        return "has a port that is not a number from 1 to 65535"
    if parts.query or parts.fragment:
        return "takes no options after ? or #; use the separate NOTIFICATIONS_POSTGRES_* settings"
    if "/" in parts.path.lstrip("/"):
        return "names more than one database"
    return None


def cipher_key_problem(key: str) -> str | None:
    if not key:
        return None
    try:
        size = len(base64.b64decode(key, validate=True))
    except (binascii.Error, ValueError):
        size = 0
    if size not in KEY_SIZES:
        return "must be 16, 24 or 32 random bytes in base64 (make one with: openssl rand -base64 32)"
    return None


def _has_valid_port(parts: SplitResult) -> bool:
    try:
        return parts.port != 0
    except ValueError:
        return False
