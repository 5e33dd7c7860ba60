"""`python -m tests.benchmarks.limits`: what the limits cost a POST, as an A/B in turns.

Three `serve --no-worker` processes run side by side on stores of their own: the limits off, the
client rate on, and both limits on (rates high enough never to refuse). wrk sends SMS to random
numbers at each in turn, `--rounds` times; only the ratios to the one with the limits off count on
a shared machine, and the server's CPU time per request, which holds better under others' load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from contextlib import ExitStack
from pathlib import Path

from tests.benchmarks.load import wrk
from tests.benchmarks.server import BenchServer
from tests.benchmarks.stores import STORES, bench_store

VARIANTS = {
    "off": {},
    "client rate": {"client_rate_limit": "1000000"},
    "both": {"client_rate_limit": "1000000", "recipient_hourly_limit": "1000000"},
}
SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
request = function()
  local to = "+1555" .. math.random(1000000, 9999999)
  local body = '{{"channel":"sms","to":"' .. to .. '","body":"Your code is 123456"}}'
  return wrk.format(nil, nil, nil, body)
end
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", nargs="+", default=list(STORES), choices=STORES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    for name in args.stores:
        rates: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
        cpu: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
        with ExitStack() as stack:
            servers = {}
            for variant, settings in VARIANTS.items():
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
                store = stack.enter_context(bench_store(name, folder))
                server = BenchServer(store, worker=False, provider="discard")
                server.env |= {f"NOTIFICATIONS_{k.upper()}": v for k, v in settings.items()}
                servers[variant] = (stack.enter_context(server), server.token())
            for round_ in range(args.rounds):
                for variant, (server, token) in servers.items():
                    before, url = _cpu_seconds(server), f"{server.url}/v1/notifications"
                    figures = wrk(url, SCRIPT.format(token=token), 32, args.seconds)
                    assert figures.errors == 0, f"{variant}: {figures.errors} answers were not 2xx"
                    rates[variant].append(figures.rate)
                    cpu[variant].append(1e6 * (_cpu_seconds(server) - before) / figures.requests)
                    used = cpu[variant][-1]
                    print(f"{name} round {round_ + 1} {variant:12} {figures.rate:6.0f}/s {used:5.0f} us CPU")
        base, base_cpu = statistics.median(rates["off"]), statistics.median(cpu["off"])
        for variant, figures in rates.items():
            print(
                f"{name} {variant:12} median ratios to off: {statistics.median(figures) / base:.2f} "
                f"requests/s, {statistics.median(cpu[variant]) / base_cpu:.2f} CPU per request"
            )


def _cpu_seconds(server: BenchServer) -> float:
    """The server process's user and system CPU time so far (/proc/<pid>/stat, fields 14 and 15):
    its cost per request holds on a loaded machine, where requests per second do not."""
    assert server.process is not None
    fields = Path(f"/proc/{server.process.pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
