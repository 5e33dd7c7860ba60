"""End to end with a bounce mailbox: `notifications serve` sends over SMTP, the recipient's server
bounces, the bounce lands in a real IMAP server (Dovecot), and GET shows `refused`."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from tests.dovecot import Dovecot
from tests.e2e.conftest import Service, free_port
from tests.e2e.test_real_providers import assert_logs_keep, eventually
from tests.e2e.test_service import issue_token, send
from tests.mail_reports import dsn, mdn
from tests.smtp_server import PASSWORD, USERNAME, Mailbox, MailServer, self_signed_certificate

EMAIL = {"channel": "email", "to": ["alice@example.org"], "subject": "Statement", "text": "Hello Alice"}


def with_mailbox(service: Service, dovecot: Dovecot, server: MailServer, cert: Path, folder: str) -> None:
    service.env |= {
        "NOTIFICATIONS_EMAIL_PROVIDER": "smtp",
        "NOTIFICATIONS_EMAIL_FROM": "Bank <bounces@bank.example>",
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(server.port),
        "NOTIFICATIONS_SMTP_USERNAME": USERNAME,
        "NOTIFICATIONS_SMTP_PASSWORD": PASSWORD,
        "NOTIFICATIONS_SMTP_CA_FILE": str(cert),
        "NOTIFICATIONS_IMAP_HOST": dovecot.host,
        "NOTIFICATIONS_IMAP_PORT": str(dovecot.port),
        "NOTIFICATIONS_IMAP_TLS": "none",
        "NOTIFICATIONS_IMAP_USERNAME": dovecot.username,
        "NOTIFICATIONS_IMAP_PASSWORD": dovecot.password,
        "NOTIFICATIONS_IMAP_FOLDER": folder,
        "NOTIFICATIONS_IMAP_PROCESSED_FOLDER": f"{folder}-done",
        "NOTIFICATIONS_IMAP_POLL_INTERVAL": "0.2",
        "NOTIFICATIONS_EMAIL_BOUNCE_WINDOW": "3600",
    }


def test_a_bounced_email_is_refused_over_http(service: Service, dovecot: Dovecot, tmp_path: Path) -> None:
    mailbox, folder = Mailbox(), f"e2e-{uuid.uuid4().hex[:8]}"
    cert, key = self_signed_certificate(tmp_path)
    server = MailServer(mailbox, cert, key, port=free_port())
    server.start()
    with_mailbox(service, dovecot, server, cert, folder)
    try:
        service.start()
        auth = issue_token(service)
        notification_id = send(service, auth, EMAIL)
        status = f"{service.url}/v1/notifications/{notification_id}"
        eventually(
            lambda: [e["type"] for e in httpx.get(f"{status}/events", headers=auth).json()][-1] == "Sent"
        )
        assert httpx.get(status, headers=auth).json()["status"] == "pending"
        [received] = mailbox.received
        dovecot.append(
            dsn(received.message, "alice@example.org", "failed", "5.1.1", "550 5.1.1 user unknown"), folder
        )
        refused = eventually(
            lambda: (s := httpx.get(status, headers=auth).json())["status"] == "refused" and s
        )
    finally:
        server.stop()
    assert refused["reason"] == "the recipient's mail server bounced it: 5.1.1 user unknown"
    assert refused["bounced"] == ["a***@example.org"]
    events = [e["type"] for e in httpx.get(f"{status}/events", headers=auth).json()]
    assert events == ["Requested", "DeliveryStarted", "Sent", "DeliveryStatusReported", "Refused"]
    assert eventually(lambda: dovecot.messages(f"{folder}-done"))
    assert service.terminate() == 0
    assert_logs_keep(service, "alice@example.org", "Hello Alice", PASSWORD, dovecot.password)


def test_a_read_receipt_shows_read_at_over_http(service: Service, dovecot: Dovecot, tmp_path: Path) -> None:
    mailbox, folder = Mailbox(), f"e2e-{uuid.uuid4().hex[:8]}"
    cert, key = self_signed_certificate(tmp_path)
    server = MailServer(mailbox, cert, key, port=free_port())
    server.start()
    with_mailbox(service, dovecot, server, cert, folder)
    try:
        service.start()
        auth = issue_token(service)
        notification_id = send(service, auth, {**EMAIL, "read_receipt": True})
        [received] = eventually(lambda: mailbox.received)
        dovecot.append(mdn(received.message, "alice@example.org", "displayed"), folder)
        status = f"{service.url}/v1/notifications/{notification_id}"
        read = eventually(lambda: (s := httpx.get(status, headers=auth).json())["read_at"] and s)
    finally:
        server.stop()
    assert read["status"] == "delivered"
    assert service.terminate() == 0
