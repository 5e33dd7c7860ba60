"""Reads by id and saves on PostgreSQL made from the event loop; a thread when its connection fails."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from adapters.event_store import EventSourcedStore
from adapters.postgres_on_loop import PostgresOnLoop, Unreachable
from application.errors import Conflict, NotFound
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
        raise AssertionError("done in a thread")

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
        {"host": HOST, "port": 1, "dbname": DBNAME, "user": USER, "connect_timeout": 1},
        "public",
        "events",
        locking=[],
        channel="events",
        id_type="uuid",
    )
    with pytest.raises(Unreachable):
        await reads.read([uuid4()])


def stored_versions(schema: str, notification: Notification) -> list[int]:
    with connect() as admin:
        rows = admin.execute(
            f"SELECT originator_version FROM {schema}.notifications_events"  # the test's schema
            " WHERE originator_id = %s ORDER BY notification_id",
            (notification.id,),
        ).fetchall()
    return [version for (version,) in rows]


async def waiting_for_the_lock(saving: asyncio.Task[None]) -> None:
    await asyncio.sleep(0.3)
    assert not saving.done()


async def test_saves_are_made_on_the_event_loop_without_a_thread(
    store: EventSourcedStore, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_thread(store, monkeypatch)
    notification = await delivered(store)
    assert (await store.get(notification.id)).status is Status.DELIVERED
    assert stored_versions(pg_schema, notification) == [1, 2, 3]
    monkeypatch.undo()  # the audit's reads are made in a thread
    links = [await store.link_at(notification.id, version) for version in (1, 2, 3)]
    assert [link.intact if link else None for link in links] == [True] * 3
    assert [link.previous if link else None for link in links[1:]] == [
        link.hash if link else None for link in links[:2]
    ]


async def test_a_save_takes_the_table_lock_that_keeps_log_positions_in_commit_order(
    store: EventSourcedStore, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await delivered(store)  # the loop's connection is open
    no_thread(store, monkeypatch)
    notification = Notification.request(uuid4(), "bank", SMS)
    with connect() as admin:  # an insert alone would not wait for this lock; the table lock does
        admin.execute("BEGIN")
        admin.execute(f"LOCK TABLE {pg_schema}.notifications_events IN ROW EXCLUSIVE MODE")
        saving = asyncio.create_task(store.save(notification))
        await waiting_for_the_lock(saving)
        admin.execute("COMMIT")
    await saving
    assert stored_versions(pg_schema, notification) == [1]


async def test_a_save_of_a_version_stored_meanwhile_is_a_conflict_and_the_next_save_is_on_the_loop(
    store: EventSourcedStore, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    notification = Notification.request(uuid4(), "bank", SMS)
    await store.save(notification)
    first, second = await store.get(notification.id), await store.get(notification.id)
    no_thread(store, monkeypatch)
    first.begin_attempt("sms-1", datetime.now(UTC), timedelta(seconds=30))
    second.begin_attempt("sms-2", datetime.now(UTC), timedelta(seconds=30))
    await store.save(first)
    with pytest.raises(Conflict):
        await store.save(second)
    first.deliver(Receipt("SM1"))
    await store.save(first)
    assert stored_versions(pg_schema, notification) == [1, 2, 3]


async def test_a_save_whose_connection_was_closed_by_the_server_is_stored_once_from_a_thread(
    store: EventSourcedStore, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await delivered(store)  # the loop's connection is open
    notification = Notification.request(uuid4(), "bank", SMS)
    with connect() as admin:
        admin.execute("BEGIN")
        admin.execute(f"LOCK TABLE {pg_schema}.notifications_events IN ROW EXCLUSIVE MODE")
        saving = asyncio.create_task(store.save(notification))
        await waiting_for_the_lock(saving)
        with connect() as other:
            killed = other.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE query LIKE %s AND query LIKE '%%LOCK TABLE%%' AND pid <> %s",
                (f"%{pg_schema}%", admin.info.backend_pid),
            ).fetchall()
        assert killed == [(True,)]  # the loop's connection, waiting for the lock
        await waiting_for_the_lock(saving)  # now in a thread, waiting for the same lock
        admin.execute("COMMIT")
    await saving
    assert stored_versions(pg_schema, notification) == [1]
    no_thread(store, monkeypatch)
    again = Notification.request(uuid4(), "bank", SMS)
    await store.save(again)  # on the loop again
    assert stored_versions(pg_schema, again) == [1]


async def test_a_save_cancelled_while_waiting_for_the_lock_stores_nothing_and_the_next_is_on_the_loop(
    store: EventSourcedStore, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await delivered(store)  # the loop's connection is open
    no_thread(store, monkeypatch)
    cancelled, saved = Notification.request(uuid4(), "bank", SMS), Notification.request(uuid4(), "bank", SMS)
    with connect() as admin:
        admin.execute("BEGIN")
        admin.execute(f"LOCK TABLE {pg_schema}.notifications_events IN ROW EXCLUSIVE MODE")
        saving = asyncio.create_task(store.save(cancelled))
        await waiting_for_the_lock(saving)
        saving.cancel()
        with pytest.raises(asyncio.CancelledError):
            await saving
        admin.execute("COMMIT")
    await store.save(saved)
    assert stored_versions(pg_schema, saved) == [1]
    with pytest.raises(NotFound):
        await store.get(cancelled.id)
