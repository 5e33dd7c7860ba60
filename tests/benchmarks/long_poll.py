"""`--only long_poll`: do 1,000 open long polls slow other requests? POST and GET from wrk, with and
without the waiters, in turns, on `notifications serve` (no worker: the waited-for notifications
stay pending, and each waiter holds its request for its whole `wait`).

The waiters are 1,000 asyncio requests (httpx, one connection each) from a thread of the benchmark's
process, each `GET /v1/notifications/{id}?wait=30` on a notification of its own, asked again as soon
as it is answered. Stopping them closes their connections: the server must let go of the waiters.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import statistics
import threading
import uuid
from typing import Any

import httpx

from domain.notification import Notification
from tests.benchmarks.load import get_script, post_script, wrk
from tests.benchmarks.seed import SMS as SEEDED_SMS
from tests.benchmarks.seed import seed
from tests.benchmarks.server import BenchServer
from tests.benchmarks.stores import BenchStore

WAITERS = 1000
WAIT = 30  # seconds each long poll asks for
SMS: dict[str, object] = {"channel": "sms", "to": "+15551234567", "body": "Your code is 481516"}


def bench_long_poll(store: BenchStore, options: argparse.Namespace) -> dict[str, Any]:
    events = store.open()
    delivered = seed(events, "bench", 30_000)
    pending = _pending(events, WAITERS)
    events.close()
    runs: dict[str, list[Any]] = {"none": [], "waiters": []}
    failures: list[str] = []
    with BenchServer(store, worker=False) as server:
        token = server.token()
        paths = [f"/v1/notifications/{i}" for i in delivered[-1000:]]
        for _ in range(options.rounds):
            for mode in ("none", "waiters"):
                with Waiters(server.url, token, pending if mode == "waiters" else []) as waiters:
                    post = wrk(f"{server.url}/v1/notifications", post_script(SMS, token), 32, options.seconds)
                    get = wrk(
                        f"{server.url}/v1/notifications/x", get_script(paths, token), 32, options.seconds
                    )
                    runs[mode].append((post, get, waiters.open(), server.memory_mib()))
                    failures += waiters.failures
    result: dict[str, Any] = {"store": store.name, "held": WAITERS, "connections": 32}
    for mode, measured in runs.items():
        result[mode] = {
            "post_per_s": round(statistics.median(p.rate for p, _, _, _ in measured)),
            "post_p99_ms": statistics.median(p.p99_ms for p, _, _, _ in measured),
            "get_per_s": round(statistics.median(g.rate for _, g, _, _ in measured)),
            "get_p99_ms": statistics.median(g.p99_ms for _, g, _, _ in measured),
            "post_rates": [round(p.rate) for p, _, _, _ in measured],
            "get_rates": [round(g.rate) for _, g, _, _ in measured],
            "errors": sum(p.errors + g.errors for p, g, _, _ in measured),
            "waiters_open_at_end": [w for _, _, w, _ in measured],
            "rss_mib": [m for _, _, _, m in measured],
        }
    result["long_poll_failures"] = failures[:5] + ([f"... {len(failures)} in all"] if failures else [])
    result["post_ratio"] = round(result["waiters"]["post_per_s"] / result["none"]["post_per_s"], 3)
    result["get_ratio"] = round(result["waiters"]["get_per_s"] / result["none"]["get_per_s"], 3)
    print(f"long poll: {result}", flush=True)
    return result


def _pending(events: Any, count: int) -> list[uuid.UUID]:
    notifications = [Notification.request(uuid.uuid4(), "bench", SEEDED_SMS) for _ in range(count)]
    asyncio.run(events.save(*notifications))
    return [n.id for n in notifications]


class Waiters:
    """Long polls held open from a thread, each on its own connection, until the block ends."""

    def __init__(self, url: str, token: str, ids: list[uuid.UUID]) -> None:
        self.url, self.ids = url, ids
        self.headers = {"Authorization": f"Bearer {token}"}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._in_flight = 0
        self.failures: list[str] = []  # answers other than 200 pending
        self._running: concurrent.futures.Future[None] | None = None

    def open(self) -> int:
        """How many long polls are in flight now."""
        return self._in_flight

    def __enter__(self) -> Waiters:
        self._thread.start()
        if self.ids:
            self._running = asyncio.run_coroutine_threadsafe(self._hold(), self._loop)
            ready = asyncio.run_coroutine_threadsafe(self._until_all_sent(), self._loop)
            ready.result(120)
        return self

    def __exit__(self, *_: object) -> None:
        if self._running is not None:
            self._running.cancel()  # the requests' task, and so their connections
            with contextlib.suppress(concurrent.futures.CancelledError):
                self._running.result(60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(60)
        self._loop.close()

    async def _until_all_sent(self) -> None:
        while self._in_flight < len(self.ids):  # noqa: ASYNC110  # a count, no event to await
            await asyncio.sleep(0.05)
        await asyncio.sleep(1)  # their heads read by the server, their waiters held

    async def _hold(self) -> None:
        limits = httpx.Limits(max_connections=len(self.ids), max_keepalive_connections=len(self.ids))
        async with httpx.AsyncClient(
            base_url=self.url, headers=self.headers, limits=limits, timeout=WAIT + 30
        ) as client:
            await asyncio.gather(*(self._poll(client, i) for i in self.ids))

    async def _poll(self, client: httpx.AsyncClient, notification_id: uuid.UUID) -> None:
        while True:
            self._in_flight += 1
            try:
                answer = await client.get(f"/v1/notifications/{notification_id}", params={"wait": WAIT})
            finally:
                self._in_flight -= 1
            if answer.status_code != 200 or answer.json()["status"] != "pending":
                self.failures.append(f"{answer.status_code} {answer.text[:200]}")
                await asyncio.sleep(1)
