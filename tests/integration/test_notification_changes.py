"""The listeners of each store woken by another writer: SQLite's log follower, PostgreSQL's LISTEN.

The writer is a second store on the same database, with its own connections, as another process
would be: nothing it saves passes through the listening store's process.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from adapters.event_store import EventSourcedStore
from adapters.postgres_changes import GATHER, PostgresListener
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Receipt
from tests.postgres import DBNAME, HOST, PORT, USER, fresh_schema, postgres_store

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


@pytest.fixture(params=["sqlite", "postgres"])
def stores(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[EventSourcedStore, EventSourcedStore]]:
    """The listening store and the writing one, on one database."""
    if request.param == "sqlite":
        listening, writing = (EventSourcedStore.sqlite(tmp_path / "events.sqlite") for _ in range(2))
        yield listening, writing
        listening.close(), writing.close()
        return
    with fresh_schema() as schema:
        listening, writing = postgres_store(schema), postgres_store(schema)
        yield listening, writing
        listening.close(), writing.close()


async def delivered_by(writing: EventSourcedStore, notification: Notification, library: bool = False) -> None:
    stored: Notification = await writing.get(notification.id)
    stored.deliver(Receipt("fake", "m-1"))
    if library:  # the eventsourcing library's own recorder, as the store uses when the loop's cannot
        events = stored.collect_events()
        await asyncio.to_thread(writing._events.put, events)
    else:
        await writing.save(stored)


@pytest.mark.parametrize("library", [False, True], ids=["on-loop writer", "library recorder"])
async def test_a_write_by_another_connection_wakes_the_waiter_of_that_notification(
    stores: tuple[EventSourcedStore, EventSourcedStore], library: bool
) -> None:
    listening, writing = stores
    notification = Notification.request(uuid4(), "bank", SMS)
    await writing.save(notification)
    changes = listening.changes()
    try:
        with changes.watch(notification.id) as watch:
            assert await watch.changed(10)  # the listener's start wakes every waiter once, to read again

            await delivered_by(writing, notification, library)

            assert await watch.changed(10)
    finally:
        await changes.close()


async def test_a_write_to_another_notification_does_not_wake_the_waiter(
    stores: tuple[EventSourcedStore, EventSourcedStore],
) -> None:
    listening, writing = stores
    watched, other = (Notification.request(uuid4(), "bank", SMS) for _ in range(2))
    await writing.save(watched, other)
    changes = listening.changes()
    try:
        with changes.watch(watched.id) as watch, changes.watch(other.id) as other_watch:
            assert await watch.changed(10) and await other_watch.changed(10)  # the start

            await delivered_by(writing, other)

            assert await other_watch.changed(10)
            assert not await watch.changed(0.5)
    finally:
        await changes.close()


async def test_many_waiters_share_one_listener_and_all_wake(
    stores: tuple[EventSourcedStore, EventSourcedStore],
) -> None:
    listening, writing = stores
    notification = Notification.request(uuid4(), "bank", SMS)
    await writing.save(notification)
    changes = listening.changes()
    try:
        watches = [changes.watch(notification.id) for _ in range(200)]
        entered = [watch.__enter__() for watch in watches]
        assert changes.waiting() == 200
        assert all(await asyncio.gather(*(watch.changed(10) for watch in entered)))  # the start

        await delivered_by(writing, notification)

        assert all(await asyncio.gather(*(watch.changed(10) for watch in entered)))
        for watch in watches:
            watch.__exit__(None, None, None)
        assert changes.waiting() == 0
    finally:
        await changes.close()


class ReadsRecorded(PostgresListener):
    """The listener, recording the event loop's time of each read of the log."""

    def __init__(self, schema: str) -> None:
        parameters = {"host": HOST, "port": PORT, "dbname": DBNAME, "user": USER}
        super().__init__(parameters, schema, "notifications_events", "notifications_events")
        self.reads: list[float] = []

    async def _read_after(self, connection: psycopg.AsyncConnection[Any], position: int) -> int:
        self.reads.append(asyncio.get_running_loop().time())
        return await super()._read_after(connection, position)


async def test_postgres_notifications_that_come_close_together_are_read_once_for_all() -> None:
    with fresh_schema() as schema:
        writing, listening = postgres_store(schema), ReadsRecorded(schema)
        watched = [Notification.request(uuid4(), "bank", SMS) for _ in range(40)]
        await writing.save(*watched)
        try:
            with listening.watch(watched[-1].id) as watch:
                assert await watch.changed(10)  # the start
                for notification in watched:  # 40 transactions, each notifying the channel
                    await delivered_by(writing, notification)

                assert await watch.changed(10)
            gaps = [later - earlier for earlier, later in itertools.pairwise(listening.reads)]
            assert len(listening.reads) < len(watched)
            assert min(gaps) >= GATHER * 0.9  # the loop's clock may fire a timer a little early
        finally:
            await listening.close()
            writing.close()
