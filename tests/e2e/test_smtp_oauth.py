"""`notifications serve` sends an email over SMTP with XOAUTH2: a token from a real token endpoint, an
aiosmtpd server that takes only that token, and nothing secret in the service's log."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.conftest import Service, free_port
from tests.e2e.test_real_providers import EMAIL, assert_logs_keep
from tests.e2e.test_service import issue_token, send, wait_until_delivered
from tests.smtp_server import MailServer, OAuthMailbox, self_signed_certificate
from tests.token_endpoint import CLIENT_ID, CLIENT_SECRET, SCOPE, TokenEndpoint

MAILBOX = "no-reply@bank.example"


def test_an_email_is_delivered_over_smtp_with_an_oauth_token(service: Service, tmp_path: Path) -> None:
    endpoint = TokenEndpoint().start()
    mailbox = OAuthMailbox(offer_dsn=True, username=MAILBOX, current=lambda: endpoint.current)
    cert, key = self_signed_certificate(tmp_path)
    server = MailServer(mailbox, cert, key, port=free_port())
    server.start()
    service.env |= {
        "NOTIFICATIONS_EMAIL_PROVIDER": "smtp",
        "NOTIFICATIONS_EMAIL_FROM": f"Bank <{MAILBOX}>",
        "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "NOTIFICATIONS_SMTP_PORT": str(server.port),
        "NOTIFICATIONS_SMTP_CA_FILE": str(cert),
        "NOTIFICATIONS_SMTP_USERNAME": MAILBOX,
        "NOTIFICATIONS_SMTP_AUTH": "xoauth2",
        "NOTIFICATIONS_SMTP_OAUTH_TOKEN_URL": endpoint.url,
        "NOTIFICATIONS_SMTP_OAUTH_CLIENT_ID": CLIENT_ID,
        "NOTIFICATIONS_SMTP_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        "NOTIFICATIONS_SMTP_OAUTH_SCOPE": SCOPE,
        "NOTIFICATIONS_LOG_LEVEL": "debug",
    }
    try:
        service.start()
        auth = issue_token(service)
        notification_id = send(service, auth, EMAIL)
        wait_until_delivered(service, auth, [notification_id])
    finally:
        server.stop()
        endpoint.stop()
    [received] = mailbox.received
    assert received.login == MAILBOX
    assert mailbox.offered == endpoint.issued and len(endpoint.issued) == 1
    assert received.mail_options == ["RET=HDRS", f"ENVID={notification_id}"]
    events = httpx.get(f"{service.url}/v1/notifications/{notification_id}/events", headers=auth).json()
    assert [event["type"] for event in events] == ["Requested", "DeliveryStarted", "Delivered"]
    assert service.terminate() == 0
    assert_logs_keep(service, CLIENT_SECRET, *endpoint.issued, "alice@example.org", "Hello Alice")
