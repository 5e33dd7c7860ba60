"""An email provider whose acceptance is not yet delivery: the outcome comes later, from the mailbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from application.ports import Clock, Closeable, NotificationProvider
from domain.notification import Notification, Receipt


class AwaitingReports:
    """Wraps the SMTP provider when a bounce mailbox is read: the server's acceptance is recorded as
    `Sent`, and the email stays pending until a report arrives or `window` passes with none."""

    def __init__(self, provider: NotificationProvider, window: timedelta, clock: Clock) -> None:
        self.provider = provider
        self.window = window
        self.clock = clock

    async def deliver(self, notification: Notification) -> Receipt:
        receipt = await self.provider.deliver(notification)
        return replace(receipt, awaiting_confirmation=True, confirm_by=self.clock.now() + self.window)

    async def close(self) -> None:
        if isinstance(self.provider, Closeable):
            await self.provider.close()
