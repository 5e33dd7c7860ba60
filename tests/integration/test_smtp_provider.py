"""Email over SMTP against a real server (aiosmtpd) with STARTTLS, AUTH and DSN, through the worker's
use case: what arrives, with which envelope, and what each reply makes of the notification."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from structlog.testing import capture_logs

from application.delivery import Outcome
from bootstrap.container import Container
from bootstrap.settings import load_settings
from domain.messages import message_from_dict
from domain.notification import Status
from entrypoints.processes import container_for
from tests.e2e.conftest import free_port
from tests.smtp_server import PASSWORD, USERNAME, Mailbox, MailServer, Received, self_signed_certificate

SENDER = "Bank <no-reply@bank.example>"
EMAIL: dict[str, Any] = {
    "to": ["alice@example.org"],
    "cc": ["bob@example.org"],
    "bcc": ["audit@example.org"],
    "reply_to": "support@bank.example",
    "subject": "Votre relevé",
    "text": "Olá Alice, your statement is ready.",
    "html": "<p>Olá Alice, your statement is ready.</p>",
}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


def serve(mailbox: Mailbox, certificate: tuple[Path, Path], implicit: bool = False) -> MailServer:
    server = MailServer(mailbox, *certificate, port=free_port(), implicit=implicit)
    server.start()
    return server


@pytest.fixture
def server(mailbox: Mailbox, certificate: tuple[Path, Path]) -> Iterator[MailServer]:
    started = serve(mailbox, certificate)
    yield started
    started.stop()


def smtp_container(tmp_path: Path, port: int, certificate: tuple[Path, Path], **extra: str) -> Container:
    settings = {
        "NOTIFICATIONS_DATA_DIR": str(tmp_path),
        "NOTIFICATIONS_EVENT_STORE": "memory",
        "NOTIFICATIONS_EMAIL_PROVIDER": "smtp",
        "NOTIFICATIONS_EMAIL_FROM": SENDER,
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(port),
        "NOTIFICATIONS_SMTP_USERNAME": USERNAME,
        "NOTIFICATIONS_SMTP_PASSWORD": PASSWORD,
        "NOTIFICATIONS_SMTP_CA_FILE": str(certificate[0]),
        "NOTIFICATIONS_SMTP_TIMEOUT": "5",
    }
    return container_for(load_settings(settings | {f"NOTIFICATIONS_{k}": v for k, v in extra.items()}))


@pytest.fixture
def container(tmp_path: Path, server: MailServer, certificate: tuple[Path, Path]) -> Container:
    return smtp_container(tmp_path, server.port, certificate)


async def send(container: Container, **changes: Any) -> tuple[UUID, Outcome]:
    message = message_from_dict("email", EMAIL | changes)
    notification = await container.notifications().send_notification("bank", message)
    return notification.id, await container.deliveries().deliver_notification(notification.id)


async def status(container: Container, notification_id: UUID) -> tuple[Status, str | None]:
    notification = await container.notifications().get_notification_status("bank", notification_id)
    return notification.status, notification.reason


def only(mailbox: Mailbox) -> Received:
    assert len(mailbox.received) == 1
    return mailbox.received[0]


async def test_an_email_arrives_with_its_headers_and_parts(container: Container, mailbox: Mailbox) -> None:
    notification_id, outcome = await send(container)
    assert outcome.done
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    mail = only(mailbox).message
    assert (mail["From"], mail["To"], mail["Cc"], mail["Reply-To"]) == (
        SENDER,
        "alice@example.org",
        "bob@example.org",
        "support@bank.example",
    )
    assert mail["Subject"] == "Votre relevé"
    assert mail["X-Notification-Id"] == str(notification_id)
    assert mail["Message-ID"].endswith("@bank.example>")
    assert mail["Bcc"] is None and mail["Disposition-Notification-To"] is None
    assert mail.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in mail.iter_parts()}
    assert parts == {"text/plain": EMAIL["text"] + "\n", "text/html": EMAIL["html"] + "\n"}


async def test_the_envelope_carries_every_recipient_and_bcc_only_there(
    container: Container, mailbox: Mailbox
) -> None:
    await send(container)
    received = only(mailbox)
    assert received.mail_from == "no-reply@bank.example"
    assert received.rcpt_tos == ["alice@example.org", "bob@example.org", "audit@example.org"]
    assert "audit@example.org" not in received.message.as_string()
    assert received.login == USERNAME


async def test_the_receipt_names_the_message_id(container: Container, mailbox: Mailbox) -> None:
    notification_id, _ = await send(container)
    events = await container.notifications().get_notification_events("bank", notification_id)
    assert events[-1].type == "Delivered"
    assert events[-1].data == {"provider": "smtp", "provider_message_id": only(mailbox).message["Message-ID"]}


async def test_a_read_receipt_asks_the_mail_client_and_the_server_that_offers_dsn(
    tmp_path: Path, server: MailServer, mailbox: Mailbox, certificate: tuple[Path, Path]
) -> None:
    mailbox.offer_dsn = True
    container = smtp_container(tmp_path, server.port, certificate, EMAIL_RECEIPTS_TO="receipts@bank.example")
    notification_id, _ = await send(container, read_receipt=True)
    received = only(mailbox)
    assert received.message["Disposition-Notification-To"] == "receipts@bank.example"
    assert received.mail_options == ["RET=HDRS", f"ENVID={notification_id}"]
    assert received.rcpt_options[:2] == ["NOTIFY=SUCCESS,FAILURE,DELAY", "ORCPT=rfc822;alice@example.org"]
    assert len(received.rcpt_options) == 6


async def test_a_server_without_dsn_gets_the_receipt_request_in_the_headers_only(
    container: Container, mailbox: Mailbox
) -> None:
    notification_id, _ = await send(container, read_receipt=True)
    received = only(mailbox)
    assert received.message["Disposition-Notification-To"] == SENDER
    assert (received.mail_options, received.rcpt_options) == ([], [])
    notification = await container.notifications().get_notification_status("bank", notification_id)
    assert notification.read_receipt_requested


async def test_without_a_read_receipt_failures_and_delays_are_asked_of_a_server_that_offers_dsn(
    container: Container, mailbox: Mailbox
) -> None:
    mailbox.offer_dsn = True
    notification_id, _ = await send(container)
    assert only(mailbox).mail_options == ["RET=HDRS", f"ENVID={notification_id}"]
    assert only(mailbox).rcpt_options[::2] == ["NOTIFY=FAILURE,DELAY"] * 3


async def test_a_recipient_refused_with_550_refuses_the_notification_and_nobody_gets_it(
    container: Container, mailbox: Mailbox
) -> None:
    mailbox.refuse["audit@example.org"] = "550 5.1.1 <audit@example.org>: Recipient address rejected"
    with capture_logs() as logs:
        notification_id, outcome = await send(container)
    assert outcome.done
    assert "example.org" in repr(logs) and "audit@example.org" not in repr(logs)
    state, reason = await status(container, notification_id)
    assert state is Status.REFUSED
    assert (
        reason
        == "the mail server refused a recipient: 550 5.1.1 <a***@example.org>: Recipient address rejected"
    )
    assert mailbox.received == []


async def test_a_451_is_retried_and_then_delivered(container: Container, mailbox: Mailbox) -> None:
    mailbox.busy.append("451 4.3.0 Mailbox busy, try again later")
    notification_id, first = await send(container)
    assert first.retry_in is not None
    events = await container.notifications().get_notification_events("bank", notification_id)
    assert events[-1].type == "DeliveryAttemptFailed"
    assert (
        events[-1].data["reason"] == "the mail server failed for now: 451 4.3.0 Mailbox busy, try again later"
    )
    assert mailbox.received == []
    assert (await container.deliveries().deliver_notification(notification_id)).done
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    assert only(mailbox).rcpt_tos == ["alice@example.org", "bob@example.org", "audit@example.org"]


@pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS"
)  # aiosmtpd can't see implicit TLS
async def test_implicit_tls_delivers(
    tmp_path: Path, mailbox: Mailbox, certificate: tuple[Path, Path]
) -> None:
    server = serve(mailbox, certificate, implicit=True)
    try:
        container = smtp_container(tmp_path, server.port, certificate, SMTP_TLS="implicit")
        notification_id, _ = await send(container)
    finally:
        server.stop()
    assert await status(container, notification_id) == (Status.DELIVERED, None)
    assert only(mailbox).login == USERNAME


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        pytest.param(
            {"SMTP_PASSWORD": "wrong"}, "the mail server refused our login: 535", id="wrong password"
        ),
        pytest.param({"SMTP_CA_FILE": ""}, "cannot reach the mail server", id="untrusted certificate"),
        pytest.param(
            {"SMTP_TLS": "none"},
            "the mail server failed for now: The SMTP AUTH extension is not supported",
            id="no tls where the server requires it",
        ),
    ],
)
async def test_what_the_settings_get_wrong_is_retried_not_refused(
    tmp_path: Path,
    server: MailServer,
    mailbox: Mailbox,
    certificate: tuple[Path, Path],
    settings: dict[str, str],
    reason: str,
) -> None:
    container = smtp_container(tmp_path, server.port, certificate, **settings)
    notification_id, outcome = await send(container)
    assert outcome.retry_in is not None
    events = await container.notifications().get_notification_events("bank", notification_id)
    assert events[-1].data["reason"].startswith(reason)
    assert mailbox.received == []


async def test_a_server_that_does_not_answer_is_retried(
    tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    container = smtp_container(tmp_path, free_port(), certificate)
    notification_id, outcome = await send(container)
    assert outcome.retry_in is not None
    assert await status(container, notification_id) == (Status.PENDING, None)


class SlowMailbox(Mailbox):
    """Takes its time over each message, and counts the messages it is taking at once."""

    def __init__(self) -> None:
        super().__init__()
        self.taking = self.most_at_once = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.taking += 1
        self.most_at_once = max(self.most_at_once, self.taking)
        await asyncio.sleep(0.2)
        self.taking -= 1
        return await super().handle_DATA(server, session, envelope)


async def test_a_worker_opens_no_more_smtp_connections_than_allowed(
    tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    mailbox = SlowMailbox()
    server = serve(mailbox, certificate)
    container = smtp_container(tmp_path, server.port, certificate, SMTP_CONNECTIONS="2")
    outcomes = await asyncio.gather(*(send(container) for _ in range(6)))
    server.stop()
    assert all(outcome.done for _, outcome in outcomes)
    assert len(mailbox.received) == 6
    assert mailbox.most_at_once == 2


async def test_each_mailbox_is_in_the_envelope_once(container: Container, mailbox: Mailbox) -> None:
    same = {"to": ["alice@example.org", "alice@example.org"], "cc": ["alice@example.org"]}
    notification_id, _ = await send(container, **same, bcc=["alice@EXAMPLE.org"])
    received = only(mailbox)
    assert received.rcpt_tos == ["alice@example.org"]
    assert (received.message["To"], received.message["Cc"]) == ("alice@example.org", None)
    assert await status(container, notification_id) == (Status.DELIVERED, None)


async def test_an_internationalized_domain_goes_into_the_envelope_in_punycode(
    container: Container, mailbox: Mailbox
) -> None:
    notification_id, _ = await send(container, to=["alice@example.xn--p1ai"], cc=["bob@пример.рф"], bcc=[])
    received = only(mailbox)
    assert received.rcpt_tos == ["alice@example.xn--p1ai", "bob@xn--e1afmkfd.xn--p1ai"]
    events = await container.notifications().get_notification_events("bank", notification_id)
    assert (events[0].data["message"]["to"], events[0].data["message"]["cc"]) == (
        ["alice@example.xn--p1ai"],
        ["bob@пример.рф"],
    )


async def test_a_unicode_subject_and_sender_name_arrive_exactly_and_the_envelope_sender_is_bare(
    tmp_path: Path, server: MailServer, mailbox: Mailbox, certificate: tuple[Path, Path]
) -> None:
    sender = '"Zoë Bänk, Inc." <no-reply@example.org>'
    container = smtp_container(tmp_path, server.port, certificate, EMAIL_FROM=sender)
    subject = "le Überweisung et réglé – de votre für n°"  # noqa: RUF001
    await send(container, subject=subject)
    received = only(mailbox)
    (author,) = received.message["From"].addresses
    assert (received.mail_from, received.message["Subject"]) == ("no-reply@example.org", subject)
    assert (author.display_name, author.addr_spec) == ("Zoë Bänk, Inc.", "no-reply@example.org")
