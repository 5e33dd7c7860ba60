"""A webhook receiver for the tests: a real HTTP server in a thread that verifies every request it
gets with the `standardwebhooks` package (the specification's own library), not with our code."""

from __future__ import annotations

import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    payload: Any = None
    error: str | None = None  # why verification failed, if it did

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """Answers each request with the next status of `answers` (then 200); holds a request while
    `holding` is set, until it is cleared (a receiver that never answers)."""

    answers: list[int] = field(default_factory=list)
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    tls: ssl.SSLContext | None = None  # serve https with this context

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                receiver._record(headers, body)
                if receiver.holding.is_set():
                    receiver.released.wait(120)
                with receiver.lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if self.tls:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def url(self, host: str = "127.0.0.1") -> str:
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}/hooks/notifications"

    def _record(self, headers: dict[str, str], body: bytes) -> None:
        received = Received(headers, body)
        try:
            received.payload = Webhook(self.secret).verify(body, headers)
        except Exception as error:
            received.error = f"{type(error).__name__}: {error}"
        with self.lock:
            self.received.append(received)

    def wait_for(self, count: int, seconds: float = 30) -> list[Received]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.received)} webhook requests received, {count} expected")

    def verified(self) -> list[Received]:
        """Every request received, each asserted verified by `standardwebhooks`."""
        with self.lock:
            received = list(self.received)
        assert [r.error for r in received if r.error] == []
        return received


def payload(received: Received) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(received.body)
    return value
