"""Long polling: tell a notification's status as soon as it has news, or after a wait as it stands.

A frontend that shows a toast when its SMS arrives asks once with `wait` instead of polling. The
wait holds no thread and no connection: it is a future, woken by the process's one listener to
the event log (the `NotificationChanges` port) when an event of that notification is recorded,
by this process or any other.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol, runtime_checkable
from uuid import UUID

from application.notifications import Notifications
from domain.notification import Notification, Status

MAX_WAIT = 30  # seconds


@runtime_checkable
class Watch(Protocol):
    async def changed(self, seconds: float) -> bool:
        """Waits until an event of the watched notification is recorded, at most `seconds`.

        Returns True if one was recorded since the watch began or since the previous call returned
        True (a change is never lost between two calls), False when the time is up. May wake without news
        (after the listener reconnected): the caller reads the notification again to know.
        """


@runtime_checkable
class NotificationChanges(Protocol):
    def watch(self, notification_id: UUID) -> AbstractContextManager[Watch]:
        """Begins watching the notification's events; leaving the context ends it and frees the waiter.

        Must be entered before the notification is read, so that no change falls between the read
        and the wait.
        """


class StatusWaits:
    def __init__(self, notifications: Notifications, changes: NotificationChanges) -> None:
        self.notifications = notifications
        self.changes = changes

    async def wait_for_news(self, client: str, notification_id: UUID, seconds: float) -> Notification:
        """The notification once it has news (no longer `pending`, or a new `read_at`), or as it
        stands after `seconds` (0 to MAX_WAIT). Raises NotFound at once for an unknown id or
        another client's; a notification that is not pending is returned at once (issue 19: it
        answers "as soon as the notification is no longer pending")."""
        with self.changes.watch(notification_id) as watch:
            first = await self.notifications.get_notification_status(client, notification_id)
            if seconds <= 0 or first.status is not Status.PENDING:
                return first
            deadline = asyncio.get_running_loop().time() + min(seconds, MAX_WAIT)
            while (left := deadline - asyncio.get_running_loop().time()) > 0 and await watch.changed(left):
                now = await self.notifications.get_notification_status(client, notification_id)
                if _news(now) != _news(first):
                    return now
            return await self.notifications.get_notification_status(client, notification_id)


def _news(notification: Notification) -> tuple[Status, datetime | None]:
    return notification.status, notification.read_at
