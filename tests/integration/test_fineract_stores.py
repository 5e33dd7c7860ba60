"""Fineract's batches on each event store: one read and one commit, nothing twice, even in a race."""

from __future__ import annotations

import asyncio

from adapters.event_store import EventSourcedStore
from adapters.group_commit import GroupCommit
from application.fineract import FineractGateway, FineractSms, notification_id
from application.fineract_tenants import TenantKeys
from domain.notification import Status
from tests.backends import Backend
from tests.fakes import FixedClock

BATCH = [FineractSms(i, f"+2547123456{i:02d}", f"Repayment {i} is due") for i in range(1, 51)]


async def test_a_batch_is_stored_once_and_reported_in_order(store: EventSourcedStore) -> None:
    gateway = FineractGateway(GroupCommit(store))
    bad = FineractSms(99, "0712345678", "no country code")
    assert len(await gateway.accept("default", [*BATCH, bad])) == 51
    assert await gateway.accept("default", BATCH) == []
    reports = await gateway.report("default", [99, 1, 50, 1000])
    assert [r.status for r in reports] == [400, 100, 100, 0]
    stored = await store.get_many([notification_id("default", i) for i in (1, 99)])
    assert [(n.client, n.reference, n.status) for n in stored] == [
        ("default", "1", Status.PENDING),
        ("default", "99", Status.REFUSED),
    ]


async def test_two_processes_racing_with_the_same_batch_store_each_sms_once(backend: Backend) -> None:
    first, second = FineractGateway(backend.open()), FineractGateway(backend.open())
    recorded = await asyncio.gather(first.accept("default", BATCH), second.accept("default", BATCH))
    assert sum(len(r) for r in recorded) == len(BATCH)
    found = await backend.open().get_many([notification_id("default", s.internal_id) for s in BATCH])
    assert all(n is not None and n.version == 1 for n in found)


async def test_a_tenant_added_by_one_process_is_revoked_for_another(backend: Backend) -> None:
    here, there = TenantKeys(backend.open(), FixedClock()), TenantKeys(backend.open(), FixedClock())
    _, key = await here.add_tenant("default")
    await there.refresh()
    assert there.authenticate("default", key) == "default"
    await here.revoke_tenant("default")
    await there.refresh()
    assert [t.active for t in await there.list_tenants()] == [False]
