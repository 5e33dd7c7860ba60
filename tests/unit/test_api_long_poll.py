"""GET /v1/notifications/{id}?wait=N over HTTP: its parameter, its answer, HEAD, and the description."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from bootstrap.container import Container
from domain.notification import Notification, Receipt
from tests.unit.conftest import PROBLEM, SMS
from tests.waiters import until_waiting


def deliver_once_waited_for(client: TestClient[Litestar], container: Container, notification_id: str) -> None:
    """Delivers the notification, on the app's loop, as soon as a request waits for it."""

    async def deliver() -> None:
        await until_waiting(container.changes(), 1)
        store = container.grouped_store()
        notification: Notification = await store.get(uuid.UUID(notification_id))
        notification.deliver(Receipt("fake", "m-1"))
        await store.save(notification)

    client.blocking_portal.start_task_soon(deliver)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_long_poll_answers_with_the_outcome_once_it_is_recorded(
    client: TestClient[Litestar], container: Container, auth: dict[str, str], method: str
) -> None:
    location = client.post("/v1/notifications", json=SMS, headers=auth).headers["Location"]
    deliver_once_waited_for(client, container, location.rpartition("/")[2])

    answered = client.request(method, f"{location}?wait=30", headers=auth)

    assert answered.status_code == 200
    after = client.get(location, headers=auth)
    assert after.json()["status"] == "delivered"
    if method == "GET":
        assert answered.json() == after.json()
    else:  # HEAD waits as GET does: the same headers, no body
        assert answered.content == b""
        assert int(answered.headers["content-length"]) == len(after.content)
    assert container.changes().waiting() == 0


def test_a_long_poll_without_news_answers_pending_after_its_seconds(
    client: TestClient[Litestar], container: Container, auth: dict[str, str]
) -> None:
    location = client.post("/v1/notifications", json=SMS, headers=auth).headers["Location"]

    answered = client.get(f"{location}?wait=1", headers=auth)

    assert answered.status_code == 200
    assert answered.json()["status"] == "pending"
    assert container.changes().waiting() == 0


@pytest.mark.parametrize("wait", ["0", "1"])
def test_wait_0_or_unknown_id_answers_at_once_as_a_plain_get(
    client: TestClient[Litestar], container: Container, auth: dict[str, str], wait: str
) -> None:
    missing = client.get(f"/v1/notifications/{uuid.uuid4()}?wait=30", headers=auth)
    location = client.post("/v1/notifications", json=SMS, headers=auth).headers["Location"]
    plain = client.get(f"{location}?wait={wait}", headers=auth)

    assert missing.status_code == 404
    assert plain.json()["status"] == "pending"
    assert container.changes().waiting() == 0


@pytest.mark.parametrize(
    ("wait", "reason"),
    [
        ("31", "expected `int` <= 30"),
        ("-1", "expected `int` >= 0"),
        ("1.5", "expected `int`, got `str`"),
        ("soon", "expected `int`, got `str`"),
        ("", "expected `int`, got `str`"),
    ],
)
def test_a_wait_out_of_range_or_not_a_whole_number_is_a_problem_naming_wait(
    client: TestClient[Litestar], auth: dict[str, str], wait: str, reason: str
) -> None:
    location = client.post("/v1/notifications", json=SMS, headers=auth).headers["Location"]

    answered = client.get(f"{location}?wait={wait}", headers=auth)

    assert answered.status_code == 400
    assert answered.headers["Content-Type"] == PROBLEM
    assert answered.json()["invalid_params"] == [{"name": "wait", "reason": reason}]


def test_the_description_says_wait_is_a_whole_number_of_seconds_from_0_to_30(
    client: TestClient[Litestar],
) -> None:
    document = client.get("/schema/openapi.json").json()
    operation = document["paths"]["/v1/notifications/{notification_id}"]["get"]

    [wait] = [p for p in operation["parameters"] if p["name"] == "wait"]

    assert wait["in"] == "query"
    assert wait["required"] is False
    schema: dict[str, Any] = wait["schema"]
    assert (schema["type"], schema["minimum"], schema["maximum"], schema["default"]) == ("integer", 0, 30, 0)
    assert "400" in operation["responses"]
