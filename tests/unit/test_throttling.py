"""A provider's "too many" in the worker's use case: the attempt does not count, the claim ends, an
event says so, and while the provider is paused nothing is claimed for it; other providers go on.
And the settings that pace each provider."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest
from dependency_injector import providers

from adapters.paced_provider import PacedProvider
from adapters.pacing import Pacer
from application.errors import Throttled
from bootstrap.container import Container
from bootstrap.delivery_providers import delivery_providers
from bootstrap.settings import Settings, SettingsError, load_settings
from domain.messages import Channel, Email, EmailAddress, PhoneNumber, Sms, WhatsApp
from domain.notification import Notification, Status
from tests.fakes import RecordingProvider

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
EMAIL = Email((EmailAddress("ada@example.org"),), "Statement", "Your statement is ready.")


async def send(container: Container, message: Sms | Email = SMS) -> UUID:
    return (await container.notifications().send_notification("bank", message)).id


async def events(container: Container, notification_id: UUID) -> list[str]:
    return [e.type for e in await container.notifications().get_notification_events("bank", notification_id)]


async def test_too_many_ends_the_claim_without_counting_the_attempt(container: Container) -> None:
    limit = container.settings().max_attempts
    busy = RecordingProvider([Throttled("421 4.7.0 too many", retry_after=3.0)] * (limit + 1))
    with container.delivery_providers.override(providers.Object({Channel.SMS: busy})):
        notification_id = await send(container)
        outcomes = [
            await container.deliveries().deliver_notification(notification_id) for _ in range(limit + 2)
        ]
    assert [(o.retry_in, o.throttled) for o in outcomes[:-1]] == [(3.0, True)] * (limit + 1)
    assert outcomes[-1].done
    n = await container.notifications().get_notification_status("bank", notification_id)
    assert (n.status, n.attempts) == (Status.DELIVERED, 1)
    recorded = await events(container, notification_id)
    assert recorded.count("DeliveryThrottled") == limit + 1
    assert "DeliveryAttemptFailed" not in recorded
    throttled = (await container.notifications().get_notification_events("bank", notification_id))[2]
    assert throttled.data == {"reason": "421 4.7.0 too many", "retry_after": 3.0}


async def test_a_paused_provider_gets_nothing_and_nothing_is_claimed_while_others_deliver(
    container: Container,
) -> None:
    twilio = RecordingProvider([Throttled("Twilio asks us to slow down: HTTP 429", retry_after=60.0)])
    paced = PacedProvider("twilio", twilio, Pacer(None))
    email = RecordingProvider()
    with container.delivery_providers.override(providers.Object({Channel.SMS: paced, Channel.EMAIL: email})):
        first, second, mail = await send(container), await send(container), await send(container, EMAIL)
        throttled = await container.deliveries().deliver_notification(first)
        waiting = await container.deliveries().deliver_notification(second)
        delivered = await container.deliveries().deliver_notification(mail)
    assert throttled.throttled and throttled.retry_in == pytest.approx(60.0)
    assert not waiting.throttled and waiting.retry_in is not None and 50 < waiting.retry_in <= 60
    assert twilio.calls == 1
    assert await events(container, second) == ["Requested"]
    assert delivered.done and [n.id for n in email.delivered] == [mail]


async def test_without_a_wait_from_anyone_a_throttled_notification_comes_back_after_the_base_delay(
    container: Container,
) -> None:
    busy = RecordingProvider([Throttled("452 4.3.1 Insufficient system resources")])
    with container.delivery_providers.override(providers.Object({Channel.SMS: busy})):
        outcome = await container.deliveries().deliver_notification(await send(container))
    assert outcome.retry_in == container.settings().retry_base_delay


def load(**values: str) -> Settings:
    return load_settings({f"NOTIFICATIONS_{name}": value for name, value in values.items()})


TWILIO = {
    "SMS_PROVIDER": "twilio",
    "WHATSAPP_PROVIDER": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_SMS_FROM": "+15005550006",
    "TWILIO_WHATSAPP_FROM": "MG" + "c" * 32,
}


def test_the_settings_pace_smtp_by_the_minute_and_twilio_by_the_second_per_sender() -> None:
    settings = load(
        **TWILIO,
        EMAIL_PROVIDER="smtp",
        SMTP_HOST="smtp.office365.com",
        SMTP_RATE_LIMIT="30",
        TWILIO_RATE_LIMIT="1",
    )
    chosen = delivery_providers(settings)
    smtp, twilio = chosen[Channel.EMAIL], chosen[Channel.SMS]
    assert isinstance(smtp, PacedProvider) and smtp.pacer.interval == 2.0
    assert isinstance(twilio, PacedProvider) and twilio.pacer.interval == 1.0
    sms = Notification.request(uuid4(), "bank", SMS)
    whatsapp = Notification.request(uuid4(), "bank", WhatsApp(PhoneNumber("+447911123456"), "Shipped"))
    assert (twilio.sender(sms), twilio.sender(whatsapp)) == ("+15005550006", "MG" + "c" * 32)


def test_without_the_settings_nothing_is_paced_but_too_many_still_pauses() -> None:
    chosen = delivery_providers(load(**TWILIO, EMAIL_PROVIDER="smtp", SMTP_HOST="smtp.office365.com"))
    assert [p.pacer.interval for p in chosen.values()] == [0.0, 0.0, 0.0]  # type: ignore[attr-defined]


def test_a_negative_rate_limit_is_named_in_one_line() -> None:
    with pytest.raises(SettingsError) as refused:
        load(SMTP_RATE_LIMIT="-30")
    assert str(refused.value) == "invalid setting NOTIFICATIONS_SMTP_RATE_LIMIT: Expected `float` >= 0.0"
