"""A webhook message's body, its retry schedule, and its log lines.

Sources: Standard Webhooks (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md:
"Payload structure", "Deliverability and reliability").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog

from domain.webhooks import WebhookMessage

log = structlog.get_logger("notifications")


@dataclass(frozen=True)
class WebhookRetries:
    """After the n-th failed attempt, the next comes `base_delay * 2^(n-1)` seconds later (1, 2, 4...),
    at most `max_delay` later, or later if the receiver asked so with `Retry-After`; a message
    still failing `give_up_after` seconds after it was scheduled is abandoned. `timeout` (seconds)
    bounds an attempt."""

    base_delay: float = 1.0
    max_delay: float = 3600.0
    give_up_after: float = 3 * 86400.0
    timeout: float = 15.0

    def delay(self, attempts: int, retry_after: float | None, spread: float = 0.0) -> timedelta:
        """The wait after the `attempts`-th failure; `spread` in [0, 1) lengthens it by up to 10%, so
        that messages failing together do not come back together (the specification's jitter)."""
        seconds = min(self.base_delay * 2 ** max(attempts - 1, 0), self.max_delay) * (1 + spread / 10)
        if retry_after is not None:
            seconds = max(seconds, min(retry_after, self.max_delay))
        return timedelta(seconds=seconds)


def payload(message: WebhookMessage, data: dict[str, Any]) -> bytes:
    """The body: `{"type", "timestamp" (when the notification changed, ISO 8601 UTC), "data"}` as
    compact JSON, UTF-8; signed and sent as these exact bytes."""
    body = {
        "type": message.kind,
        "timestamp": message.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": data,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def change_of(message: WebhookMessage) -> str:
    """`accepted`, `abandoned` or `attempt_failed`: what the message's last recorded event was."""
    if message.outcome and message.outcome.startswith("accepted"):
        return "accepted"
    return "abandoned" if message.finished else "attempt_failed"


def log_change(message: WebhookMessage) -> None:
    """One line per change; never the URL, the secret or the payload."""
    log.info(
        f"webhook.{change_of(message)}",
        message_id=str(message.id),
        notification_id=str(message.notification_id),
        client=message.client,
        kind=message.kind,
        attempts=message.attempts,
        outcome=message.outcome,
        retry_at=message.retry_at.isoformat() if message.retry_at and not message.finished else None,
    )
