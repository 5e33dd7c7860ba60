"""`python -m tests.benchmarks.fineract`: a batch of 1,000 SMS from Fineract, from `POST /sms` to all
stored (the 202, given after the batch's one commit) and to all delivered (every report row 300) on
the discard provider, against `notifications serve` on each store of `--stores`.

Prints a line per store and round, then the medians; writes bench-fineract.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.benchmarks.server import BenchServer
from tests.benchmarks.stores import STORES, BenchStore, bench_store, check_postgres

TENANT = "default"


def batch_of(size: int, first_id: int) -> bytes:
    """A batch as Fineract's `new Gson().toJson(...)` writes it (`'` escaped as \\u0027)."""
    return json.dumps(
        [
            {
                "internalId": first_id + i,
                "tenantId": TENANT,
                "mobileNumber": f"+2547{i:08d}",
                "message": "Dear client, your loan repayment of KES 1,500 is due on 2026-12-01. Thank you.",
                "providerId": 1,
            }
            for i in range(size)
        ],
        separators=(",", ":"),
    ).encode()


def one_round(
    server: BenchServer, store: BenchStore, headers: dict[str, str], size: int, first_id: int
) -> dict[str, float]:
    """The delivered time is read from the events' own timestamps (the last `Delivered` of the
    batch), the store polled from this process: polling the service would slow what it measures."""
    ids = list(range(first_id, first_id + size))
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        since = datetime.now(UTC)
        start = time.perf_counter()
        answer = client.post("/sms", content=batch_of(size, first_id))
        stored = time.perf_counter() - start
        assert answer.status_code == 202, answer.text
        while _delivered_count(store) < first_id - 1 + size:
            time.sleep(0.05)
        last = max(_delivered_times(store))
        rows = client.post("/sms/report", content=json.dumps(ids)).json()
        assert [row["deliveryStatus"] for row in rows] == [300] * size
    return {
        "stored_ms": round(stored * 1000, 1),
        "delivered_ms": round((last - since).total_seconds() * 1000, 1),
    }


def _delivered_count(store: BenchStore) -> int:
    [(count,)] = store.rows("SELECT COUNT(*) FROM {events} WHERE topic LIKE '%.Delivered'")
    return int(count)


def _delivered_times(store: BenchStore) -> list[datetime]:
    rows = store.rows("SELECT state FROM {events} WHERE topic LIKE '%.Delivered'")
    return [datetime.fromisoformat(json.loads(state)["timestamp"]["_data_"]) for (state,) in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES))
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", default="bench-fineract.json")
    options = parser.parse_args()
    if "postgres" in options.stores:
        check_postgres()
    results: dict[str, Any] = {"size": options.size, "rounds": options.rounds}
    with tempfile.TemporaryDirectory() as folder:
        for name in options.stores:
            with bench_store(name, Path(folder) / name) as store:
                server = BenchServer(store, worker=True, provider="discard")
                server.env |= {"NOTIFICATIONS_FINERACT": "true"}
                key = server.cli("fineract", "tenant", "add", TENANT).strip()
                headers = {
                    "Content-Type": "application/json",
                    "Fineract-Platform-TenantId": TENANT,
                    "Fineract-Tenant-App-Key": key,
                }
                rounds = []
                with server:
                    for n in range(options.rounds):
                        rounds.append(one_round(server, store, headers, options.size, 1 + n * options.size))
                        print(f"{name:8} round {n + 1}: {rounds[-1]}")
                results[name] = {
                    "rounds": rounds,
                    "median_stored_ms": statistics.median(r["stored_ms"] for r in rounds),
                    "median_delivered_ms": statistics.median(r["delivered_ms"] for r in rounds),
                }
                print(
                    f"{name:8} median: {results[name]['median_stored_ms']} ms to stored, "
                    f"{results[name]['median_delivered_ms']} ms to delivered"
                )
    Path(options.output).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
