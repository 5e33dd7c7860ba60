"""Webhooks in the audit trail: every attempt is an event, with its client; the secret is not exported."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.event_store import EventSourcedStore
from application.audit_trail import AuditTrail
from application.webhook_ports import WebhookAnswer
from tests.webhook_world import URL, World, run_due, world_on


@pytest.fixture
def world() -> Iterator[World]:
    store = EventSourcedStore.in_memory()
    yield world_on(store)
    store.close()


async def test_an_export_names_the_client_of_each_webhook_event_and_never_the_secret(world: World) -> None:
    world.transport.answers = [WebhookAnswer(500)]
    secret = await world.register.set_webhook("bank", URL)
    await world.notification()
    dispatcher = world.dispatcher()
    await dispatcher.follow_once()
    await run_due(dispatcher)
    trail = AuditTrail(world.store, world.store, world.clock)
    records = [record async for record in trail.export(client="bank")]
    kinds = [r.event.type for r in records if r.event.aggregate != "Notification"]
    assert kinds == [
        "Webhooks.WebhookSet",
        "WebhookMessage.Scheduled",
        "WebhookMessage.AttemptStarted",
        "WebhookMessage.AttemptFailed",
    ]
    assert all(secret not in str(r.event.data) for r in records)
    [webhook_set] = [r for r in records if r.event.type == "Webhooks.WebhookSet"]
    assert webhook_set.event.data["secret"] == "[not exported]" and webhook_set.event.data["url"] == URL
