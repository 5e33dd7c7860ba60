"""Slow, idle and oversized requests against the running service (issue 17, item 17): limits on the
size of a request's headers, the time to receive them, and idle keep-alive connections."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import Service

HEADER_TIMEOUT, KEEP_ALIVE_TIMEOUT, MAX_HEADER_BYTES = 1.0, 2.0, 4096
LIVE = b"GET /health/live HTTP/1.1\r\nHost: x\r\n"


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = Service(Path(tmp_path_factory.mktemp("limits")))
    service.env |= {
        "NOTIFICATIONS_HTTP_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
        "NOTIFICATIONS_HTTP_KEEP_ALIVE_TIMEOUT": str(KEEP_ALIVE_TIMEOUT),
        "NOTIFICATIONS_HTTP_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
    }
    service.start("--no-worker")
    yield service
    assert service.terminate() == 0


def connect(service: Service) -> socket.socket:
    return socket.create_connection(("127.0.0.1", service.port), timeout=10)


def seconds_until_closed(connection: socket.socket) -> tuple[float, bytes]:
    """Reads until the server closes the connection; returns how long that took and what came."""
    started, received = time.monotonic(), b""
    with connection:
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return time.monotonic() - started, received


def test_a_client_that_stalls_in_its_headers_is_disconnected_after_the_header_timeout(
    limited: Service,
) -> None:
    connection = connect(limited)
    connection.sendall(LIVE)  # the blank line that ends the headers never comes
    waited, received = seconds_until_closed(connection)
    assert HEADER_TIMEOUT - 0.2 < waited < HEADER_TIMEOUT + 2 and received == b""


def test_a_connection_that_sends_nothing_is_closed_after_the_header_timeout(limited: Service) -> None:
    waited, received = seconds_until_closed(connect(limited))
    assert HEADER_TIMEOUT - 0.2 < waited < HEADER_TIMEOUT + 2 and received == b""


def test_an_idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout(limited: Service) -> None:
    connection = connect(limited)
    connection.sendall(LIVE + b"\r\n")
    waited, received = seconds_until_closed(connection)
    assert received.startswith(b"HTTP/1.1 200")
    assert KEEP_ALIVE_TIMEOUT - 0.2 < waited < KEEP_ALIVE_TIMEOUT + 2


def test_bytes_of_no_request_after_an_answer_do_not_keep_the_connection_open(limited: Service) -> None:
    connection = connect(limited)
    connection.sendall(LIVE + b"\r\n")
    time.sleep(0.3)
    connection.sendall(b"\r\n")  # cancels the keep-alive timer; no request begins
    waited, received = seconds_until_closed(connection)
    assert received.startswith(b"HTTP/1.1 200") and waited < KEEP_ALIVE_TIMEOUT + HEADER_TIMEOUT + 2


def test_a_one_megabyte_header_is_answered_431_and_the_connection_closed(limited: Service) -> None:
    connection = connect(limited)
    # the server may answer and stop reading before the header is all sent
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        connection.sendall(LIVE + b"X-Big: " + b"a" * 1_000_000 + b"\r\n\r\n")
    _, received = seconds_until_closed(connection)
    assert received.startswith(b"HTTP/1.1 431 ")


def head_size(target: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """The size the limit counts: the target, and each header's name, value, ': ' and CRLF."""
    return len(target) + sum(len(name) + len(value) + 4 for name, value in headers)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(0, MAX_HEADER_BYTES + 200), min_size=1, max_size=3),
    in_parts=st.booleans(),
)
def test_headers_up_to_the_limit_are_served_and_beyond_it_get_431_never_a_5xx(
    limited: Service, sizes: list[int], in_parts: bool
) -> None:
    headers = [(b"Host", b"x")] + [(b"X-H%d" % i, b"v" * size) for i, size in enumerate(sizes)]
    head = b"GET /health/live HTTP/1.1\r\n" + b"".join(n + b": " + v + b"\r\n" for n, v in headers) + b"\r\n"
    connection = connect(limited)
    try:
        for start in range(0, len(head), 1000 if in_parts else len(head)):
            connection.sendall(head[start : start + (1000 if in_parts else len(head))])
        connection.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    _, received = seconds_until_closed(connection)
    expected = b"431" if head_size(b"/health/live", headers) > MAX_HEADER_BYTES else b"200"
    assert received[9:12] == expected, received[:80]


def test_hundreds_of_slow_and_idle_connections_do_not_delay_a_normal_request(limited: Service) -> None:
    slow = [connect(limited) for _ in range(300)]
    idle = [connect(limited) for _ in range(1000)]
    for connection in slow:
        connection.sendall(LIVE[:20])
    started = time.monotonic()
    answer = httpx.get(f"{limited.url}/health/live", timeout=5)
    assert answer.status_code == 200 and time.monotonic() - started < 1.0
    time.sleep(HEADER_TIMEOUT + 1)
    closed = sum(seconds_until_closed(connection)[0] < 1.0 for connection in slow + idle)
    assert closed == len(slow) + len(idle)
