"""`serve --processes N`: API processes sharing one port and a delivery process, the event log as
their queue, on SQLite and PostgreSQL; a child that dies is started again; SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Service
from tests.e2e.test_service import issue_token, send
from tests.postgres import URL

pytestmark = pytest.mark.e2e
SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 1234"}


def children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, IndexError):
                continue
            if parent == pid:
                found[int(entry.name)] = command
    return found


def environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)


def until(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.1)


@pytest.fixture(params=["sqlite", "postgres"])
def supervised(request: pytest.FixtureRequest, pg_schema: str, service: Service) -> Iterator[Service]:
    service.env["NOTIFICATIONS_QUEUE"] = "log"
    if request.param == "postgres":
        service.env |= {
            "NOTIFICATIONS_EVENT_STORE": "postgres",
            "NOTIFICATIONS_POSTGRES_URL": URL,
            "NOTIFICATIONS_POSTGRES_SCHEMA": pg_schema,
        }
    service.start("--processes", "2")
    assert service.process is not None
    supervisor = service.process.pid
    yield service
    for pid in children(supervisor):  # if the test failed before SIGTERM
        os.kill(pid, signal.SIGKILL)


def test_api_processes_share_the_port_and_a_delivery_process_follows_the_log(supervised: Service) -> None:
    assert supervised.process is not None
    family = children(supervised.process.pid)
    api = [pid for pid, command in family.items() if "--fd" in command]
    assert len(api) == 2 and len(family) == 3
    metrics = Path(environment(api[0])["PROMETHEUS_MULTIPROC_DIR"])
    assert metrics.is_dir() and {environment(pid)["PROMETHEUS_MULTIPROC_DIR"] for pid in family} == {
        str(metrics)
    }

    auth = issue_token(supervised)
    ids = [send(supervised, auth, SMS) for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:  # long polls, woken across processes when delivered
        answers = pool.map(
            lambda i: httpx.get(f"{supervised.url}/v1/notifications/{i}?wait=20", headers=auth, timeout=30),
            ids,
        )
        assert [a.json()["status"] for a in answers] == ["delivered"] * 6
    assert len(list((supervised.data_dir / "outbox" / "sms").glob("*.json"))) == 6

    os.kill(api[0], signal.SIGKILL)  # a child that dies is started again
    until(
        lambda: len(children(supervised.process.pid)) == 3 and api[0] not in children(supervised.process.pid)
    )
    assert "process.died" in supervised.log.read_text()
    answers = [httpx.get(f"{supervised.url}/health/live", timeout=5).status_code for _ in range(10)]
    assert answers == [200] * 10

    assert supervised.terminate() == 0
    assert children(supervised.process.pid) == {}
    assert not metrics.exists()
