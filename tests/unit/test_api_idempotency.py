"""The Idempotency-Key header: a repeated request returns the notification the first one made."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

from litestar import Litestar
from litestar.testing import AsyncTestClient, TestClient

from bootstrap.container import Container
from tests.conftest import issue
from tests.unit.conftest import PROBLEM, SMS, Bearer

Stored = Callable[[], list[uuid.UUID]]


def test_the_same_key_with_the_same_body_returns_the_same_notification_and_stores_it_once(
    client: TestClient[Litestar], auth: dict[str, str], stored: Stored
) -> None:
    headers = {**auth, "Idempotency-Key": "order-42"}

    first = client.post("/v1/notifications", json=SMS, headers=headers)
    again = client.post("/v1/notifications", json=SMS, headers=headers)

    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert stored() == [uuid.UUID(first.json()["id"])]


def test_the_same_key_with_a_different_body_is_refused_with_422_and_changes_nothing(
    client: TestClient[Litestar], auth: dict[str, str], stored: Stored
) -> None:
    headers = {**auth, "Idempotency-Key": "order-42"}
    first = client.post("/v1/notifications", json=SMS, headers=headers)

    response = client.post("/v1/notifications", json={**SMS, "body": "Another code"}, headers=headers)

    assert response.status_code == 422
    assert response.headers["Content-Type"] == PROBLEM
    problem = response.json()
    assert (problem["status"], problem["title"]) == (422, "Unprocessable request")
    assert "Idempotency-Key" in problem["detail"]
    assert stored() == [uuid.UUID(first.json()["id"])]
    events = client.get(f"{first.headers['Location']}/events", headers=auth).json()
    assert [event["data"]["message"]["body"] for event in events] == [SMS["body"]]


def test_the_same_key_with_another_reference_counts_as_a_different_request(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    headers = {**auth, "Idempotency-Key": "order-42"}
    client.post("/v1/notifications", json=SMS, headers=headers)

    response = client.post("/v1/notifications", json={**SMS, "reference": "other"}, headers=headers)

    assert response.status_code == 422


async def test_concurrent_requests_with_the_same_key_make_one_notification(
    app: Litestar, container: Container
) -> None:
    async with AsyncTestClient(app) as client:
        headers = {"Authorization": f"Bearer {await issue(container)}", "Idempotency-Key": "order-42"}

        responses = await asyncio.gather(
            *(client.post("/v1/notifications", json=SMS, headers=headers) for _ in range(8))
        )
        logged = await container.event_store().requested_after(0, 1000)

    assert [response.status_code for response in responses] == [202] * 8
    ids = {response.json()["id"] for response in responses}
    assert len(ids) == 1
    assert [request.notification_id for request in logged] == [uuid.UUID(ids.pop())]


def test_the_same_key_from_two_clients_makes_two_notifications_each_seen_by_its_own_client(
    client: TestClient[Litestar], auth: dict[str, str], bearer: Bearer, stored: Stored
) -> None:
    shop = bearer("shop")

    bank_view = client.post("/v1/notifications", json=SMS, headers={**auth, "Idempotency-Key": "k-1"}).json()
    shop_view = client.post("/v1/notifications", json=SMS, headers={**shop, "Idempotency-Key": "k-1"}).json()

    assert bank_view["id"] != shop_view["id"]
    assert sorted(stored()) == sorted([uuid.UUID(bank_view["id"]), uuid.UUID(shop_view["id"])])
    assert client.get(f"/v1/notifications/{bank_view['id']}", headers=auth).status_code == 200
    assert client.get(f"/v1/notifications/{shop_view['id']}", headers=shop).status_code == 200
    assert client.get(f"/v1/notifications/{shop_view['id']}", headers=auth).status_code == 404


def test_two_different_keys_make_two_notifications(
    client: TestClient[Litestar], auth: dict[str, str], stored: Stored
) -> None:
    first = client.post("/v1/notifications", json=SMS, headers={**auth, "Idempotency-Key": "a"}).json()
    second = client.post("/v1/notifications", json=SMS, headers={**auth, "Idempotency-Key": "b"}).json()

    assert first["id"] != second["id"]
    assert len(stored()) == 2


def test_an_empty_or_overlong_idempotency_key_is_refused_with_400_naming_it(
    client: TestClient[Litestar], auth: dict[str, str], stored: Stored
) -> None:
    for key in ("", "k" * 256):
        response = client.post("/v1/notifications", json=SMS, headers={**auth, "Idempotency-Key": key})

        assert response.status_code == 400
        assert response.headers["Content-Type"] == PROBLEM
        assert response.json()["invalid_params"][0]["name"] == "idempotency_key"
    assert stored() == []
