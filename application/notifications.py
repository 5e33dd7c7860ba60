"""Use cases of a client: send a notification, ask how it is doing, read its history."""

from __future__ import annotations

import hashlib
import json
from uuid import UUID, uuid5

import structlog

from application.errors import Conflict, IdempotencyKeyReused, NotFound
from application.ids import time_ordered_uuid
from application.limits import RecipientGuard
from application.metrics import NO_METRICS, Metrics
from application.ports import EventStore, RecordedEvent, TraceContext
from domain.messages import Message
from domain.notification import Notification

IDEMPOTENCY_NAMESPACE = UUID("0d3f4f0e-8a4b-4f7b-b7a4-6d1c6f4e2a91")

log = structlog.get_logger("notifications")


class Notifications:
    def __init__(
        self,
        store: EventStore,
        guard: RecipientGuard | None = None,
        traces: TraceContext | None = None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        """With `guard`, SMS and WhatsApp messages beyond a number's hourly limit are refused; with
        `traces`, each notification records the trace context of the request that sent it; `metrics`
        counts what was accepted."""
        self.store, self.guard, self.traces, self.metrics = store, guard, traces, metrics

    async def send_notification(
        self,
        client: str,
        message: Message,
        reference: str | None = None,
        idempotency_key: str | None = None,
    ) -> Notification:
        """Records a new notification, or returns the one an earlier request with the key made.

        With a key, the id follows from the client and the key, so a repeated request collides in
        the store itself, whichever process it reaches. A message over the recipient guard's limit
        is recorded refused, with the reason.
        """
        digest = request_digest(message, reference) if idempotency_key else None
        if digest:
            notification_id = uuid5(IDEMPOTENCY_NAMESPACE, f"{client}\n{idempotency_key}")
        else:
            notification_id = time_ordered_uuid()
        traceparent = self.traces.current() if self.traces else None
        notification = Notification.request(notification_id, client, message, reference, digest, traceparent)
        try:
            await self._save(notification)
        except Conflict:
            if idempotency_key is None:
                raise
            return await self._earlier(notification_id, digest, idempotency_key)
        self.metrics.accepted(notification.channel)
        self.metrics.concluded(notification)  # one the recipient guard refused at once is counted refused
        log.info(
            "notification.requested",
            notification_id=str(notification.id),
            client=client,
            channel=notification.channel.value,
            to=message.masked_recipient,
            status=notification.status.value,
        )
        return notification

    async def _save(self, notification: Notification) -> None:
        if self.guard is None:
            await self.store.save(notification)
            return
        async with self.guard.screening([notification]):
            await self.store.save(notification)

    async def get_notification_status(self, client: str, notification_id: UUID) -> Notification:
        notification = await self.store.get(notification_id)
        if not isinstance(notification, Notification) or notification.client != client:
            raise NotFound(notification_id)
        return notification

    async def get_notification_events(self, client: str, notification_id: UUID) -> list[RecordedEvent]:
        await self.get_notification_status(client, notification_id)
        return await self.store.history(notification_id)

    async def _earlier(self, notification_id: UUID, digest: str | None, key: str) -> Notification:
        earlier: Notification = await self.store.get(notification_id)
        if earlier.request_digest != digest:
            raise IdempotencyKeyReused(key)
        log.info("notification.replayed", notification_id=str(notification_id), client=earlier.client)
        return earlier


def request_digest(message: Message, reference: str | None) -> str:
    content = {"channel": message.channel.value, "message": message.as_dict(), "reference": reference}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
