"""A provider under its rate limit: asked for a turn before each attempt, paused after "too many"."""

from __future__ import annotations

from collections.abc import Callable, Hashable

import structlog

from adapters.pacing import Pacer
from application.errors import Throttled
from application.ports import Closeable, NotificationProvider
from domain.notification import Notification, Receipt

log = structlog.get_logger("notifications")


class PacedProvider:
    """Wraps `provider` (named `name` in the logs): `turn` paces the notifications of each sender
    (`sender` tells it, one for all by default); a `Throttled` answer pauses the whole provider and
    is raised again with the pause as its `retry_after`."""

    def __init__(
        self,
        name: str,
        provider: NotificationProvider,
        pacer: Pacer,
        sender: Callable[[Notification], Hashable] = lambda _: "",
    ) -> None:
        self.name = name
        self.provider = provider
        self.pacer = pacer
        self.sender = sender

    async def turn(self, notification: Notification) -> float:
        return await self.pacer.turn(self.sender(notification), notification.id)

    async def deliver(self, notification: Notification) -> Receipt:
        try:
            receipt = await self.provider.deliver(notification)
        except Throttled as error:
            pause = self.pacer.throttled(error.retry_after)
            log.warning(
                "provider.throttled",
                provider=self.name,
                notification_id=str(notification.id),
                reason=str(error),  # the adapters mask the recipients the provider's reply quotes
                retry_after=error.retry_after,
                paused_for=round(pause, 3),
            )
            raise Throttled(str(error), pause) from None
        self.pacer.delivered()
        return receipt

    async def close(self) -> None:
        if isinstance(self.provider, Closeable):
            await self.provider.close()
