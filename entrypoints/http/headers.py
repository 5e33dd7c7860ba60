"""Header values as RFC 9110 defines them: without the whitespace around them."""

from __future__ import annotations

from litestar.exceptions import ValidationException

WHITESPACE = " \t"  # OWS: SP and HTAB (RFC 9110 §5.6.3)
MAX_IDEMPOTENCY_KEY = 255


def field_value(raw: bytes) -> bytes:
    """The value without the whitespace around it, which is not part of it (RFC 9110 §5.5)."""
    return raw.strip(WHITESPACE.encode())


def idempotency_key(value: str | None) -> str | None:
    """The Idempotency-Key as the client meant it: its latin-1 characters (as Litestar decodes
    header bytes) read again as UTF-8, without surrounding whitespace, 1 to 255 characters.

    Raises ValidationException naming `idempotency_key` for a value that is empty, longer, or
    not UTF-8.
    """
    if value is None:
        return None
    try:
        key = value.strip(WHITESPACE).encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise _invalid("is not UTF-8") from None
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise _invalid(f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters, not {len(key)}")
    return key


def _invalid(reason: str) -> ValidationException:
    name = "idempotency_key"  # as the problem details named it before
    return ValidationException(detail=f"{name}: {reason}", extra=[{"key": name, "message": reason}])
