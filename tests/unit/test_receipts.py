"""A provider that confirms delivery later: the notification is sent, then its receipt decides."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode
from uuid import UUID

import pytest
from dependency_injector import providers
from structlog.testing import capture_logs

from application.errors import ForgedCallback, NotFound
from bootstrap.container import Container
from domain.messages import Channel, PhoneNumber, Sms, message_from_dict
from domain.notification import Notification, Receipt, Status
from tests.fakes import FakeCallbacks, RecordingProvider

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider(awaiting_confirmation=True)


@pytest.fixture
def callbacks(container: Container) -> Iterator[FakeCallbacks]:
    fake = FakeCallbacks()
    with container.status_callbacks.override(providers.Object({"fake": fake})):
        yield fake


async def sent(container: Container) -> UUID:
    notification = await container.notifications().send_notification("bank", SMS)
    assert (await container.deliveries().deliver_notification(notification.id)).done
    return notification.id


async def report(container: Container, notification_id: UUID, progress: str, **form: str) -> None:
    fields = {"id": str(notification_id), "progress": progress, "sid": "fake-1", **form}
    await container.status_updates().record_status_update("fake", "", urlencode(fields).encode(), "signed")


async def events(container: Container, notification_id: UUID) -> list[str]:
    return [e.type for e in await container.notifications().get_notification_events("bank", notification_id)]


async def status(container: Container, notification_id: UUID) -> tuple[Status, str | None]:
    notification = await container.notifications().get_notification_status("bank", notification_id)
    return notification.status, notification.reason


async def test_a_message_awaiting_its_receipt_is_sent_and_stays_pending(container: Container) -> None:
    with capture_logs() as logs:
        notification_id = await sent(container)
    assert [e["status"] for e in logs if e["event"] == "notification.sent"] == ["pending"]
    assert await status(container, notification_id) == (Status.PENDING, None)
    history = await container.notifications().get_notification_events("bank", notification_id)
    assert [e.type for e in history] == ["Requested", "DeliveryStarted", "Sent"]
    assert history[-1].data == {"provider": "fake", "provider_message_id": "fake-1", "confirm_by": None}


async def test_a_sent_notification_is_never_handed_to_the_provider_again(
    container: Container, provider: RecordingProvider
) -> None:
    notification_id = await sent(container)
    assert (await container.deliveries().deliver_notification(notification_id)).done
    assert provider.calls == 1


async def test_a_delivered_receipt_delivers(container: Container, callbacks: FakeCallbacks) -> None:
    notification_id = await sent(container)
    await report(container, notification_id, "delivered")
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    assert await events(container, notification_id) == ["Requested", "DeliveryStarted", "Sent", "Delivered"]


async def test_a_failed_receipt_refuses_with_the_code_and_description(
    container: Container, callbacks: FakeCallbacks
) -> None:
    notification_id = await sent(container)
    await report(container, notification_id, "failed", code="30003", description="unreachable handset")
    assert await status(container, notification_id) == (Status.REFUSED, "unreachable handset (error 30003)")


async def test_a_receipt_that_decides_nothing_records_nothing(
    container: Container, callbacks: FakeCallbacks
) -> None:
    notification_id = await sent(container)
    await report(container, notification_id, "undecided")
    assert await events(container, notification_id) == ["Requested", "DeliveryStarted", "Sent"]


async def test_repeated_and_late_receipts_record_nothing_more(
    container: Container, callbacks: FakeCallbacks
) -> None:
    notification_id = await sent(container)
    for progress in ["delivered", "delivered", "undecided", "failed"]:
        await report(container, notification_id, progress, code="30008", description="unknown")
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    assert await events(container, notification_id) == ["Requested", "DeliveryStarted", "Sent", "Delivered"]


async def test_a_receipt_that_overtakes_the_workers_record_of_sending_wins(
    container: Container, callbacks: FakeCallbacks
) -> None:
    class ReceiptFirst:
        """Twilio may call back before its answer to the worker is recorded."""

        async def deliver(self, notification: Notification) -> Receipt:
            await report(container, notification.id, "delivered")
            return Receipt("fake", "fake-1", awaiting_confirmation=True)

    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, ReceiptFirst()))):
        notification = await container.notifications().send_notification("bank", SMS)
        first = await container.deliveries().deliver_notification(notification.id)
        second = await container.deliveries().deliver_notification(notification.id)
    assert (first.done, second.done) == (False, True)
    assert await events(container, notification.id) == ["Requested", "DeliveryStarted", "Delivered"]


async def test_a_forged_receipt_raises_and_records_nothing(
    container: Container, callbacks: FakeCallbacks
) -> None:
    notification_id = await sent(container)
    fields = urlencode({"id": str(notification_id), "progress": "delivered"}).encode()
    with pytest.raises(ForgedCallback):
        await container.status_updates().record_status_update("fake", "", fields, "forged")
    assert await status(container, notification_id) == (Status.PENDING, None)
    assert callbacks.shown == [("", fields, "forged")]


async def test_a_receipt_from_a_provider_not_configured_is_treated_as_forged(container: Container) -> None:
    notification_id = await sent(container)
    with pytest.raises(ForgedCallback):
        await report(container, notification_id, "delivered")
    assert await status(container, notification_id) == (Status.PENDING, None)


async def test_a_receipt_for_an_unknown_notification_is_not_found(
    container: Container, callbacks: FakeCallbacks
) -> None:
    with pytest.raises(NotFound):
        await report(container, UUID(int=7), "delivered")


async def test_the_email_status_says_whether_a_read_receipt_was_requested(container: Container) -> None:
    email = {"to": ["a@example.org"], "subject": "s", "text": "t", "read_receipt": True}
    asked = await container.notifications().send_notification("bank", message_from_dict(Channel.EMAIL, email))
    plain = await container.notifications().send_notification("bank", SMS)
    assert (asked.read_receipt_requested, plain.read_receipt_requested) == (True, False)
