"""Webhook messages: made from the log's outcomes, sent once each attempt, retried, finished."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from adapters.event_store import EventSourcedStore
from application.webhook_dispatch import READER, RETRIES_READER
from application.webhook_messages import WebhookRetries
from application.webhook_ports import TargetForbidden, TargetUnreachable, WebhookAnswer
from domain.messages import Channel, message_from_dict
from domain.notification import Notification, Receipt
from domain.webhooks import message_id
from tests.webhook_world import URL, World, run_due, world_on


@pytest.fixture
def world() -> Iterator[World]:
    store = EventSourcedStore.in_memory()
    yield world_on(store)
    store.close()


async def test_a_delivered_notification_is_posted_once_with_the_clients_secret(world: World) -> None:
    secret = await world.register.set_webhook("bank", URL)
    notification = await world.notification()
    dispatcher = world.dispatcher()
    await dispatcher.follow_once()
    assert await run_due(dispatcher) == [message_id(notification.id, "notification.delivered")]
    await dispatcher.follow_once()
    assert await run_due(dispatcher) == []
    [(url, used, webhook_id, body)] = world.transport.posted
    assert (url, used, webhook_id) == (
        URL,
        secret,
        str(message_id(notification.id, "notification.delivered")),
    )
    assert body["type"] == "notification.delivered"
    assert body["data"] == {"id": str(notification.id), "status": "delivered"}
    assert body["timestamp"] == notification.modified_on.isoformat().replace("+00:00", "Z")


async def test_a_refusal_is_told_and_a_client_without_a_webhook_hears_nothing(world: World) -> None:
    await world.register.set_webhook("bank", URL)
    await world.notification(client="other")
    refused = await world.notification(refused=True)
    dispatcher = world.dispatcher()
    await dispatcher.follow_once()
    await run_due(dispatcher)
    assert [(p[3]["type"], p[3]["data"]["id"]) for p in world.transport.posted] == [
        ("notification.refused", str(refused.id))
    ]


async def test_a_read_receipt_is_told_as_a_read_and_another_disposition_is_not(world: World) -> None:
    await world.register.set_webhook("bank", URL)
    message = message_from_dict(
        Channel.EMAIL, {"to": ["alice@example.org"], "subject": "Hi", "text": "Hello"}
    )
    read, deleted = (
        Notification.request(uuid4(), "bank", message),
        Notification.request(uuid4(), "bank", message),
    )
    for notification in (read, deleted):
        notification.deliver(Receipt("smtp"))
    read.record_disposition("<mdn-1@mail.example.org>", "alice@example.org", "displayed", world.clock.now())
    deleted.record_disposition("<mdn-2@mail.example.org>", "alice@example.org", "deleted", world.clock.now())
    await world.store.save(read, deleted)
    dispatcher = world.dispatcher()
    await dispatcher.follow_once()
    await run_due(dispatcher)
    told = sorted((p[3]["data"]["id"] == str(read.id), p[3]["type"]) for p in world.transport.posted)
    assert told == [
        (False, "notification.delivered"),
        (True, "notification.delivered"),
        (True, "notification.read"),
    ]


async def test_failed_attempts_come_back_after_1_2_and_4_seconds_with_the_same_id(world: World) -> None:
    world.transport.answers = [WebhookAnswer(500), TargetUnreachable("timeout"), WebhookAnswer(502)]
    await world.register.set_webhook("bank", URL)
    notification = await world.notification()
    dispatcher = world.dispatcher()
    await dispatcher.follow_once()
    waits = []
    for _ in range(3):
        await run_due(dispatcher)
        due = dispatcher.next_due()
        assert due is not None
        waits.append((due - world.clock.now()).total_seconds())
        world.later(waits[-1] - 0.01)
        assert await run_due(dispatcher) == []  # not due yet
        world.later(0.01)
    await run_due(dispatcher)
    assert waits == [1, 2, 4]
    assert {p[2] for p in world.transport.posted} == {
        str(message_id(notification.id, "notification.delivered"))
    }
    assert len(world.transport.posted) == 4 and dispatcher.next_due() is None
    events = await world.store.history(message_id(notification.id, "notification.delivered"))
    assert [e.type for e in events] == ["Scheduled"] + ["AttemptStarted", "AttemptFailed"] * 3 + [
        "AttemptStarted",
        "Accepted",
    ]


async def test_the_delay_grows_to_an_hour_and_a_retry_after_is_honoured(world: World) -> None:
    retries = WebhookRetries()
    assert [retries.delay(n, None).total_seconds() for n in (1, 2, 3, 12, 13, 40)] == [
        1,
        2,
        4,
        2048,
        3600,
        3600,
    ]
    assert retries.delay(1, 120).total_seconds() == 120
    assert [retries.delay(n, None, 0.5).total_seconds() for n in (1, 3, 40)] == [1.05, 4.2, 3780]
    world.transport.answers = [WebhookAnswer(503, retry_after=30)]
    await world.register.set_webhook("bank", URL)
    await world.notification()
    dispatcher = world.dispatcher()
    await dispatcher.follow_once()
    await run_due(dispatcher)
    assert dispatcher.next_due() == world.clock.now() + timedelta(seconds=30)


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (WebhookAnswer(410), "410 Gone"),
        (TargetForbidden("bank.example resolves to 10.0.0.1"), "10.0.0.1"),
    ],
)
async def test_gone_or_a_forbidden_target_abandons_the_message(
    world: World, answer: WebhookAnswer | Exception, reason: str
) -> None:
    world.transport.answers = [answer]
    await world.register.set_webhook("bank", URL)
    notification = await world.notification()
    dispatcher = world.dispatcher()
    await dispatcher.follow_once()
    await run_due(dispatcher)
    message = await world.store.get(message_id(notification.id, "notification.delivered"))
    assert message.finished and reason in message.outcome
    assert dispatcher.next_due() is None


async def test_a_message_still_failing_after_three_days_is_abandoned(world: World) -> None:
    world.transport.answers = [WebhookAnswer(500)] * 3
    await world.register.set_webhook("bank", URL)
    notification = await world.notification()
    dispatcher = world.dispatcher()
    await dispatcher.follow_once()
    await run_due(dispatcher)
    message = await world.store.get(message_id(notification.id, "notification.delivered"))
    world.clock.current = message.created_on + timedelta(days=3)
    await run_due(dispatcher)
    message = await world.store.get(message.id)
    assert message.finished and message.outcome.startswith("abandoned: gave up after 2 attempts")


async def test_removing_the_webhook_abandons_what_it_had_not_accepted(world: World) -> None:
    world.transport.answers = [WebhookAnswer(500)]
    await world.register.set_webhook("bank", URL)
    await world.notification()
    dispatcher = world.dispatcher()
    await dispatcher.follow_once()
    await run_due(dispatcher)
    await world.register.remove_webhook("bank")
    world.later(1)
    await run_due(dispatcher)
    assert len(world.transport.posted) == 1 and dispatcher.next_due() is None


async def test_a_restarted_dispatcher_resumes_unfinished_messages_from_its_tracked_position(
    world: World,
) -> None:
    world.transport.answers = [WebhookAnswer(500)]
    await world.register.set_webhook("bank", URL)
    failing = await world.notification()
    before = world.dispatcher()
    await before.follow_once()
    await run_due(before)
    accepted = await world.notification()
    await before.follow_once()
    await run_due(before)
    [first, last] = await world.store.outcomes_after(0, 10)
    assert await world.store.position(READER) == last.position  # both messages are stored
    assert await world.store.position(RETRIES_READER) == first.position - 1  # below the unfinished one
    world.later(1)
    log = ReadingLog(world.store)
    after = world.dispatcher(log=log)
    await after.follow_once()
    assert log.outcomes_read_after == [last.position]  # no outcome read twice
    assert await run_due(after) == [message_id(failing.id, "notification.delivered")]
    posted = [p[3]["data"]["id"] for p in world.transport.posted]
    assert posted == [str(failing.id), str(accepted.id), str(failing.id)]
    await after.follow_once()
    assert await world.store.position(RETRIES_READER) == last.position  # nothing unfinished any more


class ReadingLog:
    """The store's outcome log, recording where each read of outcomes starts."""

    def __init__(self, store: EventSourcedStore) -> None:
        self.store = store
        self.outcomes_read_after: list[int] = []

    async def outcomes_after(self, position: int, limit: int) -> Any:
        self.outcomes_read_after.append(position)
        return await self.store.outcomes_after(position, limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


async def test_of_two_workers_only_the_one_that_claimed_the_message_sends_it(world: World) -> None:
    world.transport.gate = asyncio.Event()
    await world.register.set_webhook("bank", URL)
    await world.notification()
    one, two = world.dispatcher("w1"), world.dispatcher("w2")
    await one.follow_once()
    await two.follow_once()
    [message] = one.take_due(10)
    assert two.take_due(10) == [message]
    sending = asyncio.create_task(one.attempt(message))
    await world.transport.called.wait()
    await two.attempt(message)  # claimed by w1: w2 looks again when the claim lapses
    world.transport.gate.set()
    await sending
    assert len(world.transport.posted) == 1
    claimed_until = two.next_due()
    assert claimed_until is not None and claimed_until > world.clock.now()
    world.clock.current = claimed_until
    await run_due(two)
    assert len(world.transport.posted) == 1 and two.next_due() is None
