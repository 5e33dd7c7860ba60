"""The relay's durable position, over a SQLite event store and SQS (moto's server)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from adapters.event_store import EventSourcedStore
from adapters.sqs_queue import SqsQueue
from application.relay import Relay
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification
from tests.queue_servers import MotoSqs

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


class CrashBeforeTracking(EventSourcedStore):
    """A store whose process dies between sending a batch and tracking its position."""

    async def track(self, reader: str, position: int) -> None:
        raise SystemExit("killed")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "events.sqlite"


@pytest.fixture
def store(database: Path) -> Iterator[EventSourcedStore]:
    store = EventSourcedStore.sqlite(database)
    yield store
    store.close()


@pytest.fixture
async def queue(moto_sqs: MotoSqs) -> AsyncIterator[tuple[SqsQueue, str]]:
    url, _ = moto_sqs.create_queue(f"q{uuid.uuid4().hex[:12]}")
    queue = SqsQueue(url, region="us-east-1", endpoint_url=moto_sqs.endpoint)
    yield queue, url
    await queue.close()


async def request(store: EventSourcedStore, count: int) -> list[uuid.UUID]:
    notifications = [Notification.request(uuid.uuid4(), "bank", SMS) for _ in range(count)]
    await store.save(*notifications)
    return [n.id for n in notifications]


async def drain(queue: SqsQueue) -> list[uuid.UUID]:
    received = []
    while batch := await queue.receive(10, 1):
        for delivery in batch:
            received.append(delivery.message.notification_id)
            await queue.acknowledge(delivery)
    return received


async def test_after_a_clean_restart_the_relay_sends_nothing_twice(
    store: EventSourcedStore, queue: tuple[SqsQueue, str]
) -> None:
    sqs, _ = queue
    first = await request(store, 5)
    assert await Relay(store, sqs).relay_once() == 5
    restarted = Relay(store, sqs)
    assert await restarted.relay_once() == 0
    later = await request(store, 2)
    assert await restarted.relay_once() == 2
    assert sorted(await drain(sqs)) == sorted(first + later)


async def test_after_a_crash_the_relay_sends_again_what_it_had_not_tracked(
    database: Path, store: EventSourcedStore, queue: tuple[SqsQueue, str]
) -> None:
    sqs, _ = queue
    tracked = await request(store, 3)
    await Relay(store, sqs).relay_once()
    untracked = await request(store, 4)
    crashing = CrashBeforeTracking.sqlite(database)
    with pytest.raises(SystemExit):
        await Relay(crashing, sqs).relay_once()
    crashing.close()
    assert await Relay(store, sqs).relay_once() == 4
    received = await drain(sqs)
    assert sorted(received) == sorted(tracked + untracked + untracked)  # at least once, never skipped
