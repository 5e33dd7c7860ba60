"""Long polling across processes: `serve --no-worker` answers a waiting GET when a separate
`notifications worker` delivers, on SQLite (the log followed) and PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import COMMAND, ROOT, Service
from tests.e2e.test_service import issue_token, send
from tests.postgres import URL

pytestmark = pytest.mark.e2e
SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 1234"}


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, pg_schema: str, service: Service) -> Iterator[Service]:
    """The API alone in its process, on the store of the parameter; the worker is started by the test."""
    if request.param == "postgres":
        service.env |= {
            "NOTIFICATIONS_EVENT_STORE": "postgres",
            "NOTIFICATIONS_POSTGRES_URL": URL,
            "NOTIFICATIONS_POSTGRES_SCHEMA": pg_schema,
        }
    service.start("--no-worker")
    yield service
    service.kill()  # before the schema is dropped


@pytest.fixture
def worker(api: Service) -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        with (api.data_dir / "worker.log").open("ab") as log:
            started.append(subprocess.Popen([*COMMAND, "worker"], env=api.env, cwd=ROOT, stderr=log))

    yield start
    for process in started:
        process.kill()
        process.wait(10)


def long_poll(
    api: Service, auth: dict[str, str], notification_id: str, wait: int
) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    answer = httpx.get(
        f"{api.url}/v1/notifications/{notification_id}",
        params={"wait": wait},
        headers=auth,
        timeout=wait + 30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json(), time.monotonic() - started


def test_a_waiting_get_answers_pending_after_its_wait_then_delivered_soon_after_another_process_delivers(
    api: Service, worker: Any
) -> None:
    auth = issue_token(api)
    notification_id = send(api, auth, SMS)

    # No worker runs yet: the notification stays pending, and the wait ends with it as it stands.
    view, seconds = long_poll(api, auth, notification_id, 1)
    assert view["status"] == "pending"
    assert 0.9 <= seconds < 10

    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(long_poll, api, auth, notification_id, 30)
        time.sleep(0.5)  # the GET is waiting (it would not be wrong if it were not yet)
        assert not waiting.done()

        worker()
        view, seconds = waiting.result()

    assert view["status"] == "delivered"
    assert seconds < 25  # woken by the delivery, not by the end of its 30 s


def test_sigterm_answers_the_long_polls_in_flight_as_they_stand_and_the_server_exits(
    service: Service,
) -> None:
    service.start("--no-worker")
    auth = issue_token(service)
    notification_id = send(service, auth, SMS)  # no worker: it stays pending
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(long_poll, service, auth, notification_id, 30)
        time.sleep(0.5)  # the GET is waiting
        assert not waiting.done()

        assert service.terminate() == 0
        view, seconds = waiting.result()

    assert view["status"] == "pending"
    assert seconds < 20  # answered when the shutdown began, not held for its 30 s
