"""Provider rate limits against real servers: the SMTP pace through the worker (aiosmtpd), a mail
server's "421 4.7.0 too many", and Twilio's 429 with Retry-After (the tests' Twilio server)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import UUID

import pytest

from bootstrap.container import Container
from domain.messages import message_from_dict
from domain.notification import Status
from tests.e2e.conftest import free_port
from tests.integration.test_smtp_provider import EMAIL, smtp_container
from tests.smtp_server import Mailbox, MailServer, self_signed_certificate
from tests.twilio_app import start
from tests.twilio_server import TwilioServer, too_many

SMS = {"to": "+15551234567", "body": "Your code is 481516"}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def relay_server(mailbox: Mailbox, certificate: tuple[Path, Path]) -> Iterator[MailServer]:
    """A plain relay that takes mail without a login: the pace, not TLS, is under test."""
    server = MailServer(mailbox, *certificate, port=free_port(), plain=True, login_required=False)
    server.start()
    yield server
    server.stop()


def relay_container(
    tmp_path: Path, server: MailServer, certificate: tuple[Path, Path], **extra: str
) -> Container:
    plain = {"SMTP_TLS": "none", "SMTP_USERNAME": "", "SMTP_PASSWORD": ""}
    return smtp_container(tmp_path, server.port, certificate, **plain, **extra)


async def send_emails(container: Container, count: int) -> list[UUID]:
    message = message_from_dict("email", EMAIL)
    return [(await container.notifications().send_notification("bank", message)).id for _ in range(count)]


@asynccontextmanager
async def working(container: Container) -> AsyncIterator[None]:
    worker = container.worker()
    running = asyncio.create_task(worker.run())
    try:
        yield
    finally:
        worker.stop()
        await asyncio.wait_for(running, 10)


async def until(done: Callable[[], bool]) -> None:
    for _ in range(1200):
        if done():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not done within a minute")


async def until_finished(container: Container, ids: list[UUID]) -> None:
    """Until every notification is delivered or refused (the worker records after the server took it)."""
    for _ in range(400):
        if all(state is not Status.PENDING for state, _, _ in await outcomes(container, ids)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not finished within 20 s")


async def outcomes(container: Container, ids: list[UUID]) -> list[tuple[Status, int, list[str]]]:
    notifications = container.notifications()
    found = []
    for notification_id in ids:
        n = await notifications.get_notification_status("bank", notification_id)
        events = await notifications.get_notification_events("bank", notification_id)
        found.append((n.status, n.attempts, [e.type for e in events]))
    return found


async def test_a_hundred_emails_at_600_a_minute_take_about_ten_seconds_and_none_fails(
    tmp_path: Path, relay_server: MailServer, mailbox: Mailbox, certificate: tuple[Path, Path]
) -> None:
    container = relay_container(tmp_path, relay_server, certificate, SMTP_RATE_LIMIT="600")
    ids = await send_emails(container, 100)
    began = time.monotonic()
    async with working(container):
        await until(lambda: len(mailbox.received) == 100)
        took = time.monotonic() - began
        await until_finished(container, ids)
    assert took >= 8  # one every 0.1 s: the hundredth after 9.9 s
    for state, attempts, events in await outcomes(container, ids):
        assert (state, attempts, events) == (
            Status.DELIVERED,
            1,
            ["Requested", "DeliveryStarted", "Delivered"],
        )


async def test_a_server_that_says_421_too_many_twice_then_takes_mail_gets_all_without_using_up_attempts(
    tmp_path: Path, relay_server: MailServer, mailbox: Mailbox, certificate: tuple[Path, Path]
) -> None:
    mailbox.busy.extend(["421 4.7.0 too many"] * 2)
    container = relay_container(tmp_path, relay_server, certificate, MAX_ATTEMPTS="2", RETRY_BASE_DELAY="0.2")
    ids = await send_emails(container, 3)
    async with working(container):
        await until(lambda: len(mailbox.received) == 3)
        await until_finished(container, ids)
    found = await outcomes(container, ids)
    assert [(state, attempts) for state, attempts, _ in found] == [(Status.DELIVERED, 1)] * 3
    events = [event for _, _, recorded in found for event in recorded]
    assert events.count("DeliveryThrottled") == 2
    assert "DeliveryAttemptFailed" not in events
    throttled = next(recorded for _, _, recorded in found if "DeliveryThrottled" in recorded)
    assert throttled == ["Requested", "DeliveryStarted", "DeliveryThrottled", "DeliveryStarted", "Delivered"]


def test_twilios_429_pauses_it_for_its_retry_after_without_using_up_attempts(
    tmp_path: Path, twilio: TwilioServer
) -> None:
    twilio.failures.extend([too_many(retry_after="1"), too_many()])
    for running in start(tmp_path, twilio, MAX_ATTEMPTS="2", TWILIO_STATUS_CALLBACK_URL=""):
        deliveries = running.container.deliveries()

        def deliver(notification_id: UUID) -> tuple[float | None, bool]:
            outcome = running.client.blocking_portal.call(deliveries.deliver_notification, notification_id)
            return outcome.retry_in, outcome.throttled

        notification_id = running.send("sms", SMS)
        paused, throttled = deliver(notification_id)
        assert not throttled and paused is not None and 0 < paused <= 1.0  # not even claimed
        assert len(twilio.logins) == 1
        email = running.send("email", {"to": ["ada@example.org"], "subject": "Hi", "text": "Hello"})
        assert running.status(email) == (Status.DELIVERED, None)  # the outbox goes on meanwhile
        time.sleep(paused)
        # no Retry-After: the base delay, 0.01 s, doubled for the second "too many" in a row
        assert deliver(notification_id) == (pytest.approx(0.02, abs=0.001), True)
        time.sleep(0.05)
        assert deliver(notification_id) == (None, False)
        get = running.container.notifications().get_notification_status
        view = running.client.blocking_portal.call(get, "bank", notification_id)
        assert (view.status, view.attempts) == (Status.DELIVERED, 1)
        events = running.events(notification_id)
    assert [(e.type, e.data.get("retry_after")) for e in events] == [
        ("Requested", None),
        ("DeliveryStarted", None),
        ("DeliveryThrottled", 1.0),
        ("DeliveryStarted", None),
        ("DeliveryThrottled", pytest.approx(0.02, abs=0.001)),
        ("DeliveryStarted", None),
        ("Delivered", None),
    ]
    assert (
        events[2].data["reason"] == "Twilio asks us to slow down: HTTP 429: Too Many Requests (error 20429)"
    )
    assert len(twilio.messages) == 1
