from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from adapters.event_store import EventSourcedStore
from adapters.group_commit import GroupCommit
from application.errors import Conflict, NotFound, StoreUnavailable
from application.ports import EventStore
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Status

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


class CountingStore(EventSourcedStore):
    """The in-memory store, counting its transactions."""

    def __init__(self) -> None:
        super().__init__({"PERSISTENCE_MODULE": "eventsourcing.popo"})
        self.transactions = 0
        self.queries = 0
        self.failure: Exception | None = None

    async def save(self, *objects: Any) -> None:
        self.transactions += 1
        if self.failure:
            raise self.failure
        await super().save(*objects)

    async def get_many(self, aggregate_ids: list[uuid.UUID]) -> list[Any]:
        self.queries += 1
        if self.failure:
            raise self.failure
        return await super().get_many(aggregate_ids)


def new(notification_id: uuid.UUID | None = None) -> Notification:
    return Notification.request(notification_id or uuid.uuid4(), "bank", SMS)


async def test_saves_that_arrive_together_share_transactions() -> None:
    inner = CountingStore()
    store = GroupCommit(inner)
    assert isinstance(store, EventStore)
    notifications = [new() for _ in range(50)]
    await asyncio.gather(*(store.save(n) for n in notifications))
    assert inner.transactions <= 3
    for notification in notifications:
        assert (await store.get(notification.id)).status is Status.PENDING


async def test_only_the_conflicting_save_of_a_batch_fails() -> None:
    inner = CountingStore()
    store = GroupCommit(inner)
    taken = new()
    await store.save(taken)
    others = [new() for _ in range(5)]
    results = await asyncio.gather(
        *(store.save(n) for n in others[:3]),
        store.save(new(taken.id)),
        *(store.save(n) for n in others[3:]),
        return_exceptions=True,
    )
    assert [type(r) for r in results] == [type(None)] * 3 + [Conflict] + [type(None)] * 2
    for notification in others:
        await store.get(notification.id)


async def test_a_store_failure_fails_every_save_of_the_batch() -> None:
    inner = CountingStore()
    inner.failure = StoreUnavailable("disk full")
    store = GroupCommit(inner)
    results = await asyncio.gather(*(store.save(new()) for _ in range(4)), return_exceptions=True)
    assert all(isinstance(r, StoreUnavailable) for r in results)


async def test_a_saved_aggregate_has_no_events_left_to_save() -> None:
    store = GroupCommit(CountingStore())
    notification = new()
    await store.save(notification)
    with pytest.raises(Conflict):
        await store.save(new(notification.id))
    assert notification.collect_events() == []


async def test_reads_that_arrive_together_share_queries() -> None:
    inner = CountingStore()
    notifications = [new() for _ in range(50)]
    await inner.save(*notifications)
    store = GroupCommit(inner)
    found = await asyncio.gather(*(store.get(n.id) for n in notifications))
    assert [n.id for n in found] == [n.id for n in notifications]
    assert 1 <= inner.queries <= 2


async def test_an_unknown_id_fails_only_its_own_read() -> None:
    inner = CountingStore()
    known = new()
    await inner.save(known)
    store = GroupCommit(inner)
    results = await asyncio.gather(store.get(uuid.uuid4()), store.get(known.id), return_exceptions=True)
    assert isinstance(results[0], NotFound)
    assert isinstance(results[1], Notification) and results[1].id == known.id


async def test_a_store_failure_fails_every_read_of_the_batch() -> None:
    inner = CountingStore()
    inner.failure = StoreUnavailable("disk gone")
    store = GroupCommit(inner)
    results = await asyncio.gather(*(store.get(uuid.uuid4()) for _ in range(4)), return_exceptions=True)
    assert all(isinstance(r, StoreUnavailable) for r in results)
