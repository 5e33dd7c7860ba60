"""Requests per second against the bare process: POST API-only, POST as users start `serve`, GET.

Each row loads the bare process (`tests/benchmarks/bare.py`) and the service in turns, with the
same wrk script (the same request bytes, the bearer token included, which the bare app ignores).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import time
from typing import Any

from tests.benchmarks.bare import BareServer
from tests.benchmarks.compare import backlog, compare, settle
from tests.benchmarks.load import get_script, post_script, wrk
from tests.benchmarks.seed import seed
from tests.benchmarks.server import BenchServer
from tests.benchmarks.stores import BenchStore

SMS: dict[str, object] = {"channel": "sms", "to": "+15551234567", "body": "Your code is 481516"}
PROVIDERS = ("outbox", "discard")  # the default provider, and the one that answers at once
BACKLOG_EVERY = 10  # seconds between the backlog's samples in the long run


def bench_post(store: BenchStore, options: argparse.Namespace) -> list[dict[str, Any]]:
    """API only (`serve --no-worker`): what the service accepts, durably, with nothing delivered."""
    rows = []
    with BareServer() as bare, BenchServer(store, worker=False) as server:
        token = server.token()
        script = post_script(SMS, token)
        for connections in options.connections:
            rows.append(
                compare(
                    store,
                    "POST, API only",
                    connections,
                    options,
                    (f"{bare.url}/v1/notifications", script),
                    (f"{server.url}/v1/notifications", script),
                )
            )
        rows[-1]["peak_memory_mib"] = server.peak_memory_mib()
    return rows


def bench_serve(store: BenchStore, options: argparse.Namespace) -> list[dict[str, Any]]:
    """`serve` as users start it, delivering as it accepts, with each provider of `PROVIDERS`."""
    return [_serve(store, options, provider) for provider in PROVIDERS]


def _serve(store: BenchStore, options: argparse.Namespace, provider: str) -> dict[str, Any]:
    """POST at 32 connections in turns with the bare process (the worker's backlog delivered
    before each run of the bare process), then one run of `--backlog-seconds` on the service alone
    with the backlog sampled: a backlog that grows over the run means deliveries do not keep pace."""
    with BareServer() as bare, BenchServer(store, provider=provider) as server:
        script = post_script(SMS, server.token())
        left: list[int] = []
        row = compare(
            store,
            f"POST, serve ({provider})",
            32,
            options,
            (f"{bare.url}/v1/notifications", script),
            (f"{server.url}/v1/notifications", script),
            after_service=lambda: (left.append(backlog(store)), settle(store)),
        )
        row |= {"provider": provider, "backlog_after_each_run": left}
        row |= _long_run(store, f"{server.url}/v1/notifications", script, options.backlog_seconds)
        row["peak_memory_mib"] = server.peak_memory_mib()
    print(f"  serve ({provider}) backlog: {row['backlog_every_10s']}, drained in {row['drain_s']} s")
    return row


def _long_run(store: BenchStore, url: str, script: str, seconds: int) -> dict[str, Any]:
    samples = []
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        load = pool.submit(wrk, url, script, 32, seconds)
        started = time.monotonic()
        for at in range(BACKLOG_EVERY, seconds, BACKLOG_EVERY):
            time.sleep(max(0.0, started + at - time.monotonic()))
            samples.append(backlog(store))
        figures = load.result()
    samples.append(backlog(store))  # at the end of the run
    return {
        "long_run_s": seconds,
        "long_run_per_s": round(figures.rate),
        "long_run_p99_ms": figures.p99_ms,
        "backlog_every_10s": samples,
        "backlog_at_end": samples[-1],
        "drain_s": settle(store),
    }


def bench_get(store: BenchStore, options: argparse.Namespace) -> list[dict[str, Any]]:
    """GET by id, against the bare process's GET, as the store grows to each of `--store-sizes`."""
    rows, stored, ids = [], 0, []
    with BareServer() as bare:
        for size in options.store_sizes:
            events = store.open()
            ids += seed(events, "bench", size - stored)
            events.close()
            stored = size
            with BenchServer(store, worker=False) as server:
                script = get_script([f"/v1/notifications/{i}" for i in ids[-1000:]], server.token())
                row = compare(
                    store,
                    "GET",
                    32,
                    options,
                    (f"{bare.url}/v1/notifications/x", script),
                    (f"{server.url}/v1/notifications/x", script),
                )
                rows.append(row | {"stored_events": size, "peak_memory_mib": server.peak_memory_mib()})
    return rows


def bare_rate(bare: BareServer, token: str, options: argparse.Namespace) -> float:
    """The bare process's POST rate at 32 connections, median of `--rounds` runs."""
    runs = [
        wrk(f"{bare.url}/v1/notifications", post_script(SMS, token), 32, options.seconds)
        for _ in range(options.rounds)
    ]
    return statistics.median(run.rate for run in runs)
