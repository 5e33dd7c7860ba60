"""`python -m tests.benchmarks.waiter_objects`: what 1,000 waiting long polls hold in the server's heap.

The app under uvicorn on the memory store, in this process, its start-up heap frozen as `serve`
does; 1,000 `GET ?wait=30` over real sockets. Prints the objects per waiting request, the CPU the
process uses while they wait, and how long a full garbage collection takes with and without them.
"""

from __future__ import annotations

import asyncio
import collections
import gc
import tempfile
import time

import uvicorn

from bootstrap.settings import load_settings
from domain.messages import PhoneNumber, Sms
from entrypoints.http.app import create_app
from entrypoints.http.server import GuardedHttpToolsProtocol, HttpLimits
from entrypoints.processes import container_for
from tests.conftest import issue
from tests.queue_servers import free_port
from tests.waiters import until_waiting

WAITERS = 1000


def full_collection_ms() -> float:
    started = time.perf_counter()
    gc.collect()
    return round((time.perf_counter() - started) * 1000, 3)


async def main() -> None:
    settings = {"NOTIFICATIONS_EVENT_STORE": "memory", "NOTIFICATIONS_LOG_LEVEL": "warning"}
    container = container_for(load_settings(settings | {"NOTIFICATIONS_DATA_DIR": tempfile.mkdtemp()}))
    port, limits = free_port(), HttpLimits(16_384, 5, 5)
    protocol = type("Guarded", (GuardedHttpToolsProtocol,), {"limits": limits})
    config = uvicorn.Config(
        create_app(container, run_worker=False), port=port, http=protocol, log_config=None
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110  # uvicorn sets a flag, no event
        await asyncio.sleep(0.01)
    token = await issue(container)
    sms = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
    ids = [(await container.notifications().send_notification("bank", sms)).id for _ in range(WAITERS)]
    gc.collect()
    gc.freeze()
    print(f"full collection without waiters: {full_collection_ms()} ms")
    before = len(gc.get_objects())
    writers = []
    for notification_id in ids:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        request = (
            f"GET /v1/notifications/{notification_id}?wait=30 HTTP/1.1\r\n"
            f"Host: x\r\nAuthorization: Bearer {token}\r\n\r\n"
        )
        writer.write(request.encode())
        writers.append(writer)
    await asyncio.wait_for(until_waiting(container.changes(), WAITERS), 60)
    gc.collect()
    print(
        f"objects per waiter (its client socket included): {(len(gc.get_objects()) - before) / WAITERS:.0f}"
    )
    cpu = time.process_time()
    await asyncio.sleep(3)
    print(f"process CPU in 3 s of waiting: {time.process_time() - cpu:.3f} s")
    print(
        f"full collections with {WAITERS} waiters: {full_collection_ms()} ms, then {full_collection_ms()} ms"
    )
    kinds = collections.Counter(type(o).__name__ for o in gc.get_objects())
    print("most common:", kinds.most_common(8))
    for writer in writers:
        writer.close()
    await asyncio.wait_for(until_waiting(container.changes(), 0), 30)
    server.should_exit = True
    await serving


if __name__ == "__main__":
    asyncio.run(main())
