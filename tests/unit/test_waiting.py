"""Long polling in the application, on the in-memory store: the wait ends with news, or with time."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from adapters.change_waiters import InProcessChanges
from application.errors import NotFound
from application.waiting import StatusWaits
from bootstrap.container import Container
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Receipt, Status
from tests.waiters import until_waiting

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


async def requested(container: Container, client: str = "bank") -> Notification:
    return await container.notifications().send_notification(client, SMS)


async def change(container: Container, notification_id: UUID, how: str) -> None:
    store = container.grouped_store()
    notification: Notification = await store.get(notification_id)
    if how == "deliver":
        notification.deliver(Receipt("fake", "m-1"))
    elif how == "refuse":
        notification.refuse("the number does not exist")
    else:  # a claim: an event that changes nothing a client sees
        notification.begin_attempt("worker:1", datetime.now(UTC), timedelta(seconds=30))
    await store.save(notification)


@pytest.mark.parametrize(("how", "status"), [("deliver", Status.DELIVERED), ("refuse", Status.REFUSED)])
async def test_a_wait_ends_with_the_outcome_as_soon_as_it_is_recorded(
    container: Container, how: str, status: Status
) -> None:
    notification = await requested(container)
    wait = asyncio.create_task(container.status_waits().wait_for_news("bank", notification.id, 30))
    await until_waiting(container.changes(), 1)

    await change(container, notification.id, how)

    answered = await asyncio.wait_for(wait, 10)  # far less than the 30 s asked for
    assert answered.status is status
    assert container.changes().waiting() == 0


async def test_a_wait_without_news_ends_after_its_seconds_with_the_notification_as_it_stands(
    container: Container,
) -> None:
    notification = await requested(container)
    wait = asyncio.create_task(container.status_waits().wait_for_news("bank", notification.id, 1))
    await until_waiting(container.changes(), 1)
    await change(container, notification.id, "claim")  # recorded, but no news to a client

    answered = await wait

    assert answered.status is Status.PENDING
    assert answered.attempts == 1  # as it stands at the end, the claim included
    assert container.changes().waiting() == 0


async def test_a_notification_that_is_no_longer_pending_is_answered_at_once(container: Container) -> None:
    notification = await requested(container)
    await change(container, notification.id, "deliver")

    answered = await asyncio.wait_for(container.status_waits().wait_for_news("bank", notification.id, 30), 5)

    assert answered.status is Status.DELIVERED


@pytest.mark.parametrize("asker", ["bank", "other-client"])
async def test_an_unknown_or_foreign_notification_is_not_found_at_once(
    container: Container, asker: str
) -> None:
    notification_id = (await requested(container)).id if asker == "other-client" else uuid4()

    with pytest.raises(NotFound):
        await asyncio.wait_for(container.status_waits().wait_for_news(asker, notification_id, 30), 5)
    assert container.changes().waiting() == 0


async def test_a_cancelled_wait_releases_its_waiter(container: Container) -> None:
    notification = await requested(container)
    wait = asyncio.create_task(container.status_waits().wait_for_news("bank", notification.id, 30))
    await until_waiting(container.changes(), 1)

    wait.cancel()

    with pytest.raises(asyncio.CancelledError):
        await wait
    assert container.changes().waiting() == 0


async def test_a_change_between_the_read_and_the_wait_is_not_lost() -> None:
    changes = InProcessChanges()
    notification_id = uuid4()
    with changes.watch(notification_id) as watch:
        changes.saved([notification_id])  # before anyone waits

        assert await asyncio.wait_for(watch.changed(30), 5) is True
        assert await watch.changed(0.01) is False  # told once


async def test_a_new_read_at_ends_a_wait_even_while_pending() -> None:
    notification = Notification.request(uuid4(), "bank", SMS)
    notifications = ReadTwice(notification)
    changes = InProcessChanges()
    wait = asyncio.create_task(StatusWaits(notifications, changes).wait_for_news("bank", notification.id, 30))
    await until_waiting(changes, 1)

    notifications.read_at = datetime.now(UTC)
    changes.saved([notification.id])

    answered = await asyncio.wait_for(wait, 5)
    assert answered.status is Status.PENDING
    assert answered.read_at == notifications.read_at


async def test_a_notification_no_longer_pending_is_answered_at_once() -> None:
    notification = Notification.request(uuid4(), "bank", SMS)
    notification.deliver(Receipt("outbox"))
    waits = StatusWaits(Copies(notification), InProcessChanges())
    answered = await asyncio.wait_for(waits.wait_for_news("bank", notification.id, 30), 5)
    assert answered.status is Status.DELIVERED


class Copies:
    """The use cases' reads: a copy of the notification as it stands, a new object each read."""

    def __init__(self, notification: Notification) -> None:
        self.notification = notification

    async def get_notification_status(self, client: str, notification_id: UUID) -> Any:
        return copy.deepcopy(self.notification)


class ReadTwice:
    """The use cases' reads, answering the same pending notification with the `read_at` it is given
    (a channel that reports reads sets it; the core's notification has none)."""

    def __init__(self, notification: Notification) -> None:
        self.notification = notification
        self.read_at: datetime | None = None

    async def get_notification_status(self, client: str, notification_id: UUID) -> Any:
        read = copy.copy(self.notification)  # a new object each read, as the store gives
        if self.read_at is not None:
            read.read_at = self.read_at
        return read


async def test_stopping_ends_every_wait_with_the_notification_as_it_stands_and_later_ones_at_once(
    container: Container,
) -> None:
    notification = await requested(container)
    waits = container.status_waits()
    wait = asyncio.create_task(waits.wait_for_news("bank", notification.id, 30))
    await until_waiting(container.changes(), 1)

    container.changes().stop_waiting()

    assert (await asyncio.wait_for(wait, 5)).status is Status.PENDING
    later = await asyncio.wait_for(waits.wait_for_news("bank", notification.id, 30), 5)
    assert later.status is Status.PENDING
    assert container.changes().waiting() == 0
