"""`--only long_poll`: do 1,000 open long polls slow other requests? POST and GET from wrk, with and
without the waiters, in turns, on `notifications serve` (no worker: the waited-for notifications
stay pending, and each waiter holds its request for its whole `wait`).

The waiters are 1,000 raw sockets in a process of their own (`tests/benchmarks/held_polls.py`),
each `GET /v1/notifications/{id}?wait=30` on a notification of its own, asked again as soon as it
is answered. Before each measurement the server is let settle (its CPU idle), so that neither
mode's wrk runs while the server still reads the waiters' requests or lets go of the last ones.
Stopping them closes their connections: the server must let go of the waiters.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from domain.notification import Notification
from tests.benchmarks.load import get_script, post_script, wrk
from tests.benchmarks.seed import SMS as SEEDED_SMS
from tests.benchmarks.seed import seed
from tests.benchmarks.server import ROOT, BenchServer
from tests.benchmarks.stores import BenchStore

WAITERS = 1000
IDLE = 0.05  # of a core: below this for half a second, the server has settled
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
                with Waiters(server, token, pending if mode == "waiters" else []) as waiters:
                    _until_idle(server)
                    answered = waiters.answered()
                    post = wrk(f"{server.url}/v1/notifications", post_script(SMS, token), 32, options.seconds)
                    get = wrk(
                        f"{server.url}/v1/notifications/x", get_script(paths, token), 32, options.seconds
                    )
                    if waiters.answered() != answered:
                        failures.append(f"{waiters.answered() - answered} long polls answered while measured")
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
            "post_p99s_ms": [p.p99_ms for p, _, _, _ in measured],
            "get_p99s_ms": [g.p99_ms for _, g, _, _ in measured],
            "errors": sum(p.errors + g.errors for p, g, _, _ in measured),
            "waiters_open_at_end": [w for _, _, w, _ in measured],
            "rss_mib": [m for _, _, _, m in measured],
        }
    result["long_poll_failures"] = failures[:5] + ([f"... {len(failures)} in all"] if failures else [])
    result["post_ratio"] = round(result["waiters"]["post_per_s"] / result["none"]["post_per_s"], 3)
    result["get_ratio"] = round(result["waiters"]["get_per_s"] / result["none"]["get_per_s"], 3)
    pairs = list(zip(runs["none"], runs["waiters"], strict=True))  # each pair measured seconds apart
    result["post_ratios"] = [round(w[0].rate / n[0].rate, 3) for n, w in pairs]
    result["get_ratios"] = [round(w[1].rate / n[1].rate, 3) for n, w in pairs]
    print(f"long poll: {result}", flush=True)
    return result


def _pending(events: Any, count: int) -> list[uuid.UUID]:
    notifications = [Notification.request(uuid.uuid4(), "bench", SEEDED_SMS) for _ in range(count)]
    asyncio.run(events.save(*notifications))
    return [n.id for n in notifications]


class Waiters:
    """Long polls held open by `tests.benchmarks.held_polls` in a process of its own, until the
    block ends; none if `ids` is empty."""

    def __init__(self, server: BenchServer, token: str, ids: list[uuid.UUID]) -> None:
        self.command = [
            sys.executable,
            "-m",
            "tests.benchmarks.held_polls",
            "127.0.0.1",
            str(server.port),
            token,
        ]
        self.ids = ids
        self.failures: list[str] = []  # answers other than 200 pending, connections lost
        self._client: subprocess.Popen[str] | None = None

    def open(self) -> int:
        """How many long polls are in flight now."""
        return self._ask()[0]

    def answered(self) -> int:
        """How many long polls have been answered so far."""
        return self._ask()[1]

    def _ask(self) -> tuple[int, int]:
        if self._client is None:
            return 0, 0
        assert self._client.stdin is not None and self._client.stdout is not None
        self._client.stdin.write("?\n")
        self._client.stdin.flush()
        in_flight, answered = self._client.stdout.readline().split()
        return int(in_flight), int(answered)

    def __enter__(self) -> Waiters:
        if self.ids:
            self._client = subprocess.Popen(
                self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
            )
            assert self._client.stdin is not None and self._client.stdout is not None
            self._client.stdin.write("".join(f"{i}\n" for i in self.ids) + "\n")
            self._client.stdin.flush()
            if self._client.stdout.readline().strip() != "sent":
                raise RuntimeError("the long polls' client failed")
        return self

    def __exit__(self, *_: object) -> None:
        if self._client is not None:
            output = self._client.communicate(timeout=60)[0]  # closes its input: it closes the polls
            self.failures += json.loads(output.splitlines()[-1])


def _until_idle(server: BenchServer, timeout: float = 120) -> None:
    """Returns once the server has used less than IDLE of a core for half a second: the waiters'
    requests read and waiting, or the last round's connections let go of."""
    assert server.process is not None
    stat = Path(f"/proc/{server.process.pid}/stat")
    deadline, used = time.monotonic() + timeout, _cpu_seconds(stat)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        before, used = used, _cpu_seconds(stat)
        if used - before < IDLE * 0.5:
            return
    raise RuntimeError("the server stayed busy without load")


def _cpu_seconds(stat: Path) -> float:
    """User and system time of the process, from /proc/PID/stat (fields 14 and 15, proc(5))."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
