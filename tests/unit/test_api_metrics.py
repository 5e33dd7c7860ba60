"""GET /metrics: what a scrape shows after requests and deliveries, who may scrape, and the off switch."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from dependency_injector import providers
from litestar import Litestar
from litestar.testing import TestClient

from application.errors import PermanentDeliveryError, TransientDeliveryError
from bootstrap.container import Container, build_container
from bootstrap.settings import load_settings
from domain.messages import Channel
from entrypoints.http.app import create_app
from tests.conftest import issue
from tests.fakes import RecordingProvider
from tests.scrapes import Scrape
from tests.unit.conftest import EMAIL, PROBLEM, SMS

TOKEN = "scrape-me-0123456789abcdef"


def scrape(client: TestClient[Litestar], **headers: str) -> Scrape:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return Scrape(response.text)


def send(client: TestClient[Litestar], auth: dict[str, str], body: dict[str, object]) -> uuid.UUID:
    response = client.post("/v1/notifications", json=body, headers=auth)
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


def deliver(client: TestClient[Litestar], container: Container, notification_id: uuid.UUID) -> None:
    client.blocking_portal.call(container.deliveries().deliver_notification, notification_id)


def test_a_sent_sms_moves_the_accepted_and_delivered_counters_of_its_channel_and_provider(
    client: TestClient[Litestar], container: Container, auth: dict[str, str]
) -> None:
    deliver(client, container, send(client, auth, SMS))

    after = scrape(client)

    sms = {"channel": "sms", "provider": "outbox"}
    assert after.value("notifications_accepted_total", **sms) == 1
    assert after.value("notifications_delivery_attempts_total", **sms) == 1
    assert after.value("notifications_delivered_total", **sms) == 1
    assert after.value("notifications_delivery_duration_seconds_count", **sms) == 1
    assert after.value("notifications_refused_total", **sms) == 0
    assert after.total("notifications_accepted_total", channel="email") == 0
    assert after.value("notifications_deliveries_in_flight", **sms) == 0


def test_requests_are_counted_by_route_template_method_and_status_and_posts_are_timed(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    notification_id = send(client, auth, SMS)
    client.get(f"/v1/notifications/{notification_id}", headers=auth)
    client.get(f"/v1/notifications/{uuid.uuid4()}", headers=auth)
    client.post("/v1/notifications", json=SMS)  # no token
    client.get("/no/such/path")

    after = scrape(client)

    requests = "notifications_http_requests_total"
    assert after.value(requests, route="/v1/notifications", method="POST", status="202") == 1
    assert after.value(requests, route="/v1/notifications", method="POST", status="401") == 1
    status_routes = {
        dict(labels)["route"]
        for (name, labels) in after.samples
        if name == requests and ("method", "GET") in labels
    }
    assert status_routes == {"/v1/notifications/{notification_id}", "unmatched"}
    assert after.total(requests, method="GET", status="404") == 2
    assert after.value("notifications_http_request_duration_seconds_count", route="/v1/notifications") == 2
    assert after.total("notifications_http_request_duration_seconds_count", route="unmatched") == 0


@pytest.mark.parametrize(
    ("failure", "error_class", "refused"),
    [
        (TransientDeliveryError("busy"), "transient", 0),
        (PermanentDeliveryError("no such number"), "permanent", 1),
    ],
)
def test_a_provider_error_is_counted_by_its_class_and_a_refusal_by_channel(
    client: TestClient[Litestar],
    container: Container,
    auth: dict[str, str],
    failure: Exception,
    error_class: str,
    refused: int,
) -> None:
    failing = RecordingProvider(failures=[failure])
    notification_id = send(client, auth, EMAIL)
    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, failing))):
        deliver(client, container, notification_id)

    after = scrape(client)

    email = {"channel": "email", "provider": "outbox"}
    assert after.value("notifications_provider_errors_total", **email, **{"class": error_class}) == 1
    assert after.total("notifications_provider_errors_total") == 1
    assert after.value("notifications_refused_total", **email) == refused
    assert after.value("notifications_delivered_total", **email) == 0


def test_the_backlog_shows_requests_not_yet_relayed_and_messages_waiting_in_the_queue(
    client: TestClient[Litestar], container: Container, auth: dict[str, str]
) -> None:
    for _ in range(3):
        send(client, auth, SMS)
    assert scrape(client).value("notifications_relay_lag_events") == 3
    assert scrape(client).value("notifications_queue_depth_messages") == 0

    container.backlog().max_age = 0  # read again at once, not 5 s later
    client.blocking_portal.call(container.relay().relay_once)
    after = scrape(client)

    assert after.value("notifications_queue_depth_messages") == 3
    assert after.value("notifications_relay_lag_events") == 3  # enqueued in memory, not yet delivered


def test_metrics_need_no_bearer_token_and_ignore_one(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", headers=auth).status_code == 200


def app_with(tmp_path: Path, **variables: str) -> Litestar:
    settings = load_settings(
        {"NOTIFICATIONS_DATA_DIR": str(tmp_path), "NOTIFICATIONS_EVENT_STORE": "memory", **variables}
    )
    return create_app(build_container(settings), run_worker=False)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer"],
)
def test_with_a_metrics_token_a_scrape_without_it_is_a_401_problem(
    tmp_path: Path, authorization: str | None
) -> None:
    with TestClient(app_with(tmp_path, NOTIFICATIONS_METRICS_TOKEN=TOKEN)) as client:
        response = client.get("/metrics", headers={"Authorization": authorization} if authorization else {})

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"] == 'Bearer realm="metrics"'
    assert TOKEN not in response.text


def test_with_a_metrics_token_a_scrape_carrying_it_is_answered(tmp_path: Path) -> None:
    with TestClient(app_with(tmp_path, NOTIFICATIONS_METRICS_TOKEN=TOKEN)) as client:
        response = client.get("/metrics", headers={"Authorization": f"bearer  {TOKEN} "})

    assert response.status_code == 200
    assert "notifications_accepted_total" in response.text


def test_metrics_turned_off_are_not_found_and_count_nothing(tmp_path: Path) -> None:
    app = app_with(tmp_path, NOTIFICATIONS_METRICS="false")
    with TestClient(app) as client:
        response = client.get("/metrics")

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    assert "/metrics" not in app.openapi_schema.paths  # type: ignore[operator]


def test_the_openapi_document_describes_metrics_as_open_text_with_a_401_for_a_missing_token(
    client: TestClient[Litestar],
) -> None:
    document = client.get("/schema/openapi.json").json()

    operation = document["paths"]["/metrics"]["get"]
    assert "security" not in operation
    assert set(operation["responses"]) == {"200", "401"}
    assert list(operation["responses"]["200"]["content"]) == ["text/plain; version=0.0.4"]
    assert "NOTIFICATIONS_METRICS_TOKEN" in operation["responses"]["401"]["description"]


def test_a_message_the_recipient_guard_refuses_at_once_is_counted_accepted_and_refused(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        {
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_EVENT_STORE": "memory",
            "NOTIFICATIONS_RECIPIENT_HOURLY_LIMIT": "1",
        }
    )
    container = build_container(settings)
    with TestClient(create_app(container, run_worker=False)) as client:
        auth = {"Authorization": f"Bearer {client.blocking_portal.call(issue, container)}"}
        send(client, auth, SMS)
        send(client, auth, SMS)  # the same number within the hour: recorded refused

        after = scrape(client)

    sms = {"channel": "sms", "provider": "outbox"}
    assert after.value("notifications_accepted_total", **sms) == 2
    assert after.value("notifications_refused_total", **sms) == 1
