"""Rounds in turns: the bare process and the service loaded one after the other, and the backlog."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from tests.benchmarks.load import wrk
from tests.benchmarks.stores import BenchStore

Target = tuple[str, str]  # a URL and wrk's Lua script for it

BACKLOG = (
    "SELECT COUNT(CASE WHEN topic LIKE '%.Requested' THEN 1 END)"
    " - COUNT(CASE WHEN topic LIKE '%.Delivered' THEN 1 END) FROM {events}"
)


def compare(
    store: BenchStore,
    method: str,
    connections: int,
    options: argparse.Namespace,
    bare: Target,
    service: Target,
    after_service: Callable[[], None] = lambda: None,
) -> dict[str, Any]:
    """Runs the bare process and the service in turns, `--rounds` times each, and reports medians.

    The machine's speed drifts over minutes; a ratio taken from runs seconds apart drifts less.
    `after_service` runs after each of the service's runs, before the next run of the bare process
    (such as waiting until the worker has delivered, so that it does not slow the bare process).
    """
    pairs = []
    for _ in range(options.rounds):
        base = wrk(*bare, connections, options.seconds)
        real = wrk(*service, connections, options.seconds)
        after_service()
        pairs.append((base, real))
    bases, reals = [base for base, _ in pairs], [real for _, real in pairs]
    row = {
        "store": store.name,
        "request": method,
        "connections": connections,
        "bare_per_s": round(statistics.median(b.rate for b in bases)),
        "service_per_s": round(statistics.median(r.rate for r in reals)),
        "ratio": round(statistics.median(r.rate / b.rate for b, r in pairs), 3),
        "ratios": [round(r.rate / b.rate, 3) for b, r in pairs],
        "p50_ms": statistics.median(r.p50_ms for r in reals),
        "p99_ms": statistics.median(r.p99_ms for r in reals),
        "bare_p99_ms": statistics.median(b.p99_ms for b in bases),
        "errors": sum(r.errors + b.errors for b, r in pairs),
    }
    print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    return row


def backlog(store: BenchStore) -> int:
    """Notifications requested and not yet delivered."""
    [(pending,)] = store.rows(BACKLOG)
    return int(pending)


def settle(store: BenchStore, seconds: float = 600) -> float:
    """Waits until the worker has delivered everything requested; returns the seconds it took."""
    started = time.monotonic()
    while time.monotonic() < started + seconds:
        if backlog(store) == 0:
            return round(time.monotonic() - started, 1)
        time.sleep(0.5)
    raise RuntimeError("the worker did not deliver everything in time")


def distribution(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "count": len(values),
        "p50": round(statistics.median(values), 1),
        "p99": round(values[int(len(values) * 0.99) - 1], 1),
        "max": round(values[-1], 1),
    }
