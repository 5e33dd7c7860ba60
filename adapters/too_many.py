"""Which provider answers mean "too many": the provider limits our rate; the message is not at fault."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
TEMPORARY_AUTH_OR_TLS = 454  # RFC 4954 §6 and RFC 3207 §4 use 4.7.0 with it: not a rate
TOO_MANY_RECIPIENTS = "4.5.3"  # a 452 for the message's size: waiting would never help
MAILBOX_FULL = "4.2.2"  # a 452 for one recipient's mailbox: no reason to pause every email
_GREYLISTED = re.compile(r"gr[ae]y-?list", re.IGNORECASE)
SENDER_THREAD_LIMIT = (432, "4.3.2")  # Microsoft 365: "STOREDRV.ClientSubmit; sender thread limit exceeded"


def smtp_too_many(code: int, message: str) -> bool:
    """Whether an SMTP reply asks us to slow down: `421` (RFC 5321 §3.8, the server closes the
    channel: Exchange's "4.4.2 Message submission rate for this client has exceeded the configured
    limit", Gmail's "4.7.0 Try again later"), `452` (RFC 5321 §4.2.3, resources; not `4.5.3`, too
    many recipients for one message, nor `4.2.2`, one recipient's mailbox full: RFC 3463 §3.3), any
    other 4xx with an enhanced status `4.7.x` (RFC 3463 §3.8, policy: Gmail's 4.7.28 rate limits)
    except 454 and greylisting (a `4.7.1` that says "greylist": a matter of this message, retried
    as a failed attempt), and Microsoft 365's `432 4.3.2`."""
    status = _enhanced_status(message)
    if code == 452:
        return status not in (TOO_MANY_RECIPIENTS, MAILBOX_FULL)
    if _GREYLISTED.search(message):
        return False
    if code == 421 or (code, status) == SENDER_THREAD_LIMIT:
        return True
    return 400 <= code < 500 and code != TEMPORARY_AUTH_OR_TLS and status.startswith("4.7.")


def twilio_too_many(status: int, code: int | None) -> bool:
    """HTTP 429 or Twilio's error 20429, "Too Many Requests" (Twilio's error dictionary): the
    account's concurrency or a sender's queue is full."""
    return status == 429 or code == 20429


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), or
    None for an absent or unreadable one. A date in the past is 0."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max((at - (now or datetime.now(UTC))).total_seconds(), 0.0)


def _enhanced_status(message: str) -> str:
    """The enhanced status code (RFC 3463 §2, `class.subject.detail`) at the start of a reply's text."""
    found = _ENHANCED.match(message.strip())
    return ".".join(found.groups()) if found else ""
