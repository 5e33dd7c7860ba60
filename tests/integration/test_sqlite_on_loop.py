"""The SQLite store read and written from the event loop, committed in a thread, and the thread
when SQLite would make the loop wait."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.event_store import EventSourcedStore
from adapters.sqlite_on_loop import Busy
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Receipt, Status

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


def new() -> Notification:
    return Notification.request(uuid4(), "bank", SMS)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "events.sqlite"


@pytest.fixture
def store(path: Path) -> Iterator[EventSourcedStore]:
    store = EventSourcedStore.sqlite(path, lock_timeout=5)
    yield store
    store.close()


async def test_a_save_waits_off_the_loop_while_another_process_holds_the_write_lock(
    store: EventSourcedStore, path: Path
) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    notification = new()
    saving = asyncio.create_task(store.save(notification))
    ticks = 0
    for _ in range(20):  # the loop goes on while the save waits for the lock
        await asyncio.sleep(0.01)
        ticks += 1
    assert not saving.done() and ticks == 20
    other.execute("COMMIT")
    await asyncio.wait_for(saving, 5)
    assert (await store.get(notification.id)).status is Status.PENDING
    other.close()


async def test_a_save_cancelled_while_committing_is_stored_and_the_store_goes_on(
    store: EventSourcedStore,
) -> None:
    first, second = new(), new()
    saving = asyncio.create_task(store.save(first))
    await asyncio.sleep(0)  # the rows are in the transaction; the commit is under way in a thread
    saving.cancel()
    with pytest.raises(asyncio.CancelledError):
        await saving
    await store.save(second)
    assert [n.status for n in await store.get_many([first.id, second.id])] == [Status.PENDING] * 2


async def test_saves_from_the_loop_continue_each_chain_read_back_from_another_store(
    store: EventSourcedStore, path: Path
) -> None:
    notification = new()
    await store.save(notification)
    other = EventSourcedStore.sqlite(path)  # knows no chain head: it reads it
    stored = await other.get(notification.id)
    stored.deliver(Receipt("fake"))
    await other.save(stored)
    other.close()
    links = [event.link for event in await store.read_log(0, None, 10)]
    assert [link.intact for link in links] == [True, True]
    assert links[1].previous == links[0].hash


async def test_a_read_that_would_wait_is_made_in_a_thread(
    store: EventSourcedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    notification = new()
    await store.save(notification)

    def busy(*_: object) -> None:
        raise Busy

    monkeypatch.setattr(store._sqlite_on_loop, "read", busy)
    [found] = await store.get_many([notification.id])
    assert found.id == notification.id


async def test_the_relay_reads_and_tracks_without_a_thread_while_the_store_is_free(
    store: EventSourcedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = new(), new()
    await store.save(first, second)

    async def no_thread(_: object) -> None:
        raise AssertionError("went to a thread")

    monkeypatch.setattr(store, "_run", no_thread)
    logged = await store.requested_after(0, 10)
    assert [r.notification_id for r in logged] == [first.id, second.id]
    await store.track("relay", logged[-1].position)
    await store.track("relay", logged[0].position)  # never goes back
    monkeypatch.undo()
    assert await store.position("relay") == logged[-1].position


async def test_tracking_waits_off_the_loop_while_another_process_holds_the_write_lock(
    store: EventSourcedStore, path: Path
) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    tracking = asyncio.create_task(store.track("relay", 7))
    for _ in range(20):  # the loop goes on while the tracking write waits for the lock
        await asyncio.sleep(0.01)
    assert not tracking.done()
    other.execute("COMMIT")
    await asyncio.wait_for(tracking, 5)
    assert await store.position("relay") == 7
    other.close()
