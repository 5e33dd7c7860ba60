"""From POST to delivered: a burst, then paced requests (`end_to_end`), and the memory soak."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from tests.benchmarks.bare import BareServer
from tests.benchmarks.compare import distribution, settle
from tests.benchmarks.load import Figures, Pacer, post_script, wrk
from tests.benchmarks.seed import post_to_delivered_ms
from tests.benchmarks.server import BenchServer
from tests.benchmarks.stores import BenchStore
from tests.benchmarks.throughput import PROVIDERS, SMS, bare_rate


def bench_end_to_end(store: BenchStore, options: argparse.Namespace) -> list[dict[str, Any]]:
    """With the default provider (outbox files), then with the one that answers at once (discard)."""
    return [_end_to_end(store, options, provider) for provider in PROVIDERS]


def _end_to_end(store: BenchStore, options: argparse.Namespace, provider: str) -> dict[str, Any]:
    """The burst's delivered rate is also given as a ratio of the bare process's POST rate,
    measured first at the same 32 connections: it then compares across machines."""
    with BareServer() as bare, BenchServer(store, provider=provider) as server:
        token = server.token()
        ceiling = bare_rate(bare, token, options)
        seconds = options.seconds * options.rounds  # as long as all of a row's service runs
        burst, latencies, delivered_rate = _burst(server, store, token, seconds)
        half = max(1.0, round(delivered_rate / 2))
        paced_start, pacer = (
            datetime.now(UTC),
            Pacer(f"{server.url}/v1/notifications", post_script(SMS, token), half),
        )
        paced_runs = [pacer.run(options.seconds) for _ in range(options.rounds)]
        settle(store)
        paced, _ = post_to_delivered_ms(store, since=paced_start)
        memory = server.peak_memory_mib()
    result = {
        "store": store.name,
        "provider": provider,
        "burst_accepted_per_s": round(burst.rate),
        "delivered_per_s": round(delivered_rate),
        "bare_per_s": round(ceiling),
        "delivered_ratio": round(delivered_rate / ceiling, 3),
        "burst_post_to_delivered_ms": distribution(latencies),
        "paced_rate_per_s": half,
        "paced_rates_per_s": [round(run.rate) for run in paced_runs],
        "paced_errors": sum(run.errors for run in paced_runs),
        "paced_post_to_delivered_ms": distribution(paced),
        "peak_memory_mib": memory,
    }
    print(f"\nend to end: {json.dumps(result)}")
    return result


def soak(store: BenchStore, options: argparse.Namespace) -> dict[str, Any]:
    """Paced POSTs at `--soak-rate` for `--soak-seconds`, the server's memory sampled every 10 s.

    Without `--soak-rate`, a 15-second burst measures the delivered rate first, and the soak runs
    at half of it.
    """
    with BenchServer(store, provider="discard") as server:
        token, delivered_rate = server.token(), None
        rate = options.soak_rate
        if rate is None:
            _, _, delivered_rate = _burst(server, store, token, 15)
            rate = max(1.0, round(delivered_rate / 2))
        pacer, runs, samples = Pacer(f"{server.url}/v1/notifications", post_script(SMS, token), rate), [], []
        for _ in range(max(1, options.soak_seconds // 10)):
            runs.append(pacer.run(10))
            samples.append(server.memory_mib())
        settle(store)
        memory = server.peak_memory_mib()
    result = {
        "store": store.name,
        "delivered_per_s": None if delivered_rate is None else round(delivered_rate),
        "rate_per_s": rate,
        "sustained_per_s": round(sum(run.requests for run in runs) / (10 * len(runs))),
        "errors": sum(run.errors for run in runs),
        "seconds": options.soak_seconds,
        "rss_mib_every_10s": samples,
        "peak_memory_mib": memory,
    }
    print(f"\nsoak: {json.dumps(result)}")
    return result


def _burst(
    server: BenchServer, store: BenchStore, token: str, seconds: int
) -> tuple[Figures, list[float], float]:
    """POSTs from wrk at 32 connections, then the wait until all is delivered: wrk's figures,
    each POST-to-delivered time and the deliveries per second."""
    since = datetime.now(UTC)
    burst = wrk(f"{server.url}/v1/notifications", post_script(SMS, token), 32, seconds)
    settle(store)
    latencies, delivered_rate = post_to_delivered_ms(store, since=since)
    return burst, latencies, delivered_rate
