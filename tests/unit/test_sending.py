from __future__ import annotations

import asyncio

import pytest

from application.errors import IdempotencyKeyReused, NotFound
from bootstrap.container import Container
from domain.messages import EmailAddress, PhoneNumber, Sms, WhatsApp, message_from_dict
from domain.notification import Status

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


async def test_a_sent_notification_is_stored_pending(container: Container) -> None:
    notifications = container.notifications()
    sent = await notifications.send_notification("bank", SMS, reference="order-7")
    stored = await notifications.get_notification_status("bank", sent.id)
    assert (stored.status, stored.reference, stored.message) == (Status.PENDING, "order-7", SMS)


async def test_another_client_cannot_see_a_notification(container: Container) -> None:
    sent = await container.notifications().send_notification("bank", SMS)
    with pytest.raises(NotFound):
        await container.notifications().get_notification_status("shop", sent.id)
    with pytest.raises(NotFound):
        await container.notifications().get_notification_events("shop", sent.id)


async def test_the_same_idempotency_key_and_request_give_the_same_notification(container: Container) -> None:
    notifications = container.notifications()
    first = await notifications.send_notification("bank", SMS, idempotency_key="k-1")
    again = await notifications.send_notification("bank", SMS, idempotency_key="k-1")
    assert again.id == first.id
    assert len(await container.event_store().requested_after(0, 10)) == 1


async def test_requests_racing_with_one_key_make_one_notification(container: Container) -> None:
    notifications = container.notifications()
    sent = await asyncio.gather(
        *(notifications.send_notification("bank", SMS, idempotency_key="race") for _ in range(8))
    )
    assert len({n.id for n in sent}) == 1
    assert len(await container.event_store().requested_after(0, 10)) == 1


async def test_a_key_reused_for_another_request_is_refused(container: Container) -> None:
    notifications = container.notifications()
    await notifications.send_notification("bank", SMS, idempotency_key="k-2")
    with pytest.raises(IdempotencyKeyReused):
        await notifications.send_notification(
            "bank", WhatsApp(PhoneNumber("+15551234567"), "hi"), idempotency_key="k-2"
        )


async def test_two_clients_may_use_the_same_key(container: Container) -> None:
    notifications = container.notifications()
    email = message_from_dict("email", {"to": ["a@example.org"], "subject": "s", "text": "t"})
    a = await notifications.send_notification("bank", email, idempotency_key="same")
    b = await notifications.send_notification("shop", email, idempotency_key="same")
    assert a.id != b.id
    assert b.message.to == (EmailAddress("a@example.org"),)  # type: ignore[union-attr]


async def test_the_events_of_a_notification_are_listed_oldest_first(container: Container) -> None:
    sent = await container.notifications().send_notification("bank", SMS)
    await container.deliveries().deliver_notification(sent.id)
    events = await container.notifications().get_notification_events("bank", sent.id)
    assert [(e.type, e.version) for e in events] == [
        ("Requested", 1),
        ("DeliveryStarted", 2),
        ("Delivered", 3),
    ]
    assert events[0].data["message"] == {"to": "+15551234567", "body": "Your code is 1234"}
