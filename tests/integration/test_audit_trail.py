"""The audit trail on each event store: export, replay and verify what the service really stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from adapters.event_store import EventSourcedStore
from application.audit import EventLog, walk
from application.audit_trail import AuditTrail
from application.errors import Conflict
from domain.access import REGISTER_ID, AccessTokens, Scope
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Receipt, Status
from tests.fakes import FixedClock

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
NOW = datetime.now(UTC)


async def history(store: EventSourcedStore) -> tuple[AccessTokens, Notification, Notification]:
    """A register with a token issued and revoked; one notification delivered, one pending."""
    register, token = AccessTokens(), uuid4()
    register.issue(token, "shop", [Scope.SEND], NOW, NOW + timedelta(days=1))
    await store.save(register)
    register.revoke(token, NOW)
    delivered, pending = (
        Notification.request(uuid4(), "bank", SMS),
        Notification.request(uuid4(), "shop", SMS),
    )
    await store.save(delivered, pending)
    delivered.deliver(Receipt("fake", "m-1"))
    await store.save(delivered, register)
    return register, delivered, pending


def trail(store: EventSourcedStore, now: datetime = NOW) -> AuditTrail:
    return AuditTrail(store, store, FixedClock(now))


async def test_the_adapter_serves_the_event_log(store: EventSourcedStore) -> None:
    assert isinstance(store, EventLog)


async def test_the_export_lists_every_event_in_log_order_with_the_client_it_concerns(
    store: EventSourcedStore,
) -> None:
    _, delivered, pending = await history(store)
    records = [r async for r in trail(store).export()]
    assert [(r.event.aggregate_id, r.event.name, r.client) for r in records] == [
        (REGISTER_ID, "Opened", None),
        (REGISTER_ID, "TokenIssued", "shop"),
        (delivered.id, "Requested", "bank"),
        (pending.id, "Requested", "shop"),
        (delivered.id, "Delivered", "bank"),
        (REGISTER_ID, "TokenRevoked", "shop"),
    ]
    positions = [r.event.position for r in records]
    assert positions == sorted(positions) and positions[-1] == await store.last_position()
    assert records[4].event.data == {"provider": "fake", "provider_message_id": "m-1"}
    assert records[4].event.version == 2 and records[4].event.timestamp is not None


async def test_an_export_can_be_cut_by_position_and_by_client(store: EventSourcedStore) -> None:
    _, _, pending = await history(store)
    everything = [r.event.position async for r in trail(store).export()]
    middle = [r.event.position async for r in trail(store).export(after=everything[1], until=everything[3])]
    assert middle == everything[2:4]
    shop = [(r.event.aggregate_id, r.event.name) async for r in trail(store).export(client="shop")]
    assert shop == [(REGISTER_ID, "TokenIssued"), (pending.id, "Requested"), (REGISTER_ID, "TokenRevoked")]


async def test_the_log_is_read_whole_across_the_position_a_failed_save_consumed(
    store: EventSourcedStore,
) -> None:
    first = Notification.request(uuid4(), "bank", SMS)
    await store.save(first)
    with pytest.raises(Conflict):
        await store.save(Notification.request(first.id, "bank", SMS))
    await store.save(Notification.request(uuid4(), "bank", SMS), Notification.request(uuid4(), "bank", SMS))
    events = [event async for event in walk(store, page_size=1)]
    assert len(events) == 3
    assert [e.position for e in events] == sorted({e.position for e in events})


async def test_replay_counts_what_the_store_holds_and_lists_what_waits_too_long(
    store: EventSourcedStore,
) -> None:
    _, _, pending = await history(store)
    replay = await trail(store, now=NOW + timedelta(hours=2)).replay(timedelta(hours=1))
    assert dict(replay.counts) == {("sms", Status.DELIVERED): 1, ("sms", Status.PENDING): 1}
    assert [p.notification_id for p in replay.stale] == [pending.id]
    assert dict(replay.tokens) == {"TokenIssued": 1, "TokenRevoked": 1}
    assert replay.inconsistencies == []


async def test_what_the_service_stores_verifies_intact_and_chains_across_saves(
    store: EventSourcedStore,
) -> None:
    _, delivered, _ = await history(store)
    check = trail(store).verify()
    assert [f async for f in check.findings()] == []
    assert check.events == 6
    first, second = await store.link_at(delivered.id, 1), await store.link_at(delivered.id, 2)
    assert first is not None and second is not None and second.previous == first.hash
    assert await store.link_at(delivered.id, 3) is None


async def test_a_stale_copy_that_outlived_the_outcome_leaves_one_outcome_in_a_consistent_log(
    store: EventSourcedStore,
) -> None:
    notification = Notification.request(uuid4(), "bank", SMS)
    await store.save(notification)
    late = await store.get(notification.id)
    notification.deliver(Receipt("fake"))
    await store.save(notification)
    late.refuse("too late")
    with pytest.raises(Conflict):
        await store.save(late)
    replay = await trail(store).replay(timedelta(hours=1))
    assert replay.inconsistencies == []
    assert [f async for f in trail(store).verify().findings()] == []


async def test_a_save_that_lost_a_race_leaves_the_winners_chain_whole(store: EventSourcedStore) -> None:
    notification = Notification.request(uuid4(), "bank", SMS)
    await store.save(notification)
    winner, loser = await store.get(notification.id), await store.get(notification.id)
    winner.record_failed_attempt("busy", max_attempts=5)
    await store.save(winner)
    loser.refuse("too late")
    with pytest.raises(Conflict):
        await store.save(loser)
    winner.deliver(Receipt("fake"))
    await store.save(winner)  # saved again without reading it back, as a worker does
    assert [f async for f in trail(store).verify().findings()] == []
