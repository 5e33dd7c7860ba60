"""Each channel end to end on a real provider's protocol: POST over HTTP, the queue, the worker, the
provider's server, its receipt, and GET showing `delivered`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Service, free_port
from tests.e2e.test_service import issue_token, send, wait_until_delivered
from tests.smtp_server import PASSWORD, USERNAME, Mailbox, MailServer, self_signed_certificate
from tests.twilio_server import ACCOUNT_SID, AUTH_TOKEN, TwilioServer

SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 481516"}
TEMPLATE = {
    "channel": "whatsapp",
    "to": "+447911123456",
    "template": {"content_sid": "HX" + "e" * 32, "variables": {"1": "Parcel 7781"}},
}
EMAIL = {
    "channel": "email",
    "to": ["alice@example.org"],
    "bcc": ["audit@example.org"],
    "subject": "Welcome",
    "text": "Hello Alice",
    "html": "<p>Hello Alice</p>",
    "read_receipt": True,
}


def eventually(found: Callable[[], Any], seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := found()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert result, "it did not happen in time"
    return result


def with_twilio(service: Service, twilio: TwilioServer) -> None:
    service.env |= {
        "NOTIFICATIONS_SMS_PROVIDER": "twilio",
        "NOTIFICATIONS_WHATSAPP_PROVIDER": "twilio",
        "NOTIFICATIONS_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "NOTIFICATIONS_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "NOTIFICATIONS_TWILIO_SMS_FROM": "+15005550006",
        "NOTIFICATIONS_TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
        "NOTIFICATIONS_TWILIO_API_BASE_URL": twilio.url,
        "NOTIFICATIONS_TWILIO_STATUS_CALLBACK_URL": f"{service.url}/v1/providers/twilio/status",
    }


def assert_logs_keep(service: Service, *secrets: str) -> None:
    log = service.log.read_text()
    assert "worker.stopped" in {
        json.loads(line)["event"] for line in log.splitlines() if line.startswith("{")
    }
    assert "Unclosed" not in log
    assert [secret for secret in secrets if secret in log] == []


@pytest.mark.parametrize(
    ("body", "secrets"),
    [(SMS, ["+15551234567", "481516"]), (TEMPLATE, ["+447911123456", "7781"])],
    ids=["sms", "whatsapp"],
)
def test_a_phone_message_is_delivered_when_twilio_calls_back(
    service: Service, twilio: TwilioServer, body: dict[str, Any], secrets: list[str]
) -> None:
    with_twilio(service, twilio)
    service.start()
    auth = issue_token(service)
    notification_id = send(service, auth, body)
    [message] = eventually(lambda: twilio.messages)
    status = f"{service.url}/v1/notifications/{notification_id}"
    eventually(lambda: [e["type"] for e in httpx.get(f"{status}/events", headers=auth).json()][-1] == "Sent")
    assert httpx.get(status, headers=auth).json()["status"] == "pending"
    assert twilio.send_callback(message, "sent") == 204
    assert twilio.send_callback(message, "delivered") == 204
    wait_until_delivered(service, auth, [notification_id])
    events = httpx.get(f"{status}/events", headers=auth).json()
    assert [e["type"] for e in events] == ["Requested", "DeliveryStarted", "Sent", "Delivered"]
    assert service.terminate() == 0
    assert_logs_keep(service, *secrets)


def test_a_forged_callback_is_refused_by_the_running_service(service: Service, twilio: TwilioServer) -> None:
    with_twilio(service, twilio)
    service.start()
    auth = issue_token(service)
    notification_id = send(service, auth, SMS)
    [message] = eventually(lambda: twilio.messages)
    url, form, _ = twilio.callback(message, "delivered")
    answer = httpx.post(url, data=form, headers={"X-Twilio-Signature": "forged"})
    assert (answer.status_code, answer.headers["Content-Type"]) == (403, "application/problem+json")
    assert (
        httpx.get(f"{service.url}/v1/notifications/{notification_id}", headers=auth).json()["status"]
        == "pending"
    )


def test_an_email_is_delivered_over_smtp_with_starttls_and_auth(service: Service, tmp_path: Path) -> None:
    mailbox = Mailbox(offer_dsn=True)
    cert, key = self_signed_certificate(tmp_path)
    server = MailServer(mailbox, cert, key, port=free_port())
    server.start()
    service.env |= {
        "NOTIFICATIONS_EMAIL_PROVIDER": "smtp",
        "NOTIFICATIONS_EMAIL_FROM": "Bank <no-reply@bank.example>",
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(server.port),
        "NOTIFICATIONS_SMTP_USERNAME": USERNAME,
        "NOTIFICATIONS_SMTP_PASSWORD": PASSWORD,
        "NOTIFICATIONS_SMTP_CA_FILE": str(cert),
    }
    try:
        service.start()
        auth = issue_token(service)
        notification_id = send(service, auth, EMAIL)
        wait_until_delivered(service, auth, [notification_id])
    finally:
        server.stop()
    [received] = mailbox.received
    assert received.rcpt_tos == ["alice@example.org", "audit@example.org"]
    assert received.message["X-Notification-Id"] == notification_id
    assert received.message["Disposition-Notification-To"] == "Bank <no-reply@bank.example>"
    assert f"ENVID={notification_id}" in received.mail_options
    status = httpx.get(f"{service.url}/v1/notifications/{notification_id}", headers=auth).json()
    assert status["read_receipt_requested"] is True
    assert service.terminate() == 0
    assert_logs_keep(service, "alice@example.org", "audit@example.org", "Hello Alice", PASSWORD)


def test_an_email_to_internationalized_domains_is_delivered_with_a_punycode_envelope(
    service: Service, tmp_path: Path
) -> None:
    mailbox = Mailbox()
    cert, key = self_signed_certificate(tmp_path)
    server = MailServer(mailbox, cert, key, port=free_port())
    server.start()
    service.env |= {
        "NOTIFICATIONS_EMAIL_PROVIDER": "smtp",
        "NOTIFICATIONS_EMAIL_FROM": '"Zoë Bänk, Inc." <no-reply@bank.example>',
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(server.port),
        "NOTIFICATIONS_SMTP_USERNAME": USERNAME,
        "NOTIFICATIONS_SMTP_PASSWORD": PASSWORD,
        "NOTIFICATIONS_SMTP_CA_FILE": str(cert),
    }
    body = {
        "channel": "email",
        "to": ["alice@example.xn--p1ai", "bob@пример.рф"],
        "subject": "Olá",
        "html": "<p>Hi</p>",
    }
    try:
        service.start()
        auth = issue_token(service)
        notification_id = send(service, auth, body)
        wait_until_delivered(service, auth, [notification_id])
    finally:
        server.stop()
    [received] = mailbox.received
    assert received.rcpt_tos == ["alice@example.xn--p1ai", "bob@xn--e1afmkfd.xn--p1ai"]
    assert received.mail_from == "no-reply@bank.example"
    events = httpx.get(f"{service.url}/v1/notifications/{notification_id}/events", headers=auth).json()
    assert events[0]["data"]["message"]["to"] == body["to"]
    assert service.terminate() == 0
