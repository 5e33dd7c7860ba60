"""`python -m tests.benchmarks.held_polls HOST PORT TOKEN`: long polls held open as cheaply as a
client can, for the long-poll benchmark (`tests/benchmarks/long_poll.py`).

Reads notification ids from standard input, one a line, until an empty line; opens a raw socket
per id and sends `GET /v1/notifications/{id}?wait=30` on it, again as soon as it is answered.
Prints `sent` once every request is written. Then each line read answers with a line
`IN_FLIGHT ANSWERED`: the requests sent and not yet answered, and the answers so far. At the end
of standard input it closes every connection, prints the unexpected answers (anything but 200
`pending`) as one JSON list, and exits.

One process on asyncio and plain sockets: no HTTP library, nothing done while waiting (one thread
sits blocked on standard input), so that the server's slowdown is the waiters' and not their
client's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from dataclasses import dataclass, field

WAIT = 30  # seconds each long poll asks for (the most the API takes)


@dataclass
class Held:
    sent: int = 0  # requests written at least once
    in_flight: int = 0
    answered: int = 0
    failures: list[str] = field(default_factory=list)


async def hold(host: str, port: int, token: str, ids: list[str]) -> None:
    held = Held()
    polls = [asyncio.create_task(_poll(host, port, token, i, held)) for i in ids]
    while held.sent < len(ids) and not all(p.done() for p in polls):  # noqa: ASYNC110  # a count
        await asyncio.sleep(0.01)
    print("sent", flush=True)
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, sys.stdin.readline):
        print(held.in_flight, held.answered, flush=True)
    for poll in polls:
        poll.cancel()
    await asyncio.gather(*polls, return_exceptions=True)
    print(json.dumps(held.failures[:5] + [f"... {len(held.failures)} in all"] * bool(held.failures)))


async def _poll(host: str, port: int, token: str, notification_id: str, held: Held) -> None:
    request = (
        f"GET /v1/notifications/{notification_id}?wait={WAIT} HTTP/1.1\r\n"
        f"Host: {host}\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    first = True
    while True:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while True:
                writer.write(request)
                await writer.drain()
                held.sent, first = held.sent + first, False
                status, body = await _answered(reader, held)
                if status != 200 or json.loads(body)["status"] != "pending":
                    held.failures.append(f"{status} {body[:200]!r}")
        except (OSError, asyncio.IncompleteReadError) as error:
            held.failures.append(f"connection lost: {error!r}")
            await asyncio.sleep(1)
        finally:
            writer.close()


async def _answered(reader: asyncio.StreamReader, held: Held) -> tuple[int, bytes]:
    held.in_flight += 1
    try:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in head[1:] if line)
        body = await reader.readexactly(int(headers["content-length"]))
    finally:
        held.in_flight -= 1
    held.answered += 1
    return int(head[0].split()[1]), body


if __name__ == "__main__":
    ids = []
    while line := sys.stdin.readline().strip():
        ids.append(line)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(hold(sys.argv[1], int(sys.argv[2]), sys.argv[3], ids))
