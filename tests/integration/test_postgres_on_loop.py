"""Reads by id from PostgreSQL made on the event loop, and the thread when the loop's connection fails."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from adapters.event_store import EventSourcedStore
from adapters.postgres_on_loop import PostgresOnLoop, Unreachable
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Receipt, Status
from tests.postgres import DBNAME, HOST, USER, connect, postgres_store

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


@pytest.fixture
def store(pg_schema: str) -> Iterator[EventSourcedStore]:
    store = postgres_store(pg_schema)
    yield store
    store.close()


def no_thread(store: EventSourcedStore, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refused(call: Any) -> Any:
        raise AssertionError("read in a thread")

    monkeypatch.setattr(store, "_run", refused)


async def delivered(store: EventSourcedStore) -> Notification:
    notification = Notification.request(uuid4(), "bank", SMS)
    await store.save(notification)
    notification.begin_attempt("sms-1", datetime.now(UTC), timedelta(seconds=30))
    notification.deliver(Receipt("SM1"))
    await store.save(notification)
    return notification


async def test_reads_by_id_are_made_on_the_event_loop_without_a_thread(
    store: EventSourcedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = await delivered(store), Notification.request(uuid4(), "bank", SMS)
    await store.save(second)
    no_thread(store, monkeypatch)
    found = await store.get_many([second.id, uuid4(), first.id])
    assert [n.status if n else None for n in found] == [Status.PENDING, None, Status.DELIVERED]
    assert found[2].version == first.version


async def test_a_read_whose_connection_was_closed_by_the_server_is_answered_and_the_next_connects_again(
    store: EventSourcedStore, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    notification = await delivered(store)
    assert (await store.get(notification.id)).status is Status.DELIVERED
    with connect() as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE query LIKE %s AND query LIKE '%%= ANY(%%' AND pid <> pg_backend_pid()",
            (f"%{pg_schema}%",),
        ).fetchall()
    assert killed == [(True,)]  # the loop's connection, the only one that read by id
    assert (await store.get(notification.id)).status is Status.DELIVERED  # in a thread
    no_thread(store, monkeypatch)
    assert (await store.get(notification.id)).status is Status.DELIVERED  # on the loop again


async def test_a_read_cancelled_while_postgresql_makes_it_wait_leaves_the_connection_usable(
    store: EventSourcedStore, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    notification = await delivered(store)
    await store.get(notification.id)  # the loop's connection is open
    no_thread(store, monkeypatch)
    with connect() as admin:
        admin.execute("BEGIN")
        admin.execute(f"LOCK TABLE {pg_schema}.notifications_events IN ACCESS EXCLUSIVE MODE")
        reading = asyncio.create_task(store.get(notification.id))
        await asyncio.sleep(0.3)
        assert not reading.done()  # waiting for the lock
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        admin.execute("ROLLBACK")
    assert (await store.get(notification.id)).status is Status.DELIVERED


def test_each_event_loop_reads_on_a_connection_of_its_own(
    store: EventSourcedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    notification = asyncio.run(delivered(store))
    no_thread(store, monkeypatch)
    for _ in range(2):  # the first loop's connection is not used by the second
        assert asyncio.run(store.get(notification.id)).status is Status.DELIVERED


async def test_a_server_that_does_not_answer_makes_the_read_go_to_a_thread() -> None:
    reads = PostgresOnLoop(
        {"host": HOST, "port": 1, "dbname": DBNAME, "user": USER, "connect_timeout": 1}, "public", "events"
    )
    with pytest.raises(Unreachable):
        await reads.read([uuid4()])
