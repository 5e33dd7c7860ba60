"""Fineract's batches and reports on the in-memory store: what is recorded, and the codes reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from application.errors import Conflict
from application.fineract import FineractGateway, FineractSms, notification_id
from bootstrap.container import Container
from domain.notification import Notification, Receipt, Status

SMS = FineractSms(42, "+254712345678", "Your repayment of 100 KES is due <tomorrow>")


@pytest.fixture
def gateway(container: Container) -> FineractGateway:
    return FineractGateway(container.event_store(), default_country_code="254")


async def stored(container: Container, tenant: str, *internal_ids: int) -> list[Any]:
    return list(await container.event_store().get_many([notification_id(tenant, i) for i in internal_ids]))


async def test_each_sms_becomes_a_notification_of_the_tenant_with_its_internal_id_as_reference(
    gateway: FineractGateway, container: Container
) -> None:
    await gateway.accept("default", [SMS, FineractSms(43, "0712 345 679", "Deposit received")])
    first, second = await stored(container, "default", 42, 43)
    assert (first.client, first.reference, first.message.to.value, first.message.body) == (
        "default",
        "42",
        "+254712345678",
        SMS.message,
    )
    assert (second.message.to.value, second.status) == ("+254712345679", Status.PENDING)


async def test_a_repeated_batch_creates_nothing_new(gateway: FineractGateway, container: Container) -> None:
    assert len(await gateway.accept("default", [SMS])) == 1
    assert await gateway.accept("default", [SMS, SMS]) == []
    [notification] = await stored(container, "default", 42)
    assert notification.version == 1


async def test_an_internal_id_repeated_in_one_batch_is_recorded_once_the_first_time_it_comes(
    gateway: FineractGateway, container: Container
) -> None:
    [recorded] = await gateway.accept("default", [SMS, FineractSms(42, "+254700000000", "other")])
    assert recorded.message.body == SMS.message


async def test_two_tenants_with_the_same_internal_ids_get_their_own_notifications(
    gateway: FineractGateway, container: Container
) -> None:
    await gateway.accept("default", [SMS])
    await gateway.accept("bank2", [FineractSms(42, "+254799999999", "Other bank")])
    ours, theirs = (await stored(container, "default", 42))[0], (await stored(container, "bank2", 42))[0]
    assert ours.id != theirs.id
    assert (ours.client, theirs.client) == ("default", "bank2")
    assert [r.status for r in await gateway.report("default", [42])] == [100]


async def test_a_bad_sms_is_recorded_refused_with_its_reason_and_the_others_are_stored(
    container: Container,
) -> None:
    gateway = FineractGateway(container.event_store())  # no default country code
    batch = [
        SMS,
        FineractSms(1, "0712345678", "national number"),
        FineractSms(2, "+254712345678", "   "),
        FineractSms(3, "", "no number"),
        FineractSms(4, "+12", "too short"),
    ]
    recorded = await gateway.accept("default", batch)
    assert [n.status for n in recorded] == [Status.PENDING] + [Status.REFUSED] * 4
    reports = await gateway.report("default", [42, 1, 2, 3, 4])
    assert [r.status for r in reports] == [100, 400, 400, 400, 400]
    assert reports[1].error == (
        "mobileNumber is not in E.164 form (+ and the country code)"
        " and NOTIFICATIONS_FINERACT_DEFAULT_COUNTRY_CODE is not set"
    )
    assert reports[2].error == "message must not be empty"
    assert reports[3].error == "mobileNumber is empty"
    assert reports[4].error is not None and "E.164" in reports[4].error


async def test_a_refused_sms_keeps_what_fineract_sent(container: Container) -> None:
    await FineractGateway(container.event_store()).accept("default", [FineractSms(1, "0712345678", "Hi")])
    [refused] = await stored(container, "default", 1)
    assert (refused.message_data, refused.reference) == ({"to": "0712345678", "body": "Hi"}, "1")


async def test_the_report_maps_each_status_to_fineract_s_code(
    gateway: FineractGateway, container: Container
) -> None:
    await gateway.accept("default", [FineractSms(i, "+254712345678", "Hello") for i in range(1, 6)])
    store, now = container.event_store(), datetime.now(UTC)
    handed, sent, delivered, refused = await stored(container, "default", 2, 3, 4, 5)
    for notification in (handed, sent, delivered, refused):
        notification.begin_attempt("worker", now, timedelta(seconds=30))
    sent.record_receipt(Receipt("twilio", "SM123", awaiting_confirmation=True))
    delivered.record_receipt(Receipt("twilio", "SM124"))
    refused.refuse("the carrier refused the number")
    await store.save(handed, sent, delivered, refused)

    reports = await gateway.report("default", [1, 2, 3, 4, 5, 6])
    assert [(r.internal_id, r.status, r.external_id, r.error) for r in reports] == [
        (1, 100, None, None),
        (2, 150, None, None),
        (3, 200, "SM123", None),
        (4, 300, "SM124", None),
        (5, 400, None, "the carrier refused the number"),
        (6, 0, None, "no SMS with this internalId was received from this tenant"),
    ]
    assert reports[3].delivered_at is not None


async def test_a_report_reads_every_id_in_one_query(gateway: FineractGateway, container: Container) -> None:
    reads: list[list[UUID]] = []
    store = container.event_store()
    get_many = store.get_many

    async def counted(ids: list[UUID]) -> list[Any]:
        reads.append(ids)
        return await get_many(ids)

    store.get_many = counted  # type: ignore[method-assign]
    await gateway.report("default", list(range(200)))
    assert [len(ids) for ids in reads] == [200]


class RacingStore:
    """Reads nothing the first time, as if another process stored the batch just after the read."""

    def __init__(self, store: Any) -> None:
        self.store, self.blind_reads = store, 1

    async def get_many(self, ids: list[UUID]) -> list[Any]:
        if self.blind_reads:
            self.blind_reads -= 1
            return [None] * len(ids)
        return list(await self.store.get_many(ids))

    async def save(self, *aggregates: Notification) -> None:
        await self.store.save(*aggregates)


async def test_a_batch_stored_meanwhile_by_another_process_is_read_again_and_only_new_sms_saved(
    container: Container,
) -> None:
    store = container.event_store()
    await FineractGateway(store).accept("default", [SMS])
    racing = FineractGateway(RacingStore(store))  # type: ignore[arg-type]
    recorded = await racing.accept("default", [SMS, FineractSms(43, "+254712345679", "new")])
    assert [n.reference for n in recorded] == ["43"]


async def test_a_store_that_keeps_conflicting_gives_up_with_conflict(container: Container) -> None:
    store = container.event_store()
    await FineractGateway(store).accept("default", [SMS])
    racing = RacingStore(store)
    racing.blind_reads = 100
    with pytest.raises(Conflict):
        await FineractGateway(racing).accept("default", [SMS])  # type: ignore[arg-type]
