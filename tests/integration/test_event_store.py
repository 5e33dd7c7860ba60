"""The event store's contract, run on each store the service can use (the `store` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.event_store import EventSourcedStore
from application.errors import Conflict, NotFound
from application.ports import EventStore, RequestLog
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Receipt, Status

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


def new() -> Notification:
    return Notification.request(uuid4(), "bank", SMS)


def test_the_adapter_serves_both_ports(store: EventSourcedStore) -> None:
    assert isinstance(store, EventStore)
    assert isinstance(store, RequestLog)


async def test_a_saved_notification_is_rebuilt_from_its_events(store: EventSourcedStore) -> None:
    notification = new()
    notification.begin_attempt("worker-1", datetime.now(UTC), timedelta(seconds=35))
    notification.deliver(Receipt("fake", "m-1"))
    await store.save(notification)
    stored = await store.get(notification.id)
    assert (stored.status, stored.attempts, stored.message, stored.client) == (
        Status.DELIVERED,
        1,
        SMS,
        "bank",
    )


async def test_an_unknown_id_is_not_found(store: EventSourcedStore) -> None:
    with pytest.raises(NotFound):
        await store.get(uuid4())


async def test_many_notifications_are_read_in_one_go_in_the_order_asked(store: EventSourcedStore) -> None:
    delivered, pending, unknown = new(), new(), uuid4()
    delivered.begin_attempt("worker-1", datetime.now(UTC), timedelta(seconds=35))
    delivered.deliver(Receipt("fake", "m-1"))
    await store.save(delivered, pending)
    found = await store.get_many([pending.id, unknown, delivered.id, pending.id])
    assert [(n.id, n.status, n.version) if n else None for n in found] == [
        (pending.id, Status.PENDING, 1),
        None,
        (delivered.id, Status.DELIVERED, 3),
        (pending.id, Status.PENDING, 1),
    ]
    assert found[2].message == SMS
    assert found[0] is not found[3], "each asker may change its own copy"


async def test_a_second_create_with_the_same_id_conflicts(store: EventSourcedStore) -> None:
    notification = new()
    await store.save(notification)
    with pytest.raises(Conflict):
        await store.save(Notification.request(notification.id, "bank", SMS))


async def test_a_stale_copy_cannot_record_a_second_outcome(store: EventSourcedStore) -> None:
    notification = new()
    await store.save(notification)
    first, second = await store.get(notification.id), await store.get(notification.id)
    first.deliver(Receipt("fake"))
    await store.save(first)
    second.refuse("too late")
    with pytest.raises(Conflict):
        await store.save(second)
    assert (await store.get(notification.id)).status is Status.DELIVERED


async def test_the_history_lists_events_oldest_first(store: EventSourcedStore) -> None:
    notification = new()
    notification.record_failed_attempt("busy", max_attempts=3)
    notification.deliver(Receipt("fake", "m-9"))
    await store.save(notification)
    history = await store.history(notification.id)
    assert [(e.type, e.version) for e in history] == [
        ("Requested", 1),
        ("DeliveryAttemptFailed", 2),
        ("Delivered", 3),
    ]
    assert history[2].data == {"provider": "fake", "provider_message_id": "m-9"}
    assert history[0].timestamp <= history[2].timestamp


async def test_the_request_log_lists_requests_in_order_after_a_position(store: EventSourcedStore) -> None:
    first, second, third = new(), new(), new()
    await store.save(first, second)
    second.deliver(Receipt("fake"))
    await store.save(second)
    await store.save(third)
    logged = await store.requested_after(0, 10)
    assert [r.notification_id for r in logged] == [first.id, second.id, third.id]
    assert [r.notification_id for r in await store.requested_after(logged[0].position, 1)] == [second.id]
    assert await store.requested_after(logged[-1].position, 10) == []


async def test_a_tracked_position_never_goes_back(store: EventSourcedStore) -> None:
    assert await store.position("relay") == 0
    await store.track("relay", 5)
    await store.track("relay", 3)
    assert await store.position("relay") == 5
    assert await store.position("another") == 0


async def test_a_store_that_answers_pings(store: EventSourcedStore) -> None:
    await store.ping()


async def test_a_sqlite_store_keeps_everything_across_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    store = EventSourcedStore.sqlite(path)
    notification = new()
    await store.save(notification)
    await store.track("relay", 1)
    store.close()
    reopened = EventSourcedStore.sqlite(path)
    assert (await reopened.get(notification.id)).status is Status.PENDING
    assert await reopened.position("relay") == 1
    reopened.close()


async def test_two_processes_on_one_sqlite_file_record_one_outcome(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    one, other = EventSourcedStore.sqlite(path), EventSourcedStore.sqlite(path)
    notification = new()
    await one.save(notification)
    a, b = await one.get(notification.id), await other.get(notification.id)
    a.deliver(Receipt("fake"))
    b.refuse("no")
    await one.save(a)
    with pytest.raises(Conflict):
        await other.save(b)
    one.close()
    other.close()
