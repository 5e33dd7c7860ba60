"""Webhook messages on every event store: the outcomes in log order, the secret sealed, a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.event_store import EventSourcedStore
from application.webhook_dispatch import RETRIES_READER
from application.webhook_ports import WebhookAnswer
from domain.webhooks import message_id
from tests.stores import KINDS, open_store
from tests.webhook_world import URL, World, run_due, world_on

CIPHER_KEY = "H3YHc2m0xS6Dnl2sQ3dFJpS1ZqgQbQ3rVZ8oUq0vW1c="


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventSourcedStore]:
    with open_store(request.param, tmp_path, cipher_key=CIPHER_KEY) as store:
        yield store


@pytest.fixture
def world(store: EventSourcedStore) -> World:
    return world_on(store)


async def test_outcomes_are_read_in_log_order_with_their_kind(world: World) -> None:
    delivered = await world.notification()
    refused = await world.notification(refused=True)
    outcomes = await world.store.outcomes_after(0, 10)
    assert [(o.notification_id, o.kind) for o in outcomes] == [
        (delivered.id, "notification.delivered"),
        (refused.id, "notification.refused"),
    ]
    assert outcomes[0].position < outcomes[1].position
    assert await world.store.outcomes_after(outcomes[0].position, 10) == outcomes[1:]


async def test_the_signing_secret_is_stored_encrypted(world: World, store: EventSourcedStore) -> None:
    secret = await world.register.set_webhook("bank", URL)
    records = store._recorder.select_notifications(None, 10)
    assert records and all(secret.encode() not in bytes(r.state) for r in records)
    assert all(b"bank.example" not in bytes(r.state) for r in records)
    assert (await world.register.register()).endpoint("bank").secret == secret  # type: ignore[union-attr]


async def test_a_new_dispatcher_resumes_a_message_left_unfinished(world: World) -> None:
    world.transport.answers = [WebhookAnswer(500)]
    await world.register.set_webhook("bank", URL)
    notification = await world.notification()
    before = world.dispatcher()
    await before.follow_once()
    await run_due(before)
    assert await world.store.position(RETRIES_READER) < (await world.store.outcomes_after(0, 1))[0].position
    world.later(1)
    after = world.dispatcher()
    await after.follow_once()
    await run_due(after)
    assert [p[2] for p in world.transport.posted] == [
        str(message_id(notification.id, "notification.delivered"))
    ] * 2
    message = await world.store.get(message_id(notification.id, "notification.delivered"))
    assert message.finished and message.attempts == 2
