"""One log line per change of a notification's state, with the fields an operator filters on."""

from __future__ import annotations

from typing import Any

import structlog

from domain.addresses import masked
from domain.notification import Notification

log = structlog.get_logger("notifications")


def log_state_change(notification: Notification, change: str | None = None, **fields: Any) -> None:
    """Logs the notification's new state (`change` names it where the state alone cannot, as
    `throttled`). Provider reasons quote recipients: they are masked."""
    reason = notification.reason and masked(notification.reason, notification.message.recipients)
    log.info(
        f"notification.{change or _change(notification)}",
        notification_id=str(notification.id),
        client=notification.client,
        channel=notification.channel.value,
        status=notification.status.value,
        attempts=notification.attempts,
        reason=reason,
        **fields,
    )


def _change(notification: Notification) -> str:
    if notification.is_terminal:
        return notification.status.value
    return "sent" if notification.awaiting_confirmation else "attempt_failed"
