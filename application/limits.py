"""The limits on what clients send: requests per second per client (NOTIFICATIONS_CLIENT_RATE_LIMIT)
and messages per hour to one phone number (NOTIFICATIONS_RECIPIENT_HOURLY_LIMIT).

Both are off unless set; when off, no use case calls them at all.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

import structlog

from application.errors import RateLimited
from application.ports import ClientBuckets, Clock, RecipientCounts
from domain.addresses import PhoneNumber
from domain.limits import refusal_reason
from domain.messages import Channel
from domain.notification import Notification

PHONE_CHANNELS = (Channel.SMS, Channel.WHATSAPP)

log = structlog.get_logger("notifications")


class ClientRateLimit:
    def __init__(self, buckets: ClientBuckets, clock: Clock) -> None:
        self.buckets, self.clock = buckets, clock

    async def admit(self, client: str) -> None:
        """Counts one request of the client. Raises RateLimited (with the seconds until one may go)
        when its bucket is empty, StoreUnavailable."""
        wait = await self.buckets.take(client, self.clock.now().timestamp())
        if wait:
            raise RateLimited(wait)


class RecipientGuard:
    """At most `limit` SMS and WhatsApp messages, together, to one number in any hour, whichever
    client sends them: those beyond are recorded refused, with the reason."""

    def __init__(self, counts: RecipientCounts, clock: Clock, limit: int) -> None:
        self.counts, self.clock, self.limit = counts, clock, limit

    @contextlib.asynccontextmanager
    async def screening(self, notifications: Sequence[Notification]) -> AsyncIterator[None]:
        """Counts the new notifications' messages to phone numbers and refuses those over the limit,
        then runs the block that stores them. If the block raises (nothing stored, or a repeated
        request's notification already there), their counts are given back."""
        phoned = [n for n in notifications if n.channel in PHONE_CHANNELS and not n.is_terminal]
        numbers = [n.message_data["to"] for n in phoned]
        now = self.clock.now().timestamp()
        admitted = await self.counts.admit(numbers, now) if numbers else []
        for notification, number, ok in zip(phoned, numbers, admitted, strict=True):
            if not ok:
                notification.refuse(refusal_reason(self.limit))
                log.warning(
                    "recipient.limited", notification_id=str(notification.id), to=PhoneNumber(number).masked
                )
        try:
            yield
        except BaseException:
            counted = [number for number, ok in zip(numbers, admitted, strict=True) if ok]
            if counted:
                await self._release(counted, now)
            raise

    async def _release(self, numbers: list[str], at: float) -> None:
        try:
            await asyncio.shield(self.counts.release(numbers, at))
        except Exception as error:  # the request's own error matters more: these count for an hour
            log.warning("recipient.release_failed", error=str(error))
