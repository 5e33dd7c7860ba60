"""Two API processes on one store share the limits: the client's bucket and the recipient's hour.

One is `notifications serve`, the other this test's own process serving the same app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from bootstrap.settings import load_settings
from entrypoints.http.app import create_app
from entrypoints.processes import container_for
from tests.conftest import issue
from tests.e2e.conftest import Service
from tests.postgres import URL, fresh_schema

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["sqlite", "postgres"])
def two_processes(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Service, TestClient[Litestar]]]:
    """`serve --no-worker` in a process of its own, and the same app in this test's process, on one
    store: 3 requests per client at once, then one every 100 s; one message per number an hour."""
    with fresh_schema() as schema:
        server = Service(tmp_path)
        server.env |= {
            "NOTIFICATIONS_EVENT_STORE": request.param,
            "NOTIFICATIONS_POSTGRES_URL": URL,
            "NOTIFICATIONS_POSTGRES_SCHEMA": schema,
            "NOTIFICATIONS_CLIENT_RATE_LIMIT": "0.01",
            "NOTIFICATIONS_CLIENT_RATE_BURST": "3",
            "NOTIFICATIONS_RECIPIENT_HOURLY_LIMIT": "1",
        }
        server.start("--no-worker")
        settings = {name: value for name, value in server.env.items() if name.startswith("NOTIFICATIONS_")}
        container = container_for(load_settings(settings))
        try:
            with TestClient(create_app(container, run_worker=False)) as client:
                client.app.state.container = container
                yield server, client
        finally:
            server.kill()
            container.event_store().close()


def test_two_processes_share_the_client_rate_and_the_recipient_limit(
    two_processes: tuple[Service, TestClient[Litestar]],
) -> None:
    server, here = two_processes
    token = here.blocking_portal.call(issue, here.app.state.container, "bank")
    auth = {"Authorization": f"Bearer {token}"}

    def send(there: bool, to: str) -> httpx.Response:
        body = {"channel": "sms", "to": to, "body": "Your code is 123456"}
        if there:
            return httpx.post(f"{server.url}/v1/notifications", json=body, headers=auth, timeout=10)
        return here.post("/v1/notifications", json=body, headers=auth)

    answers = [
        send(True, "+15551234567"),
        send(False, "+15551234567"),
        send(False, "+447911123456"),
        send(True, "+447911123456"),
        send(False, "+33612345678"),
    ]
    assert [a.status_code for a in answers] == [202, 202, 202, 429, 429]
    assert [a.json()["status"] for a in answers[:3]] == ["pending", "refused", "pending"]
    assert [a.headers["retry-after"] for a in answers[3:]] == ["100", "100"]
