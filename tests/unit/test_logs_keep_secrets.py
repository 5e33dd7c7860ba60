"""Logs never hold a recipient in clear, a message's content, a token or a key, on any path."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import structlog
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient
from structlog.testing import capture_logs

from application.errors import PermanentDeliveryError, TransientDeliveryError
from bootstrap.container import Container
from bootstrap.settings import Settings, load_settings
from domain.messages import Channel, message_from_dict
from domain.notification import Notification, Receipt
from tests.unit.conftest import Bearer

JWT_SECRET = "jwt-secret-that-must-never-be-logged-0123456789"
CIPHER_KEY = "H3YHc2m0xS6Dnl2sQ3dFJpS1ZqgQbQ3rVZ8oUq0vW1c="
EMAIL = {
    "channel": "email",
    "to": ["ada.lovelace@example.org"],
    "cc": ["charles.babbage@example.org"],
    "bcc": ["audit.copy@example.org"],
    "reply_to": "replies.here@example.org",
    "subject": "Statement 2026-11 for account 4242",
    "text": "Hello Ada, your balance is 1,234.56",
    "html": "<p>Hello Ada, your balance is 1,234.56</p>",
}
SMS = {"channel": "sms", "to": "+15551234567", "body": "Your one-time code is 483920"}
WHATSAPP = {"channel": "whatsapp", "to": "+447911123456", "body": "Parcel 7781 arrives today"}
BAD_INPUT = [
    EMAIL | {"to": ["ada.lovelace@example"]},
    SMS | {"to": "+0551234567"},
    SMS | {"body": "Your one-time code is 483920" * 100},
    EMAIL | {"subject": "Statement\nfor Ada"},
]
CONTENT = [
    "ada.lovelace@example.org",
    "charles.babbage@example.org",
    "audit.copy@example.org",
    "replies.here@example.org",
    "ada.lovelace@example",
    "+15551234567",
    "+0551234567",
    "+447911123456",
    "Statement 2026-11",
    "balance is 1,234.56",
    "483920",
    "Parcel 7781",
    JWT_SECRET,
    CIPHER_KEY,
]


class ScriptedProvider:
    """Fails with the given errors in turn, then takes every message."""

    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors

    async def deliver(self, notification: Notification) -> Receipt:
        if self.errors:
            raise self.errors.pop(0)
        return Receipt("fake", f"sent-{notification.id}")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_EVENT_STORE": "memory",
            "NOTIFICATIONS_CIPHER_KEY": CIPHER_KEY,
            "NOTIFICATIONS_JWT_SECRET": JWT_SECRET,
            "NOTIFICATIONS_MAX_ATTEMPTS": "2",
            "NOTIFICATIONS_RETRY_BASE_DELAY": "0.01",
        }
    )


@pytest.fixture
def provider() -> ScriptedProvider:
    return ScriptedProvider(
        [
            TransientDeliveryError("421 4.7.0 mailbox busy, try again later"),
            PermanentDeliveryError("21610: the recipient has unsubscribed"),
            RuntimeError("the provider's client failed"),
        ]
    )


def test_no_state_change_or_error_logs_a_recipient_content_a_token_or_a_key(
    client: TestClient[Litestar],
    container: Container,
    bearer: Bearer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with capture_logs(processors=[structlog.processors.format_exc_info]) as logs:
        tokens = drive_every_path(client, container, bearer)
    seen = {entry["event"] for entry in logs}
    assert {
        "token.issued",
        "token.revoked",
        "notification.requested",
        "notification.replayed",
        "notification.attempt_failed",
        "notification.delivered",
        "notification.refused",
        "delivery.provider_error",
        "http.request",
    } <= seen
    assert {entry["status"] for entry in logs if entry["event"] == "http.request"} >= {202, 400, 401}
    text = "\n".join(map(repr, logs)) + "\n" + caplog.text
    assert [secret for secret in [*CONTENT, *tokens] if secret in text] == []


def drive_every_path(client: TestClient[Litestar], container: Container, bearer: Bearer) -> list[str]:
    """Issues and revokes tokens, sends good and bad requests, and delivers: returns the tokens used."""
    auth, revoked = bearer(), bearer("other-client")
    sent = [client.post("/v1/notifications", json=body, headers=auth) for body in (EMAIL, SMS, WHATSAPP)]
    assert [answer.status_code for answer in sent] == [202, 202, 202]
    again = {**auth, "Idempotency-Key": "statement-2026-11"}
    assert [client.post("/v1/notifications", json=EMAIL, headers=again).status_code for _ in "ab"] == [
        202,
        202,
    ]
    assert [client.post("/v1/notifications", json=b, headers=auth).status_code for b in BAD_INPUT] == [
        400
    ] * 4
    records = client.blocking_portal.call(container.access().list_tokens)
    other = next(record.id for record in records if record.client == "other-client")
    client.blocking_portal.call(container.access().revoke_token, other)
    forged = auth["Authorization"][:-4] + "AAAA"
    for header in (revoked["Authorization"], forged, "Bearer not-a-token"):
        assert (
            client.post("/v1/notifications", json=SMS, headers={"Authorization": header}).status_code == 401
        )
    client.blocking_portal.call(deliver_everything, container)
    return [auth["Authorization"].split()[1], revoked["Authorization"].split()[1], forged.split()[1]]


async def deliver_everything(container: Container) -> None:
    logged = await container.event_store().requested_after(0, 100)
    deliveries = container.deliveries()
    for _ in range(3):
        for request in logged:
            await deliveries.deliver_notification(request.notification_id)


@pytest.mark.parametrize(
    "error",
    [
        PermanentDeliveryError("21211: The 'To' number +15551234567 is not a valid phone number"),
        RuntimeError("POST /Messages.json failed for To=+15551234567"),
    ],
    ids=["refusal", "provider bug"],
)
async def test_a_provider_error_that_quotes_the_recipient_is_not_logged_in_clear(
    container: Container, error: Exception
) -> None:
    provider = ScriptedProvider([error])
    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, provider))):
        sent = await container.notifications().send_notification("bank", message_from_dict("sms", SMS))
        with capture_logs(processors=[structlog.processors.format_exc_info]) as logs:
            await container.deliveries().deliver_notification(sent.id)
    assert "+15551234567" not in repr(logs)
