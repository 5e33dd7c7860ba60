"""The service over SQS (moto's server) and Azure Storage Queue (Azurite), with the faults a
deployment meets: a worker killed mid-delivery, a message that always fails, a queue that goes
away while notifications keep arriving, and two workers sharing one queue."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from azure.storage.queue import QueueClient

from tests.e2e.conftest import COMMAND, ROOT, Service
from tests.e2e.test_service import KINDS, issue_token, outbox, send, wait_until_delivered
from tests.postgres import URL
from tests.queue_servers import CREDENTIALS, Azurite, MotoSqs


@dataclass
class CloudQueue:
    env: dict[str, str]
    server: MotoSqs | Azurite
    dead_letters: Callable[[], list[str]]


@pytest.fixture(params=["sqs", "azure"])
def cloud_queue(request: pytest.FixtureRequest) -> CloudQueue:
    name = f"q{uuid.uuid4().hex[:12]}"
    common = {"NOTIFICATIONS_QUEUE_VISIBILITY_TIMEOUT": "5", "NOTIFICATIONS_RETRY_BASE_DELAY": "0.2"}
    if request.param == "sqs":
        sqs: MotoSqs = request.getfixturevalue("moto_sqs")
        url, dead_url = sqs.create_queue(name)
        env = {"NOTIFICATIONS_QUEUE": "sqs", "NOTIFICATIONS_SQS_QUEUE_URL": url, **CREDENTIALS}
        env |= {"NOTIFICATIONS_SQS_ENDPOINT_URL": sqs.endpoint, "NOTIFICATIONS_SQS_REGION": "us-east-1"}
        return CloudQueue(common | env, sqs, lambda: sqs.bodies(dead_url))
    azurite: Azurite = request.getfixturevalue("azurite")
    for queue_name in (name, f"{name}-poison"):
        QueueClient.from_connection_string(azurite.connection_string, queue_name).create_queue()
    poison = QueueClient.from_connection_string(azurite.connection_string, f"{name}-poison")
    env = {"NOTIFICATIONS_QUEUE": "azure", "NOTIFICATIONS_AZURE_QUEUE_NAME": name}
    env |= {"NOTIFICATIONS_AZURE_CONNECTION_STRING": azurite.connection_string}
    return CloudQueue(common | env, azurite, lambda: [m.content for m in poison.peek_messages(32)])


@pytest.fixture
def workers(service: Service) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*command: str) -> subprocess.Popen[bytes]:
        log = (service.data_dir / f"worker-{len(started)}.log").open("wb")
        process = subprocess.Popen(
            list(command) or [*COMMAND, "worker"], env=service.env, cwd=ROOT, stderr=log
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait(10)


def events(service: Service, auth: dict[str, str], notification_id: str) -> list[str]:
    answer = httpx.get(f"{service.url}/v1/notifications/{notification_id}/events", headers=auth)
    return [e["type"] for e in answer.json()]


def test_notifications_travel_through_the_cloud_queue(service: Service, cloud_queue: CloudQueue) -> None:
    service.env.update(cloud_queue.env)
    service.start()
    auth = issue_token(service)
    ids = [send(service, auth, body) for body in KINDS]
    wait_until_delivered(service, auth, ids)
    assert outbox(service) == sorted(ids)


def test_a_worker_killed_mid_delivery_leaves_the_message_to_another(
    service: Service, cloud_queue: CloudQueue, workers: Callable[..., subprocess.Popen[bytes]]
) -> None:
    service.env.update(cloud_queue.env)
    service.start("--no-worker")
    auth = issue_token(service)
    marker = service.data_dir / "delivery-started"
    hanging = workers(sys.executable, "-m", "tests.e2e.scripted_worker", "hang", str(marker))
    notification_id = send(service, auth, KINDS[1])
    wait_for(marker.exists, 20)
    hanging.kill()
    workers()
    wait_until_delivered(service, auth, [notification_id], seconds=40)
    assert events(service, auth, notification_id) == [
        "Requested",
        "DeliveryStarted",
        "DeliveryStarted",
        "Delivered",
    ]


def test_a_message_that_always_fails_is_refused_and_dead_lettered(
    service: Service, cloud_queue: CloudQueue, workers: Callable[..., subprocess.Popen[bytes]]
) -> None:
    service.env.update(cloud_queue.env | {"NOTIFICATIONS_MAX_ATTEMPTS": "2"})
    service.start("--no-worker")
    auth = issue_token(service)
    workers(sys.executable, "-m", "tests.e2e.scripted_worker", "fail")
    notification_id = send(service, auth, KINDS[1])
    url = f"{service.url}/v1/notifications/{notification_id}"
    wait_for(lambda: httpx.get(url, headers=auth).json()["status"] == "refused", 30)
    assert (
        httpx.get(url, headers=auth).json()["reason"]
        == "delivery attempts exhausted (2): the provider is down"
    )
    wait_for(lambda: any(notification_id in body for body in cloud_queue.dead_letters()), 10)


def test_notifications_accepted_while_the_queue_is_down_are_delivered_once_it_is_back(
    service: Service, cloud_queue: CloudQueue
) -> None:
    service.env.update(cloud_queue.env)
    service.start()
    auth = issue_token(service)
    cloud_queue.server.stop()
    try:
        ids = [send(service, auth, KINDS[i % 3]) for i in range(12)]
        ready = httpx.get(f"{service.url}/health/ready", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["queue"].startswith("unavailable")
    finally:
        cloud_queue.server.start()
    wait_until_delivered(service, auth, ids, seconds=60)
    for notification_id in ids:
        assert events(service, auth, notification_id) == ["Requested", "DeliveryStarted", "Delivered"]


def test_two_workers_on_one_queue_deliver_each_notification_once(
    pg_schema: str,  # first: dropped after the processes using it are stopped
    service: Service,
    cloud_queue: CloudQueue,
    workers: Callable[..., subprocess.Popen[bytes]],
) -> None:
    # On PostgreSQL, as a deployment with several workers runs: on SQLite, three processes under
    # a loaded CI machine's CPU waited past the store's lock timeout, and a delivery whose outcome
    # could not be recorded was, as designed, attempted again (docs/development.md).
    service.env.update(cloud_queue.env)
    service.env |= {
        "NOTIFICATIONS_EVENT_STORE": "postgres",
        "NOTIFICATIONS_POSTGRES_URL": URL,
        "NOTIFICATIONS_POSTGRES_SCHEMA": pg_schema,
    }
    service.start("--no-worker")
    auth = issue_token(service)
    workers()
    workers()
    with httpx.Client(base_url=service.url, headers=auth, timeout=10) as client:
        ids = [client.post("/v1/notifications", json=KINDS[i % 3]).json()["id"] for i in range(200)]
    wait_until_delivered(service, auth, ids, seconds=120)
    for notification_id in ids:
        assert events(service, auth, notification_id) == ["Requested", "DeliveryStarted", "Delivered"]
    assert len(outbox(service)) == 200


def wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
