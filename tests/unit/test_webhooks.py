"""The webhook register: URLs it takes, secrets it makes, and the ids of messages."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from standardwebhooks import Webhook

from application.webhooks import new_secret
from domain.webhooks import InvalidWebhook, NoWebhook, Webhooks, message_id

NOW = datetime(2026, 11, 29, tzinfo=UTC)


@pytest.mark.parametrize(
    "url",
    [
        "https://bank.example/hooks",
        "http://10.0.0.5:8080/hooks?client=web",
        "https://[2001:db8::1]/hooks",
        "https://bücher.example/hooks",
    ],
)
def test_an_absolute_http_or_https_url_is_taken(url: str) -> None:
    register = Webhooks()
    register.set("bank", url, new_secret(), NOW)
    assert register.endpoint("bank").url == url  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://bank.example/hooks",
        "bank.example/hooks",
        "https:///hooks",
        "https://user:pass@bank.example/hooks",
        "https://bank.example/hooks#part",
        "https://bank.example/ho oks",
        "https://bank.example:99999/hooks",
        "https://bank.example/" + "a" * 2048,
    ],
)
def test_anything_else_is_refused_with_a_reason(url: str) -> None:
    with pytest.raises(InvalidWebhook, match="URL"):
        Webhooks().set("bank", url, new_secret(), NOW)


def test_a_client_name_is_checked_as_for_tokens() -> None:
    with pytest.raises(InvalidWebhook, match="client name"):
        Webhooks().set("a bank", "https://bank.example/hooks", new_secret(), NOW)


def test_a_secret_is_32_random_bytes_that_standard_webhooks_libraries_read() -> None:
    secret, other = new_secret(), new_secret()
    assert secret.startswith("whsec_") and secret != other
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    now = datetime.fromtimestamp(int(datetime.now(UTC).timestamp()), UTC)
    headers = {
        "webhook-id": "msg-1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg-1", now, "{}"),
    }
    assert Webhook(secret).verify("{}", headers) == {}
    assert headers["webhook-signature"].startswith("v1,")


def test_setting_again_replaces_and_removing_forgets() -> None:
    register = Webhooks()
    register.set("bank", "https://bank.example/a", "whsec_one", NOW)
    register.set("bank", "https://bank.example/b", "whsec_two", NOW)
    assert register.endpoint("bank").secret == "whsec_two"  # type: ignore[union-attr]
    register.remove("bank", NOW)
    assert register.endpoint("bank") is None
    with pytest.raises(NoWebhook):
        register.remove("bank", NOW)


def test_a_message_id_is_the_same_for_one_notification_and_kind_only() -> None:
    notification = uuid4()
    assert message_id(notification, "notification.delivered") == message_id(
        notification, "notification.delivered"
    )
    assert message_id(notification, "notification.delivered") != message_id(notification, "notification.read")
    assert message_id(notification, "notification.delivered") != message_id(uuid4(), "notification.delivered")
