"""The use case of a provider: report what became of a message it took (a delivery receipt)."""

from __future__ import annotations

from collections.abc import Mapping

from application.errors import Conflict, ForgedCallback, NotFound
from application.metrics import NO_METRICS, Metrics
from application.ports import EventStore, Progress, StatusCallbacks, StatusUpdate
from application.state_log import log_state_change
from domain.notification import Notification

ATTEMPTS_ON_CONFLICT = 3


class StatusUpdates:
    def __init__(
        self, store: EventStore, callbacks: Mapping[str, StatusCallbacks], metrics: Metrics = NO_METRICS
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.callbacks = callbacks

    async def record_status_update(
        self, provider: str, query: str, form: bytes, signature: str
    ) -> Notification:
        """Records a delivery receipt from a provider's signed callback; returns the notification.

        `form` is the request's body as sent, read only once the signature matches. A status never
        moves backwards: a repeated or late update records nothing. Raises ForgedCallback for a
        request the provider did not sign (nothing is recorded, however malformed the body),
        InvalidCallback for a signed one that cannot be read, NotFound for an unknown notification.
        """
        callbacks = self.callbacks.get(provider)
        if callbacks is None:
            raise ForgedCallback(f"no callbacks are expected from {provider}")
        update = callbacks.read(query, form, signature)
        for _ in range(ATTEMPTS_ON_CONFLICT - 1):
            try:
                return await self._apply(update)
            except Conflict:  # a worker recorded Sent meanwhile: apply the update to what it wrote
                continue
        return await self._apply(update)

    async def _apply(self, update: StatusUpdate) -> Notification:
        notification = await self.store.get(update.notification_id)
        if not isinstance(notification, Notification):
            raise NotFound(update.notification_id)
        version = notification.version
        if update.progress is Progress.DELIVERED:
            notification.confirm_delivery(update.provider, update.provider_message_id)
        elif update.progress is Progress.FAILED:
            notification.report_failure(update.code, update.description)
        if notification.version == version:
            return notification
        await self.store.save(notification)
        log_state_change(notification, provider=update.provider)
        self.metrics.concluded(notification)
        return notification
