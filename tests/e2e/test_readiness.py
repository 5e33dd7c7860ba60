"""Readiness over HTTP reflects whether the running service can record anything (issue 17, item 15)."""

from __future__ import annotations

import time

import httpx

from tests.e2e.conftest import Service
from tests.e2e.test_service import issue_token
from tests.integration.test_readiness import immutable

SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 1234"}


def ready(service: Service) -> httpx.Response:
    return httpx.get(f"{service.url}/health/ready", timeout=5)


def ready_within(service: Service, seconds: float) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while (answer := ready(service)).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    return answer


def test_readiness_fails_while_the_sqlite_files_take_no_writes_and_recovers(service: Service) -> None:
    service.start()
    auth = issue_token(service)
    post = f"{service.url}/v1/notifications"
    assert httpx.post(post, json=SMS, headers=auth, timeout=10).status_code == 202
    database = service.data_dir / "events.sqlite"
    with immutable(database, database.with_name("events.sqlite-wal")):
        assert httpx.post(post, json=SMS, headers=auth, timeout=10).status_code == 503
        answer = ready(service)
        assert answer.status_code == 503, answer.text
        assert answer.json()["event_store"] == "unavailable: WritesRefused"
    assert ready_within(service, 10).status_code == 200
    assert httpx.post(post, json=SMS, headers=auth, timeout=10).status_code == 202
