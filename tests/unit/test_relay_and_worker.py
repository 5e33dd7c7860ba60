from __future__ import annotations

import asyncio
from uuid import UUID

from dependency_injector import providers

from application.relay import READER
from bootstrap.container import Container
from domain.messages import Channel, PhoneNumber, Sms
from domain.notification import Notification, Receipt, Status
from tests.fakes import RecordingProvider

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


async def send_many(container: Container, count: int) -> list[UUID]:
    return [(await container.notifications().send_notification("bank", SMS)).id for _ in range(count)]


async def test_the_relay_puts_each_request_on_the_queue_once(container: Container) -> None:
    ids = await send_many(container, 3)
    relay, queue = container.relay(), container.queue()
    assert await relay.relay_once() == 3
    assert await relay.relay_once() == 0
    received = await queue.receive(10, 0.1)
    assert [d.message.notification_id for d in received] == ids
    assert [d.message.position for d in received] == sorted(d.message.position for d in received)


async def test_the_relay_tracks_only_what_the_in_process_queue_can_no_longer_lose(
    container: Container,
) -> None:
    await send_many(container, 3)
    relay, queue, log = container.relay(), container.queue(), container.event_store()
    await relay.relay_once()
    first, second, third = await queue.receive(10, 0.1)
    await queue.acknowledge(first)
    await queue.acknowledge(third)
    await relay.relay_once()
    assert await log.position(READER) == first.message.position
    await queue.acknowledge(second)
    await relay.relay_once()
    assert await log.position(READER) == third.message.position


async def test_a_new_relay_resumes_from_the_tracked_position(container: Container) -> None:
    await send_many(container, 2)
    relay, queue = container.relay(), container.queue()
    await relay.relay_once()
    for delivery in await queue.receive(10, 0.1):
        await queue.acknowledge(delivery)
    await relay.relay_once()
    container.relay.reset()
    later = await send_many(container, 1)
    assert await container.relay().relay_once() == 1
    assert [d.message.notification_id for d in await queue.receive(10, 0.1)] == later


async def test_the_worker_delivers_what_was_sent_and_stops_cleanly(
    container: Container, provider: RecordingProvider
) -> None:
    ids = await send_many(container, 20)
    worker = container.worker()
    working = asyncio.create_task(worker.run())
    for _ in range(200):
        if len(provider.delivered) == 20:
            break
        await asyncio.sleep(0.02)
    worker.stop()
    await asyncio.wait_for(working, 5)
    assert sorted(str(n.id) for n in provider.delivered) == sorted(map(str, ids))
    for notification_id in ids:
        n = await container.notifications().get_notification_status("bank", notification_id)
        assert n.status is Status.DELIVERED


async def test_the_worker_closes_the_providers_connections_when_it_stops(container: Container) -> None:
    class Pooled(RecordingProvider):
        closed = 0

        async def close(self) -> None:
            self.closed += 1

    pooled = Pooled()
    with container.delivery_providers.override(providers.Object({Channel.SMS: pooled})):
        worker = container.worker()
        working = asyncio.create_task(worker.run())
        await asyncio.sleep(0.05)
        assert pooled.closed == 0
        worker.stop()
        await asyncio.wait_for(working, 5)
    assert pooled.closed == 1


async def test_the_worker_finishes_a_delivery_in_flight_when_stopped(container: Container) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    class Slow(RecordingProvider):
        async def deliver(self, notification: Notification) -> Receipt:
            started.set()
            await release.wait()
            return await super().deliver(notification)

    slow = Slow()
    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, slow))):
        [notification_id] = await send_many(container, 1)
        worker = container.worker()
        working = asyncio.create_task(worker.run())
        await asyncio.wait_for(started.wait(), 5)
        worker.stop()
        await asyncio.sleep(0.1)
        assert not working.done()
        release.set()
        await asyncio.wait_for(working, 5)
    n = await container.notifications().get_notification_status("bank", notification_id)
    assert n.status is Status.DELIVERED


async def test_a_delivery_outlasting_the_grace_period_is_cancelled_and_left_for_later(
    container: Container,
) -> None:
    started = asyncio.Event()

    class Hanging(RecordingProvider):
        async def deliver(self, notification: Notification) -> Receipt:
            started.set()
            await asyncio.Event().wait()
            raise AssertionError("never reached")

    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, Hanging()))):
        [notification_id] = await send_many(container, 1)
        worker = container.worker()
        worker.start()
        await asyncio.wait_for(started.wait(), 5)
        await asyncio.wait_for(worker.shutdown(grace_seconds=0.1), 5)
    n = await container.notifications().get_notification_status("bank", notification_id)
    assert n.status is Status.PENDING
    assert container.queue().safe_position(sent_up_to=10) == 0
