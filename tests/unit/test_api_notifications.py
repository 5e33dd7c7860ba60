"""/v1/notifications over HTTP: sending each kind, reading it back, and what one client may see."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from domain.access import REGISTER_ID
from tests.unit.conftest import EMAIL, PROBLEM, SMS, WHATSAPP, Bearer, without_instance

KINDS = [pytest.param(EMAIL, id="email"), pytest.param(SMS, id="sms"), pytest.param(WHATSAPP, id="whatsapp")]


@pytest.mark.parametrize("request_body", KINDS)
def test_each_kind_of_notification_is_accepted_with_202_pending_at_its_location(
    client: TestClient[Litestar], auth: dict[str, str], request_body: dict[str, Any]
) -> None:
    response = client.post("/v1/notifications", json=request_body, headers=auth)

    assert response.status_code == 202
    view = response.json()
    assert response.headers["Location"] == f"/v1/notifications/{uuid.UUID(view['id'])}"
    assert response.headers["Content-Type"] == "application/json"
    assert view["channel"] == request_body["channel"]
    assert view["status"] == "pending"
    assert view["attempts"] == 0
    assert view["reason"] is None
    assert view["reference"] == request_body["reference"]
    assert view["created_at"] == view["updated_at"]


@pytest.mark.parametrize("request_body", KINDS)
def test_an_accepted_notification_reads_back_as_the_same_view(
    client: TestClient[Litestar], auth: dict[str, str], request_body: dict[str, Any]
) -> None:
    accepted = client.post("/v1/notifications", json=request_body, headers=auth)

    response = client.get(accepted.headers["Location"], headers=auth)

    assert response.status_code == 200
    assert response.json() == accepted.json()


@pytest.mark.parametrize("request_body", KINDS)
def test_the_events_of_a_notification_begin_with_the_request_as_sent(
    client: TestClient[Litestar], auth: dict[str, str], request_body: dict[str, Any]
) -> None:
    location = client.post("/v1/notifications", json=request_body, headers=auth).headers["Location"]

    response = client.get(f"{location}/events", headers=auth)

    assert response.status_code == 200
    events = response.json()
    assert isinstance(events, list)
    first = events[0]
    assert (first["type"], first["version"]) == ("Requested", 1)
    assert first["data"]["channel"] == request_body["channel"]
    assert first["data"]["reference"] == request_body["reference"]
    message = {name: value for name, value in request_body.items() if name not in ("channel", "reference")}
    assert first["data"]["message"].items() >= message.items()


def test_an_email_keeps_both_its_text_and_html_parts(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    location = client.post("/v1/notifications", json=EMAIL, headers=auth).headers["Location"]

    message = client.get(f"{location}/events", headers=auth).json()[0]["data"]["message"]

    assert (message["text"], message["html"]) == (EMAIL["text"], EMAIL["html"])


def test_each_post_without_an_idempotency_key_makes_a_new_notification(
    client: TestClient[Litestar], auth: dict[str, str], stored: Callable[[], list[uuid.UUID]]
) -> None:
    first = client.post("/v1/notifications", json=SMS, headers=auth).json()["id"]
    second = client.post("/v1/notifications", json=SMS, headers=auth).json()["id"]

    assert first != second
    assert stored() == [uuid.UUID(first), uuid.UUID(second)]


def test_an_unknown_notification_is_not_found_as_a_problem(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    path = f"/v1/notifications/{uuid.uuid4()}"

    response = client.get(path, headers=auth)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": "about:blank",
        "title": "Not found",
        "status": 404,
        "detail": "no such notification",
        "instance": path,
    }


@pytest.mark.parametrize("suffix", ["", "/events"])
def test_another_clients_notification_is_not_found_exactly_like_an_unknown_one(
    client: TestClient[Litestar], auth: dict[str, str], bearer: Bearer, suffix: str
) -> None:
    location = client.post("/v1/notifications", json=SMS, headers=auth).headers["Location"]
    intruder = bearer("shop")

    theirs = client.get(f"{location}{suffix}", headers=intruder)
    unknown = client.get(f"/v1/notifications/{uuid.uuid4()}{suffix}", headers=intruder)

    assert theirs.status_code == unknown.status_code == 404
    assert theirs.headers["Content-Type"] == unknown.headers["Content-Type"] == PROBLEM
    assert without_instance(theirs.json()) == without_instance(unknown.json())
    assert client.get(f"{location}{suffix}", headers=auth).status_code == 200


@pytest.mark.parametrize("suffix", ["", "/events"])
def test_the_token_register_is_not_readable_as_a_notification(
    client: TestClient[Litestar], auth: dict[str, str], suffix: str
) -> None:
    response = client.get(f"/v1/notifications/{REGISTER_ID}{suffix}", headers=auth)

    assert response.status_code == 404
    assert response.json()["detail"] == "no such notification"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_notification_cannot_be_changed_or_deleted_and_405_says_what_is_allowed(
    client: TestClient[Litestar], auth: dict[str, str], method: str
) -> None:
    location = client.post("/v1/notifications", json=SMS, headers=auth).headers["Location"]

    response = client.request(method, location, json=SMS, headers=auth)

    assert response.status_code == 405
    assert "GET" in [allowed.strip() for allowed in response.headers["Allow"].split(",")]
    assert response.headers["Content-Type"] == PROBLEM
    assert response.json()["status"] == 405
    assert client.get(location, headers=auth).json()["status"] == "pending"


def test_an_options_request_is_answered_with_the_allowed_methods_not_a_server_error(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    location = client.post("/v1/notifications", json=SMS, headers=auth).headers["Location"]

    response = client.options(location)

    assert response.status_code == 204
    assert "GET" in response.headers["Allow"]


def test_liveness_answers_without_a_token(client: TestClient[Litestar]) -> None:
    response = client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readiness_answers_without_a_token_once_the_store_and_queue_answer(
    client: TestClient[Litestar],
) -> None:
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "event_store": "ok", "queue": "ok"}


def test_the_openapi_schema_is_public_and_describes_the_three_kinds_of_request(
    client: TestClient[Litestar],
) -> None:
    response = client.get("/schema/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    assert {"EmailRequest", "SmsRequest", "WhatsAppRequest"} <= set(schema["components"]["schemas"])
    assert "post" in schema["paths"]["/v1/notifications"]
