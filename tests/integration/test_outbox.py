from __future__ import annotations

import asyncio
import json
from email import message_from_bytes, policy
from pathlib import Path
from uuid import uuid4

from adapters.outbox import OutboxProvider
from domain.addresses import Mailbox
from domain.messages import Channel, PhoneNumber, WhatsApp, message_from_dict
from domain.notification import Notification

EMAIL = {
    "to": ["alice@example.org"],
    "cc": ["bob@example.org"],
    "bcc": ["audit@example.org"],
    "subject": "Your statement",
    "text": "Plain text",
    "html": "<p>HTML</p>",
    "reply_to": "support@example.org",
    "read_receipt": True,
}


async def test_an_email_is_written_as_a_complete_mime_message(tmp_path: Path) -> None:
    notification = Notification.request(uuid4(), "bank", message_from_dict("email", EMAIL))
    provider = OutboxProvider(tmp_path, Channel.EMAIL, sender=Mailbox.parse("Bank <no-reply@bank.example>"))
    receipt = await provider.deliver(notification)
    path = tmp_path / "email" / f"{notification.id}.eml"
    mail = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert receipt.message_id == path.name
    assert (mail["From"], mail["To"], mail["Cc"], mail["Bcc"]) == (
        "Bank <no-reply@bank.example>",
        "alice@example.org",
        "bob@example.org",
        "audit@example.org",
    )
    assert (mail["Subject"], mail["Reply-To"]) == ("Your statement", "support@example.org")
    assert mail["X-Notification-Id"] == str(notification.id)
    assert mail["Disposition-Notification-To"] == "Bank <no-reply@bank.example>"
    assert mail["Message-ID"].endswith("@bank.example>")
    assert mail.get_body(("plain",)).get_content().strip() == "Plain text"  # type: ignore[union-attr]
    assert mail.get_body(("html",)).get_content().strip() == "<p>HTML</p>"  # type: ignore[union-attr]


async def test_an_html_email_without_a_receipt_request_asks_for_none_and_gets_a_text_part(
    tmp_path: Path,
) -> None:
    message = message_from_dict("email", {"to": ["a@example.org"], "subject": "s", "html": "<b>x</b>"})
    notification = Notification.request(uuid4(), "bank", message)
    await OutboxProvider(tmp_path, Channel.EMAIL, sender=Mailbox.parse("n@bank.example")).deliver(
        notification
    )
    mail = message_from_bytes(
        (tmp_path / "email" / f"{notification.id}.eml").read_bytes(), policy=policy.default
    )
    assert "Disposition-Notification-To" not in mail
    assert mail.get_content_type() == "multipart/alternative"
    assert mail.get_body(("plain",)).get_content() == "x\n"  # type: ignore[union-attr]
    assert mail.get_body(("html",)).get_content() == "<b>x</b>\n"  # type: ignore[union-attr]


async def test_a_whatsapp_message_is_written_as_json(tmp_path: Path) -> None:
    notification = Notification.request(uuid4(), "bank", WhatsApp(PhoneNumber("+15551234567"), "Olá"))
    await OutboxProvider(tmp_path, Channel.WHATSAPP).deliver(notification)
    written = json.loads((tmp_path / "whatsapp" / f"{notification.id}.json").read_text())
    assert written == {"id": str(notification.id), "channel": "whatsapp", "to": "+15551234567", "body": "Olá"}
    assert list((tmp_path / "whatsapp").iterdir()) == [tmp_path / "whatsapp" / f"{notification.id}.json"]


async def test_messages_sent_at_once_are_each_written_whole(tmp_path: Path) -> None:
    provider = OutboxProvider(tmp_path, Channel.SMS)
    sms = message_from_dict("sms", {"to": "+15551234567", "body": "Your code is 1234"})
    notifications = [Notification.request(uuid4(), "bank", sms) for _ in range(50)]
    await asyncio.gather(*(provider.deliver(n) for n in notifications))
    written = sorted(path.name for path in (tmp_path / "sms").iterdir())
    assert written == sorted(f"{n.id}.json" for n in notifications)
    assert {json.loads((tmp_path / "sms" / name).read_text())["body"] for name in written} == {
        "Your code is 1234"
    }


async def test_every_message_fails_when_the_outbox_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file where the outbox folder would be")
    provider = OutboxProvider(tmp_path / "blocked", Channel.SMS)
    sms = message_from_dict("sms", {"to": "+15551234567", "body": "Your code is 1234"})
    results = await asyncio.gather(
        *(provider.deliver(Notification.request(uuid4(), "bank", sms)) for _ in range(3)),
        return_exceptions=True,
    )
    assert all(isinstance(result, OSError) for result in results)
