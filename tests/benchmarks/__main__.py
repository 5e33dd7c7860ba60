"""`nox -s bench`: the service against a bare Litestar baseline in the same process.

Each part runs on each event store of `--stores`, the embedded SQLite default and PostgreSQL.
Prints a table and writes bench.json. Figures on a shared machine drift: compare ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.benchmarks.load import Figures, Pacer, get_script, post_script, wrk
from tests.benchmarks.long_poll import bench_long_poll
from tests.benchmarks.seed import post_to_delivered_ms, seed
from tests.benchmarks.server import BenchServer
from tests.benchmarks.stores import STORES, BenchStore, bench_store, check_postgres

SMS: dict[str, object] = {"channel": "sms", "to": "+15551234567", "body": "Your code is 481516"}
Part = Callable[[BenchStore, argparse.Namespace], Any]


def main() -> None:
    options = _options()
    if "postgres" in options.stores:
        check_postgres()
    results: dict[str, Any] = {"machine": _machine(), "seconds": options.seconds, "rounds": options.rounds}
    with tempfile.TemporaryDirectory() as folder:
        parts = (("post", bench_post), ("get", bench_get), ("end_to_end", bench_end_to_end), ("soak", soak))
        parts += (("long_poll", bench_long_poll),)
        for name, run in parts:
            if name in options.only:
                results[name] = _on_each_store(run, Path(folder) / name, options)
    Path(options.output).write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {options.output}")


def bench_post(store: BenchStore, options: argparse.Namespace) -> list[dict[str, Any]]:
    rows = []
    with BenchServer(store, worker=False) as server:
        token = server.token()
        for connections in options.connections:
            rows.append(
                _compare(
                    store,
                    "POST",
                    connections,
                    options,
                    (f"{server.url}/benchmark/baseline", post_script(SMS, None)),
                    (f"{server.url}/v1/notifications", post_script(SMS, token)),
                )
            )
        rows[-1]["peak_memory_mib"] = server.peak_memory_mib()
    return rows


def bench_get(store: BenchStore, options: argparse.Namespace) -> list[dict[str, Any]]:
    rows, stored, ids = [], 0, []
    for size in options.store_sizes:
        events = store.open()
        ids += seed(events, "bench", size - stored)
        events.close()
        stored = size
        with BenchServer(store, worker=False) as server:
            token, paths = server.token(), [f"/v1/notifications/{i}" for i in ids[-1000:]]
            row = _compare(
                store,
                "GET",
                32,
                options,
                (f"{server.url}/benchmark/baseline", post_script(SMS, None)),
                (f"{server.url}/v1/notifications/x", get_script(paths, token)),
            )
            row |= {"stored_events": size}
            rows.append(row | {"peak_memory_mib": server.peak_memory_mib()})
    return rows


def bench_end_to_end(store: BenchStore, options: argparse.Namespace) -> list[dict[str, Any]]:
    """With the provider that answers at once (discard), then with the default one (outbox files)."""
    return [_end_to_end(store, options, provider) for provider in ("discard", "outbox")]


def _end_to_end(store: BenchStore, options: argparse.Namespace, provider: str) -> dict[str, Any]:
    """The burst's delivered rate is also given as a ratio of the baseline, measured first on the
    same server at the same 32 connections: like the other parts, it then compares across machines."""
    with BenchServer(store, provider=provider) as server:
        token = server.token()
        baseline = statistics.median(
            wrk(f"{server.url}/benchmark/baseline", post_script(SMS, None), 32, options.seconds).rate
            for _ in range(options.rounds)
        )
        seconds = options.seconds * options.rounds  # as long as all of a row's service runs
        burst, latencies, delivered_rate = _burst(server, store, token, seconds)
        half = max(1.0, round(delivered_rate / 2))
        paced_start, pacer = (
            datetime.now(UTC),
            Pacer(f"{server.url}/v1/notifications", post_script(SMS, token), half),
        )
        paced_runs = [pacer.run(options.seconds) for _ in range(options.rounds)]
        _settle(store)
        paced, _ = post_to_delivered_ms(store, since=paced_start)
        memory = server.peak_memory_mib()
    result = {
        "store": store.name,
        "provider": provider,
        "burst_accepted_per_s": round(burst.rate),
        "delivered_per_s": round(delivered_rate),
        "baseline_per_s": round(baseline),
        "delivered_ratio": round(delivered_rate / baseline, 3),
        "burst_post_to_delivered_ms": _distribution(latencies),
        "paced_rate_per_s": half,
        "paced_rates_per_s": [round(run.rate) for run in paced_runs],
        "paced_errors": sum(run.errors for run in paced_runs),
        "paced_post_to_delivered_ms": _distribution(paced),
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
        _settle(store)
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
    _settle(store)
    latencies, delivered_rate = post_to_delivered_ms(store, since=since)
    return burst, latencies, delivered_rate


def _on_each_store(run: Part, folder: Path, options: argparse.Namespace) -> dict[str, Any]:
    results = {}
    for name in options.stores:
        with bench_store(name, folder / name) as store:
            results[name] = run(store, options)
    return results


def _compare(
    store: BenchStore,
    method: str,
    connections: int,
    options: argparse.Namespace,
    baseline: tuple[str, str],
    service: tuple[str, str],
) -> dict[str, Any]:
    """Runs the baseline and the service in turns, `--rounds` times each, and reports medians.

    The machine's speed drifts over minutes; a ratio taken from runs seconds apart drifts less.
    """
    pairs = [
        (wrk(*baseline, connections, options.seconds), wrk(*service, connections, options.seconds))
        for _ in range(options.rounds)
    ]
    bases, reals = [base for base, _ in pairs], [real for _, real in pairs]
    row = {
        "store": store.name,
        "request": method,
        "connections": connections,
        "baseline_per_s": round(statistics.median(b.rate for b in bases)),
        "service_per_s": round(statistics.median(r.rate for r in reals)),
        "ratio": round(statistics.median(r.rate / b.rate for b, r in pairs), 3),
        "ratios": [round(r.rate / b.rate, 3) for b, r in pairs],
        "p50_ms": statistics.median(r.p50_ms for r in reals),
        "p99_ms": statistics.median(r.p99_ms for r in reals),
        "baseline_p99_ms": statistics.median(b.p99_ms for b in bases),
        "errors": sum(r.errors for r in reals),
    }
    print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return row


def _distribution(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "count": len(values),
        "p50": round(statistics.median(values), 1),
        "p99": round(values[int(len(values) * 0.99) - 1], 1),
        "max": round(values[-1], 1),
    }


def _settle(store: BenchStore, seconds: float = 120) -> None:
    """Waits until the worker has delivered everything requested."""
    deadline = time.monotonic() + seconds
    query = (
        "SELECT COUNT(CASE WHEN topic LIKE '%.Requested' THEN 1 END),"
        " COUNT(CASE WHEN topic LIKE '%.Delivered' THEN 1 END) FROM {events}"
    )
    while time.monotonic() < deadline:
        [(requested, delivered)] = store.rows(query)
        if requested == delivered:
            return
        time.sleep(0.5)
    raise RuntimeError("the worker did not deliver everything in time")


def _machine() -> dict[str, Any]:
    """The machine, with the time a fixed piece of Python takes on it: the absolute figures of two
    runs compare only as well as their machines do."""
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "system": platform.platform(),
        "python_loop_ms": min(_python_loop_ms() for _ in range(5)),
    }
    print(f"machine: {json.dumps(machine)}", flush=True)
    return machine


def _python_loop_ms() -> float:
    started = time.perf_counter()
    for n in range(20_000):
        json.dumps({"n": n, "id": str(n)})
    return round((time.perf_counter() - started) * 1000, 1)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="length of each load run")
    parser.add_argument("--rounds", type=int, default=3, help="baseline and service runs, in turns")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 32, 128])
    parser.add_argument("--store-sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--output", default="bench.json")
    parser.add_argument(
        "--only", nargs="+", default=["post", "get", "end_to_end"], help="post get end_to_end soak long_poll"
    )
    parser.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES))
    parser.add_argument("--soak-seconds", type=int, default=600)
    parser.add_argument("--soak-rate", type=float, help="default: half the rate a burst delivers first")
    return parser.parse_args()


if __name__ == "__main__":
    main()
