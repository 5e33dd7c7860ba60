"""Fills an event store quickly, and reads POST-to-delivered times back from it."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

from adapters.event_store import EventSourcedStore
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Receipt
from tests.benchmarks.stores import BenchStore

EVENTS_PER_NOTIFICATION = 3  # Requested, DeliveryStarted, Delivered
SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


def seed(store: EventSourcedStore, client: str, events: int, batch: int = 500) -> list[uuid.UUID]:
    """Records delivered notifications until the store holds about `events` more events."""
    ids: list[uuid.UUID] = []

    async def fill() -> None:
        now = datetime.now(UTC)
        for start in range(0, events // EVENTS_PER_NOTIFICATION, batch):
            notifications = []
            for _ in range(min(batch, events // EVENTS_PER_NOTIFICATION - start)):
                notification = Notification.request(uuid.uuid4(), client, SMS)
                notification.begin_attempt("seed", now, timedelta(seconds=30))
                notification.deliver(Receipt("seed"))
                notifications.append(notification)
            await store.save(*notifications)
            ids.extend(n.id for n in notifications[:2])

    asyncio.run(fill())
    return ids


def post_to_delivered_ms(store: BenchStore, since: datetime | None = None) -> tuple[list[float], float]:
    """The time from request to delivery of each notification requested since then, and the
    deliveries per second."""
    times: dict[object, dict[str, datetime]] = {}
    query = (
        "SELECT originator_id, topic, state FROM {events}"
        " WHERE topic LIKE '%.Requested' OR topic LIKE '%.Delivered'"
    )
    for originator, topic, state in store.rows(query):
        stamp = datetime.fromisoformat(json.loads(state)["timestamp"]["_data_"])
        times.setdefault(originator, {})[topic.rsplit(".", 1)[1]] = stamp
    pairs = [
        (t["Requested"], t["Delivered"])
        for t in times.values()
        if len(t) == 2 and (since is None or t["Requested"] >= since)
    ]
    if not pairs:
        return [], 0.0
    span = (max(d for _, d in pairs) - min(r for r, _ in pairs)).total_seconds()
    return sorted((d - r).total_seconds() * 1000 for r, d in pairs), len(pairs) / span
