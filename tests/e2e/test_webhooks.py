"""Signed webhooks, end to end: the real service tells a real receiver, which verifies every request
with the `standardwebhooks` package."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Service
from tests.e2e.test_service import issue_token, send, wait_until_delivered
from tests.webhook_receiver import Receiver

SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 1234"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    receiver.start()
    yield receiver
    receiver.stop()


def set_webhook(service: Service, receiver: Receiver, host: str = "127.0.0.1") -> None:
    answer = service.cli("webhook", "set", "--client", "bank", "--url", receiver.url(host))
    assert answer.returncode == 0, answer.stderr
    receiver.secret = answer.stdout.strip()
    assert receiver.secret.startswith("whsec_")


def allow_private(service: Service) -> Service:
    service.env["NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE"] = "true"  # the receiver listens on 127.0.0.1
    return service


def log_records(service: Service, event: str, seconds: float = 30) -> list[dict[str, object]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lines = service.log.read_text().splitlines()
        found = [
            r for r in (json.loads(line) for line in lines if line.startswith("{")) if r["event"] == event
        ]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no {event} in the service's log")


def test_a_delivered_notification_is_told_once_in_a_verified_signed_post(
    service: Service, receiver: Receiver
) -> None:
    allow_private(service).start()
    set_webhook(service, receiver)
    auth = issue_token(service)
    first = send(service, auth, SMS)
    [told] = receiver.wait_for(1)
    second = send(service, auth, SMS)
    received = receiver.wait_for(2)
    assert [r.payload["data"]["id"] for r in receiver.verified()] == [first, second]
    assert told.payload["type"] == "notification.delivered"
    assert told.payload["data"]["status"] == "delivered"
    assert told.payload["timestamp"].endswith("Z")
    assert received[0].id != received[1].id
    assert told.headers["content-type"] == "application/json"
    log = service.log.read_text()
    assert receiver.secret not in log and "Your code is 1234" not in log


def test_a_receiver_that_fails_twice_gets_the_same_webhook_id_three_times(
    service: Service, receiver: Receiver
) -> None:
    receiver.answers = [500, 503]
    allow_private(service).start()
    set_webhook(service, receiver)
    notification = send(service, issue_token(service), SMS)
    received = receiver.wait_for(3)
    assert len({r.id for r in receiver.verified()}) == 1
    assert [r.payload["data"]["id"] for r in received] == [notification] * 3
    assert len(log_records(service, "webhook.accepted")) == 1


def test_retries_go_on_after_a_restart_of_the_service(service: Service, receiver: Receiver) -> None:
    receiver.answers = [500] * 1000
    allow_private(service).start()
    set_webhook(service, receiver)
    auth = issue_token(service)
    send(service, auth, SMS)
    receiver.wait_for(1)
    assert service.terminate() == 0
    with receiver.lock:
        receiver.answers.clear()  # from now on, 200
        tried = len(receiver.received)
    service.start()
    received = receiver.wait_for(tried + 1)
    assert len({r.id for r in receiver.verified()}) == 1
    log_records(service, "webhook.accepted")
    assert len(received) == tried + 1


def test_removing_the_webhook_stops_its_retries(service: Service, receiver: Receiver) -> None:
    receiver.answers = [500] * 1000
    allow_private(service).start()
    set_webhook(service, receiver)
    send(service, issue_token(service), SMS)
    receiver.wait_for(1)
    removed = service.cli("webhook", "remove", "--client", "bank")
    assert removed.returncode == 0, removed.stderr
    [abandoned] = log_records(service, "webhook.abandoned")
    assert "removed" in str(abandoned["outcome"])
    tried = len(receiver.received)
    send(service, issue_token(service), SMS)  # no webhook any more: nothing to tell
    assert service.terminate() == 0
    assert len(receiver.received) == tried


def test_a_host_resolving_to_a_loopback_address_is_refused_without_the_setting(
    service: Service, receiver: Receiver
) -> None:
    service.start()
    set_webhook(service, receiver, host="localhost")
    auth = issue_token(service)
    notification = send(service, auth, SMS)
    wait_until_delivered(service, auth, [notification])
    [abandoned] = log_records(service, "webhook.abandoned")
    assert "localhost resolves to" in str(abandoned["outcome"])
    assert "NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE" in str(abandoned["outcome"])
    assert receiver.received == []


def test_a_receiver_that_never_answers_does_not_delay_deliveries(
    service: Service, receiver: Receiver
) -> None:
    receiver.holding.set()
    service.env |= {"NOTIFICATIONS_WEBHOOK_TIMEOUT": "120", "NOTIFICATIONS_WEBHOOK_CONCURRENCY": "1"}
    allow_private(service).start()
    set_webhook(service, receiver)
    auth = issue_token(service)
    send(service, auth, SMS)
    receiver.wait_for(1)  # and held: the webhook task's only slot is taken
    later = [send(service, auth, SMS) for _ in range(5)]
    wait_until_delivered(service, auth, later)
    assert not receiver.released.is_set() and len(receiver.received) == 1
    receiver.released.set()
    assert len(receiver.wait_for(6, seconds=60)) >= 6
