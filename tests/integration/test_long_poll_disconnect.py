"""A long poll over a real connection to uvicorn: a client that leaves releases its waiter at once, and
a server that stops answers it at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import uvicorn

from bootstrap.container import Container
from domain.messages import PhoneNumber, Sms
from entrypoints.http.app import create_app
from entrypoints.http.server import GuardedHttpToolsProtocol, HttpLimits
from tests.conftest import issue
from tests.queue_servers import free_port
from tests.waiters import until_waiting


@pytest.fixture
async def server(container: Container) -> AsyncIterator[uvicorn.Server]:
    """The app served by uvicorn on this test's loop, as `notifications serve` serves it."""
    limits = HttpLimits(max_header_bytes=16_384, header_timeout=5, keep_alive_timeout=5)
    port = free_port()
    config = uvicorn.Config(
        create_app(container, run_worker=False),
        host="127.0.0.1",
        port=port,
        http=type(
            "Guarded",
            (GuardedHttpToolsProtocol,),
            {"limits": limits, "stopping": [container.changes().stop_waiting]},  # as `serve` sets it
        ),
        log_config=None,
        access_log=False,
    )
    running = uvicorn.Server(config)
    serving = asyncio.create_task(running.serve())
    while not running.started:
        assert not serving.done(), serving
        await asyncio.sleep(0.01)
    yield running
    running.should_exit = True
    await asyncio.wait_for(serving, 30)


async def test_a_client_that_closes_its_connection_releases_its_waiter(
    server: uvicorn.Server, container: Container
) -> None:
    token = await issue(container)
    notification = await container.notifications().send_notification(
        "bank", Sms(PhoneNumber("+15551234567"), "Your code is 1234")
    )
    changes = container.changes()
    _, writer = await asyncio.open_connection("127.0.0.1", server.config.port)
    writer.write(
        f"GET /v1/notifications/{notification.id}?wait=30 HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    await writer.drain()
    await asyncio.wait_for(until_waiting(changes, 1), 10)

    writer.close()
    await writer.wait_closed()

    await asyncio.wait_for(until_waiting(changes, 0), 10)  # not after the 30 s asked for


async def test_a_client_that_stays_gets_its_answer_on_the_same_connection(
    server: uvicorn.Server, container: Container
) -> None:
    token = await issue(container)
    notification = await container.notifications().send_notification(
        "bank", Sms(PhoneNumber("+15551234567"), "Your code is 1234")
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", server.config.port)
    writer.write(
        f"GET /v1/notifications/{notification.id}?wait=1 HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    await writer.drain()

    status_line = await asyncio.wait_for(reader.readline(), 10)
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)

    assert status_line.startswith(b"HTTP/1.1 200"), status_line
    length = int(
        next(
            line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
    )
    body = await reader.readexactly(length)
    assert b'"status":"pending"' in body
    assert container.changes().waiting() == 0
    writer.close()


async def test_a_server_that_stops_answers_its_long_polls_as_they_stand(
    server: uvicorn.Server, container: Container
) -> None:
    token = await issue(container)
    notification = await container.notifications().send_notification(
        "bank", Sms(PhoneNumber("+15551234567"), "Your code is 1234")
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", server.config.port)
    writer.write(
        f"GET /v1/notifications/{notification.id}?wait=30 HTTP/1.1\r\nHost: localhost\r\n"
        f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    await writer.drain()
    await asyncio.wait_for(until_waiting(container.changes(), 1), 10)

    server.should_exit = True  # what SIGTERM does

    answer = await asyncio.wait_for(reader.read(), 10)  # the whole answer, then the server closes
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert b'"status":"pending"' in answer
    assert container.changes().waiting() == 0
