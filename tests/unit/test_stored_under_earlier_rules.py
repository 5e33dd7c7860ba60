"""A notification accepted under earlier rules stays readable and deliverable after the rules grow
stricter: messages read back from their events are not checked again."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from bootstrap.container import Container
from domain.messages import InvalidMessage, message_from_dict
from domain.notification import Status
from tests.fakes import RecordingProvider

EARLIER = [
    ("sms", {"to": "+15551234567", "body": "a\x00b"}),
    ("sms", {"to": "+15551234567", "body": "\N{GRINNING FACE}" * 1600}),
    ("whatsapp", {"to": "+15551234567", "body": "del\x7f"}),
    (
        "email",
        {
            "to": ["ops@bank.local"],
            "subject": "Statement",
            "text": "nul\x00",
            "html": None,
            "cc": [],
            "bcc": [],
        },
    ),
]


@pytest.mark.parametrize(("channel", "data"), EARLIER, ids=[c for c, _ in EARLIER])
def test_a_message_refused_today_is_refused_when_made(channel: str, data: dict[str, Any]) -> None:
    with pytest.raises(InvalidMessage):
        message_from_dict(channel, data)


@pytest.mark.parametrize(("channel", "data"), EARLIER, ids=[c for c, _ in EARLIER])
def test_a_message_accepted_under_earlier_rules_is_read_and_delivered(
    channel: str,
    data: dict[str, Any],
    container: Container,
    client: TestClient[Litestar],
    auth: dict[str, str],
    provider: RecordingProvider,
) -> None:
    earlier = message_from_dict(channel, data, checked=False)
    stored = client.blocking_portal.call(container.notifications().send_notification, "bank", earlier)

    before = client.get(f"/v1/notifications/{stored.id}", headers=auth)
    outcome = client.blocking_portal.call(container.deliveries().deliver_notification, stored.id)
    after = client.get(f"/v1/notifications/{stored.id}", headers=auth)

    assert before.status_code == 200 and before.json()["status"] == "pending"
    assert outcome.done
    assert after.json()["status"] == Status.DELIVERED
    assert [n.message.as_dict() for n in provider.delivered] == [earlier.as_dict()]
