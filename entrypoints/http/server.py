"""The HTTP server `notifications serve` runs the app on: uvicorn, with limits on slow and idle clients.

uvicorn (on httptools) has no limit on the size of a request's headers and no time limit on
receiving them: a client that sends its headers a byte at a time, or opens a connection and sends
nothing, holds it for as long as it likes. `GuardedHttpToolsProtocol` adds both, as web servers
do (nginx's `client_header_timeout` and `large_client_header_buffers`):

- the headers of a request (from the connection's opening, or from the first byte of a request
  that follows another) must arrive within `header_timeout` seconds, or the connection is closed;
- headers (request line included) larger than `max_header_bytes` are answered 431 Request Header
  Fields Too Large (RFC 6585, section 5) and the connection is closed;
- an idle keep-alive connection is closed after `keep_alive_timeout` seconds (uvicorn's own).

Granian was measured as the alternative (it has a header-read timeout and a header-size limit of
its own): see docs/deployment.md and the commit that made this module for why uvicorn stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

_TOO_LARGE = "notifications.head_too_large"  # marks a request's ASGI scope
LINGER = 1.0  # seconds a refused connection is read from before it is closed


@dataclass(frozen=True)
class HttpLimits:
    max_header_bytes: int  # the request line and the headers, in bytes
    header_timeout: float  # seconds to receive them
    keep_alive_timeout: float  # seconds an idle connection is kept open between requests


def run(
    app: Any,
    host: str,
    port: int,
    limits: HttpLimits,
    shutdown_timeout: float,
    stopping: Callable[[], None] = lambda: None,
    fd: int | None = None,
) -> None:
    """Serves the app until SIGTERM or SIGINT, then shuts down gracefully and returns.

    `stopping` is called when the shutdown begins, before the requests in flight are waited for
    (such as long polls, which it may end). With `fd`, it accepts on that listening socket (one
    that `serve --processes` shares between its API processes) instead of binding host and port."""
    # uvicorn shuts down gracefully on SIGTERM, then raises it again: end with status 0 then.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=type("Guarded", (GuardedHttpToolsProtocol,), {"limits": limits, "stopping": [stopping]}),
        ws="none",
        log_config=None,
        access_log=False,
        timeout_keep_alive=limits.keep_alive_timeout,  # type: ignore[arg-type]  # a float works
        timeout_graceful_shutdown=int(shutdown_timeout),
    )
    server = uvicorn.Server(config)
    # uvicorn's own `fd=` reads the socket as AF_UNIX: asyncio would then not set TCP_NODELAY.
    shared = [socket.socket(fileno=fd)] if fd is not None else None
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=shared)
    if not server.started:
        sys.exit(3)  # uvicorn's STARTUP_FAILURE: the app's start-up failed, or the port is taken


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    limits: ClassVar[HttpLimits]
    stopping: ClassVar[list[Callable[[], None]]] = []  # called as the shutdown begins

    def shutdown(self) -> None:
        # uvicorn calls this on each connection when it begins to shut down, then waits for the
        # requests in flight: the app hears of the shutdown only after they have ended.
        for call in self.stopping:
            call()
        super().shutdown()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_received()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._head_timer is not None:
            # Bytes received while a request's head is awaited, a body sent with it included: a
            # head still incomplete after more than the limit is refused before it grows further.
            if self._head_bytes > self.limits.max_header_bytes:
                return self._refuse_head()
            self._head_bytes += len(data)
        super().data_received(data)
        if self._idle_without_timer():  # such as bytes of no request ("\r\n") after a response
            self._await_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._await_head()

    def on_headers_complete(self) -> None:
        self._head_received()
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.limits.max_header_bytes:
            self.scope[_TOO_LARGE] = True  # type: ignore[literal-required]
        super().on_headers_complete()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        super()._start_asgi_task(cycle, _answer_431 if _TOO_LARGE in cycle.scope else app)

    def _idle_without_timer(self) -> bool:
        answered = self.cycle is None or self.cycle.response_complete
        return answered and self._head_timer is None and self.timeout_keep_alive_task is None

    def _await_head(self) -> None:
        if self._head_timer is None:
            self._head_bytes = 0
            self._head_timer = self.loop.call_later(self.limits.header_timeout, self._close)

    def _close(self) -> None:
        self._head_timer = None
        self.transport.close()

    def _head_received(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _refuse_head(self) -> None:
        # Closed at once, the socket would answer the client's next bytes with a reset, which
        # discards the answer unread: the rest is read and dropped for a moment first.
        self._head_received()
        self._refused = True
        self.transport.write(_RAW_431)
        self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.close)


_BODY_431 = b"request headers too large"
_RAW_431 = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_BODY_431), _BODY_431)
)


async def _answer_431(scope: Any, receive: Any, send: Any) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 431, "headers": headers})
    await send({"type": "http.response.body", "body": _BODY_431})
