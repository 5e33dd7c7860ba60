"""The service's container and HTTP app set up for Twilio against the tests' local Twilio server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import TestClient

from bootstrap.container import Container
from bootstrap.settings import load_settings
from domain.messages import message_from_dict
from domain.notification import Status
from entrypoints.http.app import create_app
from entrypoints.processes import container_for
from tests.twilio_server import ACCOUNT_SID, AUTH_TOKEN, TwilioServer

PUBLIC_URL = "https://notifications.example.org/v1/providers/twilio/status"
SMS_FROM, WHATSAPP_FROM = "+15005550006", "whatsapp:+14155238886"


class Service:
    """The container and the HTTP app of one process, driven from its own event loop."""

    def __init__(self, container: Container, client: TestClient[Litestar]) -> None:
        self.container = container
        self.client = client

    def send(self, channel: str, fields: dict[str, Any]) -> UUID:
        message = message_from_dict(channel, fields)
        notification = self.client.blocking_portal.call(
            self.container.notifications().send_notification, "bank", message
        )
        self.client.blocking_portal.call(self.container.deliveries().deliver_notification, notification.id)
        return notification.id

    def deliver_again(self, notification_id: UUID) -> bool:
        deliver = self.container.deliveries().deliver_notification
        return self.client.blocking_portal.call(deliver, notification_id).done

    def status(self, notification_id: UUID) -> tuple[Status, str | None]:
        get = self.container.notifications().get_notification_status
        notification = self.client.blocking_portal.call(get, "bank", notification_id)
        return notification.status, notification.reason

    def events(self, notification_id: UUID) -> list[Any]:
        get = self.container.notifications().get_notification_events
        return self.client.blocking_portal.call(get, "bank", notification_id)

    def callback(self, url: str, form: dict[str, str], signature: str | None) -> Any:
        headers = {"X-Twilio-Signature": signature} if signature is not None else {}
        return self.client.post(
            url.removeprefix("https://notifications.example.org"), data=form, headers=headers
        )


def start(tmp_path: Path, twilio: TwilioServer, **extra: str) -> Iterator[Service]:
    settings = {
        "DATA_DIR": str(tmp_path),
        "EVENT_STORE": "memory",
        "RETRY_BASE_DELAY": "0.01",
        "SMS_PROVIDER": "twilio",
        "WHATSAPP_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_SMS_FROM": SMS_FROM,
        "TWILIO_WHATSAPP_FROM": WHATSAPP_FROM,
        "TWILIO_STATUS_CALLBACK_URL": PUBLIC_URL,
        "TWILIO_API_BASE_URL": twilio.url,
        "TWILIO_TIMEOUT": "1",
    } | extra
    container = container_for(load_settings({f"NOTIFICATIONS_{k}": v for k, v in settings.items() if v}))
    with TestClient(create_app(container, run_worker=False)) as client:
        yield Service(container, client)
        client.blocking_portal.call(container.deliveries().close)
