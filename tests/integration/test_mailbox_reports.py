"""Bounces and read receipts read back from a real IMAP server (Dovecot), put in with IMAP APPEND."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest

from adapters.email_mime import mime_message
from adapters.event_store import EventSourcedStore
from adapters.imap_mailbox import ImapAccount, ImapMailbox
from application.mail_reports import MailReports, Tally
from domain.addresses import Mailbox
from domain.messages import Email, message_from_dict
from domain.notification import Notification, Receipt, Status
from tests.dovecot import Dovecot
from tests.mail_reports import RETURNED_IDS, dsn, mdn, sample

SENDER = Mailbox.parse("Bank <bounces@bank.example>")
JANE, JOHN = "jane.doe@bank.example", "john.roe@bank.example"


class Scene:
    def __init__(self, dovecot: Dovecot) -> None:
        self.dovecot = dovecot
        self.folder = f"reports-{uuid.uuid4().hex[:8]}"
        self.store = EventSourcedStore.in_memory()
        account = ImapAccount(
            host=dovecot.host,
            port=dovecot.port,
            tls="none",
            username=dovecot.username,
            password=dovecot.password,
            folder=self.folder,
            processed_folder=f"{self.folder}-done",
        )
        self.reports = MailReports(self.store, ImapMailbox(account))

    async def sent_email(self, *to: str) -> tuple[Notification, EmailMessage]:
        """An email accepted by the SMTP server, awaiting its reports for an hour."""
        message = message_from_dict("email", {"to": list(to), "subject": "Statement", "text": "Hello"})
        notification = Notification.request(uuid.uuid4(), "bank", message)
        mime = mime_message(notification, SENDER)
        now = datetime.now(UTC)
        notification.begin_attempt("test", now, timedelta(seconds=30))
        notification.record_receipt(Receipt("smtp", mime["Message-ID"], True, now + timedelta(hours=1)))
        await self.store.save(notification)
        return notification, mime

    def deliver(self, raw: bytes) -> None:
        self.dovecot.append(raw, self.folder)

    async def status(self, notification: Notification) -> Notification:
        found: Notification = await self.store.get(notification.id)
        return found

    async def events(self, notification: Notification) -> list[str]:
        return [event.type for event in await self.store.history(notification.id)]


@pytest.fixture
def scene(dovecot: Dovecot) -> Scene:
    return Scene(dovecot)


async def test_a_user_unknown_bounce_refuses_the_email_and_is_filed_away(scene: Scene) -> None:
    notification, mime = await scene.sent_email(JANE)
    scene.deliver(dsn(mime, JANE, "failed", "5.1.1", "550 5.1.1 user unknown"))

    tally = await scene.reports.read_mailbox()

    found = await scene.status(notification)
    assert tally == Tally(recorded=1, unmatched=0)
    assert found.status is Status.REFUSED
    assert found.reason == "the recipient's mail server bounced it: 5.1.1 user unknown"
    assert [a.value for a in found.bounced] == [JANE]
    assert await scene.events(notification) == [
        "Requested",
        "DeliveryStarted",
        "Sent",
        "DeliveryStatusReported",
        "Refused",
    ]
    assert scene.dovecot.messages(scene.folder) == []
    [(flags, _)] = scene.dovecot.messages(f"{scene.folder}-done")
    assert b"\\Seen" in flags


async def test_a_delayed_report_is_recorded_and_changes_nothing_else(scene: Scene) -> None:
    notification, mime = await scene.sent_email(JANE)
    scene.deliver(
        dsn(mime, JANE, "delayed", "4.4.1", "451 4.4.1 no answer from host", envid=str(notification.id))
    )

    await scene.reports.read_mailbox()

    found = await scene.status(notification)
    assert found.status is Status.PENDING and found.awaiting_confirmation
    assert (await scene.events(notification))[-1] == "DeliveryStatusReported"


async def test_a_delivered_report_makes_the_email_delivered(scene: Scene) -> None:
    notification, mime = await scene.sent_email(JANE)
    scene.deliver(dsn(mime, JANE, "delivered", "2.0.0"))

    await scene.reports.read_mailbox()

    assert (await scene.status(notification)).status is Status.DELIVERED
    assert (await scene.events(notification))[-2:] == ["DeliveryStatusReported", "Delivered"]


async def test_a_read_receipt_sets_read_at_and_proves_delivery(scene: Scene) -> None:
    notification, mime = await scene.sent_email(JANE)
    scene.deliver(mdn(mime, JANE, "displayed"))

    await scene.reports.read_mailbox()

    found = await scene.status(notification)
    assert found.status is Status.DELIVERED
    assert found.read_at is not None and found.read_at.tzinfo is not None
    assert (await scene.events(notification))[-2:] == ["DispositionReported", "Delivered"]


async def test_a_deleted_disposition_is_recorded_without_read_at(scene: Scene) -> None:
    notification, mime = await scene.sent_email(JANE)
    scene.deliver(mdn(mime, JANE, "deleted"))

    await scene.reports.read_mailbox()

    found = await scene.status(notification)
    assert found.read_at is None and found.status is Status.PENDING
    assert (await scene.events(notification))[-1] == "DispositionReported"


@pytest.mark.parametrize("name", sorted(RETURNED_IDS))
async def test_a_real_world_bounce_refuses_the_email(scene: Scene, name: str) -> None:
    notification, mime = await scene.sent_email(JANE)
    scene.deliver(sample(name, mime["Message-ID"]))

    await scene.reports.read_mailbox()

    found = await scene.status(notification)
    assert found.status is Status.REFUSED, name
    assert [a.value for a in found.bounced] == [JANE]


async def test_one_bounced_recipient_of_two_does_not_refuse_the_email(scene: Scene) -> None:
    notification, mime = await scene.sent_email(JANE, JOHN)
    scene.deliver(dsn(mime, JOHN, "failed", "5.1.1", "550 5.1.1 user unknown"))
    await scene.reports.read_mailbox()
    assert (await scene.status(notification)).status is Status.PENDING

    scene.deliver(dsn(mime, JANE, "failed", "5.2.2", "552 5.2.2 mailbox full"))
    await scene.reports.read_mailbox()

    found = await scene.status(notification)
    assert found.status is Status.REFUSED
    assert [a.value for a in found.bounced] == [JANE, JOHN]
    assert "5.1.1 user unknown" in (found.reason or "") and "5.2.2 mailbox full" in (found.reason or "")


async def test_a_report_matching_nothing_is_left_alone_and_read_once(scene: Scene) -> None:
    await scene.sent_email(JANE)
    stranger = EmailMessage()
    stranger["Message-ID"] = "<somebody-else@elsewhere.example>"
    stranger["Subject"] = "Not ours"
    scene.deliver(dsn(stranger, "who@elsewhere.example", "failed", "5.1.1"))

    first = await scene.reports.read_mailbox()
    second = await scene.reports.read_mailbox()

    assert first == Tally(recorded=0, unmatched=1)
    assert second == Tally(recorded=0, unmatched=0)
    [(flags, _)] = scene.dovecot.messages(scene.folder)
    assert b"\\Seen" not in flags


async def test_the_same_report_twice_records_it_once(scene: Scene) -> None:
    notification, mime = await scene.sent_email(JANE)
    report = dsn(mime, JANE, "delayed", "4.4.1")
    scene.deliver(report)
    scene.deliver(report)

    tally = await scene.reports.read_mailbox()

    assert tally == Tally(recorded=2, unmatched=0)
    assert (await scene.events(notification)).count("DeliveryStatusReported") == 1
    assert len(scene.dovecot.messages(f"{scene.folder}-done")) == 2


async def test_a_wrong_password_is_named_and_reads_nothing(scene: Scene, dovecot: Dovecot) -> None:
    from application.errors import MailboxUnavailable

    account = ImapAccount(
        host=dovecot.host, port=dovecot.port, tls="none", username=dovecot.username, password="wrong"
    )
    with pytest.raises(MailboxUnavailable, match="refused the login"):
        await ImapMailbox(account).read()


def test_samples_carry_the_returned_message_id() -> None:
    for name, returned in RETURNED_IDS.items():
        assert returned.encode() in sample(name, returned), name
    assert isinstance(message_from_dict("email", {"to": [JANE], "subject": "s", "text": "t"}), Email)


async def test_a_message_that_cannot_be_read_is_left_alone_and_the_reports_beside_it_are_recorded(
    scene: Scene,
) -> None:
    notification, mime = await scene.sent_email(JANE)
    scene.deliver(b"Message-ID: <\r\nSubject: hello\r\n\r\nanyone can mail the bounce address\r\n")
    scene.deliver(dsn(mime, JANE, "failed", "5.1.1", "550 5.1.1 user unknown"))

    tally = await scene.reports.read_mailbox()

    assert tally == Tally(recorded=1, unmatched=1)
    assert (await scene.status(notification)).status is Status.REFUSED


async def test_a_report_naming_an_sms_or_an_email_never_sent_records_nothing(scene: Scene) -> None:
    await scene.sent_email(JANE)
    sms = message_from_dict("sms", {"to": "+15551234567", "body": "Hi"})
    email = message_from_dict("email", {"to": [JANE], "subject": "Statement", "text": "Hi"})
    targets = [Notification.request(uuid.uuid4(), "bank", m) for m in (sms, email)]
    await scene.store.save(*targets)
    for target in targets:
        forged = mime_message(targets[1], SENDER)
        forged.replace_header("Message-ID", f"<{target.id}@bank.example>")
        forged.replace_header("X-Notification-Id", str(target.id))
        scene.deliver(dsn(forged, JANE, "delivered", "2.0.0", "250 OK"))
        scene.deliver(mdn(forged, JANE, "displayed"))

    tally = await scene.reports.read_mailbox()

    assert tally.recorded == 0
    for target in targets:
        found = await scene.status(target)
        assert (found.status, found.read_at) == (Status.PENDING, None)
        assert await scene.events(target) == ["Requested"]
