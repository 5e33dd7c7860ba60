"""The worker's use case: hand a pending notification to its provider and record the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

import structlog

from application.errors import Conflict, NotFound, PermanentDeliveryError, TransientDeliveryError
from application.ports import EventStore, NotificationProvider
from domain.messages import Channel
from domain.notification import Notification

log = structlog.get_logger("notifications")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 300.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the given number of failed attempts: doubling, capped."""
        return float(min(self.base_delay * 2 ** max(attempts - 1, 0), self.max_delay))


@dataclass(frozen=True)
class Outcome:
    """Done, or to be tried again after `retry_in` seconds."""

    retry_in: float | None = None

    @property
    def done(self) -> bool:
        return self.retry_in is None


DONE = Outcome()


class Deliveries:
    def __init__(
        self,
        store: EventStore,
        providers: Mapping[Channel, NotificationProvider],
        policy: RetryPolicy,
    ) -> None:
        self.store = store
        self.providers = providers
        self.policy = policy

    async def deliver_notification(self, notification_id: UUID) -> Outcome:
        """Tries to deliver once. Safe to call again: a finished notification is left as it is."""
        try:
            notification: Notification = await self.store.get(notification_id)
        except NotFound:
            log.warning("delivery.unknown_notification", notification_id=str(notification_id))
            return DONE
        if notification.is_terminal:
            return DONE
        await self._attempt(notification)
        try:
            await self.store.save(notification)
        except Conflict:
            log.info("delivery.already_recorded", notification_id=str(notification_id))
            return DONE
        log.info(
            f"notification.{notification.status.value if notification.is_terminal else 'attempt_failed'}",
            notification_id=str(notification.id),
            client=notification.client,
            channel=notification.channel.value,
            status=notification.status.value,
            attempts=notification.attempts,
            reason=notification.reason,
        )
        if notification.is_terminal:
            return DONE
        return Outcome(retry_in=self.policy.delay(notification.attempts))

    async def _attempt(self, notification: Notification) -> None:
        provider = self.providers.get(notification.channel)
        if provider is None:
            notification.refuse(f"no provider is configured for the {notification.channel} channel")
            return
        try:
            receipt = await provider.deliver(notification)
        except PermanentDeliveryError as error:
            notification.refuse(str(error))
        except TransientDeliveryError as error:
            notification.record_failed_attempt(str(error), self.policy.max_attempts)
        except Exception as error:  # a provider's bug must not lose the notification
            log.exception("delivery.provider_error", notification_id=str(notification.id))
            notification.record_failed_attempt(
                f"unexpected provider error: {type(error).__name__}", self.policy.max_attempts
            )
        else:
            notification.deliver(receipt)
