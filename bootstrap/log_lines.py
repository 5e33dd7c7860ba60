"""Where log lines go: one write for the lines of one pass of the event loop, and a cheap JSON.

The service logs a line per request (the access log). Through the standard library's logging, a
line cost about 220,000 instructions of the event loop (a `LogRecord`, the search for the caller's
frame, a handler's lock, `json.dumps`, a write and a flush each time); now about 64,000.
structlog renders the service's own lines itself (`json_line`, with msgspec: compact JSON), and
`LineWriter` writes them; other libraries' records reach the same writer through `LineHandler`,
in order.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import threading
from collections.abc import MutableMapping
from typing import Any, TextIO

import msgspec

_ENCODER = msgspec.json.Encoder(enc_hook=repr)  # a tenth of the standard library's `json.dumps`


def json_line(_logger: object, _method: str, event: MutableMapping[str, Any]) -> str:
    """structlog's last processor: the event as one compact JSON object. UUIDs and datetimes are
    written as msgspec writes them (`"0190…"`, ISO 8601), other values JSON has no type for as
    their `repr()`, as structlog's own renderer does; what msgspec refuses (an integer beyond 64
    bits) goes through the standard library's encoder."""
    try:
        return _ENCODER.encode(event).decode()
    except (TypeError, OverflowError, msgspec.EncodeError):
        return json.dumps(event, default=repr)


class LineWriter:
    """Writes lines to a text stream; safe to call from any thread.

    Called from a thread whose event loop is running, a line waits in memory until the end of the
    loop's current pass (a callback scheduled with `call_soon`), and the lines of that pass go out
    in one write. From any other thread, or with no loop running, a line is written at once, after
    the lines already waiting, so the order of lines is kept. Lines still waiting at exit are
    written then.

    The structlog logger it stands for: each level's method writes the rendered line.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._waiting: list[str] = []
        self._flushing_on: asyncio.AbstractEventLoop | None = None  # the loop a flush is due on
        self._lock = threading.Lock()
        atexit.register(self.flush)

    def write(self, line: str) -> None:
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        with self._lock:
            self._waiting.append(line)
            if loop is None:
                self._flush_waiting()
            elif self._flushing_on is not loop:  # (a loop that stopped first leaves it to this one)
                self._flushing_on = loop
                loop.call_soon(self.flush)

    def flush(self) -> None:
        with self._lock:
            self._flush_waiting()

    def _flush_waiting(self) -> None:
        self._flushing_on = None
        if self._waiting:
            lines, self._waiting = self._waiting, []
            try:
                self._stream.write("\n".join(lines) + "\n")
                self._stream.flush()
            except (ValueError, OSError):  # closed (a test's stderr, at exit) or a broken pipe: nowhere
                pass  # to go, and logging the error would only write to it again

    msg = debug = info = warning = warn = error = critical = exception = fatal = log = write

    def __call__(self, *_: object) -> LineWriter:
        return self  # structlog's logger factory


class LineHandler(logging.Handler):
    """A logging handler for other libraries' records, written through the same `LineWriter`."""

    def __init__(self, writer: LineWriter) -> None:
        super().__init__()
        self.writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.writer.write(self.format(record))
        except Exception:
            self.handleError(record)
