"""`serve --processes N` for N = 1 to 4: POST throughput, p99 and the delivery backlog, in turns.

`python -m tests.benchmarks.processes [--rounds R] [--seconds S]`: on each store, each round runs
N = 1, 2, 3, 4 one after the other (wrk -c32, an SMS body, the `discard` provider), so that a
machine whose load changes from minute to minute weighs on every N alike; it prints each run and,
per round, each N's rate as a ratio of N = 1's. N = 1 is `serve` as users start it (the in-process
queue); N > 1 uses NOTIFICATIONS_QUEUE=log. The backlog is the notifications requested during the
run and not yet delivered when it ends; the server then runs until it is delivered (`drain_s`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.benchmarks.load import post_script, wrk
from tests.benchmarks.stores import STORES, BenchStore, bench_store, check_postgres
from tests.queue_servers import free_port

ROOT = Path(__file__).resolve().parents[2]
SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 1234"}
COUNT = "SELECT count(*) FROM {events} WHERE topic LIKE '%Notification.Requested'"
DONE = "SELECT count(*) FROM {events} WHERE topic LIKE '%Notification.Delivered'"


def one_run(store: BenchStore, processes: int, seconds: int) -> dict[str, float]:
    port = free_port()
    env = os.environ | {
        "NOTIFICATIONS_DATA_DIR": str(store.folder),
        "NOTIFICATIONS_LOG_LEVEL": "warning",
        "NOTIFICATIONS_SMS_PROVIDER": "discard",
        **({"NOTIFICATIONS_QUEUE": "log"} if processes > 1 else {}),
        **{f"NOTIFICATIONS_{k.upper()}": v for k, v in store.settings.items()},
    }
    command = [sys.executable, "-m", "entrypoints.cli"]
    token = subprocess.run(
        [*command, "token", "issue", "--client", "bench"], env=env, cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port), "--processes", str(processes)], env=env
    )
    try:
        _ready(f"http://127.0.0.1:{port}", processes)
        figures = wrk(f"http://127.0.0.1:{port}/v1/notifications", post_script(SMS, token), 32, seconds)
        backlog = _pending(store)
        drained = _drain(store)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(120)
    return {
        "rate": figures.rate,
        "p99_ms": figures.p99_ms,
        "errors": figures.errors,
        "backlog": backlog,
        "drain_s": drained,
    }


def _pending(store: BenchStore) -> int:
    return int(store.rows(COUNT)[0][0] - store.rows(DONE)[0][0])


def _drain(store: BenchStore, seconds: float = 120) -> float:
    """Waits until every notification is delivered, so the next run starts with no backlog."""
    started = time.monotonic()
    while _pending(store) and time.monotonic() < started + seconds:
        time.sleep(0.5)
    return round(time.monotonic() - started, 1)


def _ready(url: str, processes: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                time.sleep(3.0 if processes > 1 else 0.5)  # the other API processes finish starting
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the service did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--stores", nargs="+", default=list(STORES))
    options = parser.parse_args()
    if "postgres" in options.stores:
        check_postgres()
    results: dict[str, list[dict[int, dict[str, float]]]] = {}
    for name in options.stores:
        with tempfile.TemporaryDirectory() as folder, bench_store(name, Path(folder)) as store:
            for _ in range(options.rounds):
                run = {n: one_run(store, n, options.seconds) for n in (1, 2, 3, 4)}
                print(name, json.dumps(run), flush=True)
                ratios = {n: round(run[n]["rate"] / run[1]["rate"], 2) for n in run}
                print(name, "ratios to N=1", ratios, flush=True)
                results.setdefault(name, []).append(run)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
