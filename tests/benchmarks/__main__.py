"""`nox -s bench`: the service against a bare Litestar app in a process of its own.

The bare process (`tests/benchmarks/bare.py`) runs on the same server stack and settings as
`notifications serve`, and only decodes the same body: the framework's own ceiling. Each part runs
on each event store of `--stores`, the embedded SQLite default and PostgreSQL. Prints a table and
writes bench.json. Figures on a shared machine drift: compare ratios taken in turns.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.benchmarks.delivery import bench_end_to_end, soak
from tests.benchmarks.long_poll import bench_long_poll
from tests.benchmarks.stores import STORES, BenchStore, bench_store, check_postgres
from tests.benchmarks.throughput import bench_get, bench_post, bench_serve

Part = Callable[[BenchStore, argparse.Namespace], Any]
PARTS: dict[str, Part] = {
    "post": bench_post,
    "serve": bench_serve,
    "get": bench_get,
    "end_to_end": bench_end_to_end,
    "soak": soak,
    "long_poll": bench_long_poll,
}


def main() -> None:
    options = _options()
    if "postgres" in options.stores:
        check_postgres()
    results: dict[str, Any] = {"machine": _machine(), "seconds": options.seconds, "rounds": options.rounds}
    with tempfile.TemporaryDirectory() as folder:
        for name, run in PARTS.items():
            if name in options.only:
                results[name] = _on_each_store(run, Path(folder) / name, options)
    Path(options.output).write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {options.output}")


def _on_each_store(run: Part, folder: Path, options: argparse.Namespace) -> dict[str, Any]:
    results = {}
    for name in options.stores:
        with bench_store(name, folder / name) as store:
            results[name] = run(store, options)
    return results


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
    parser.add_argument("--rounds", type=int, default=3, help="bare and service runs, in turns")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 32, 128])
    parser.add_argument("--store-sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--output", default="bench.json")
    parser.add_argument(
        "--only", nargs="+", choices=PARTS, default=["post", "serve", "get", "end_to_end"], metavar="PART"
    )
    parser.add_argument(
        "--backlog-seconds", type=int, default=60, help="the `serve` part's long run, backlog sampled"
    )
    parser.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES))
    parser.add_argument("--soak-seconds", type=int, default=600)
    parser.add_argument("--soak-rate", type=float, help="default: half the rate a burst delivers first")
    return parser.parse_args()


if __name__ == "__main__":
    main()
