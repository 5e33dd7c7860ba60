"""Load from another process: wrk, flat out for throughput and latency, or paced for steady rates."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Figures:
    rate: float  # requests per second
    requests: int
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(url: str, script: str, connections: int, seconds: int) -> Figures:
    """Runs wrk with a Lua script against the URL and reads its figures."""
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("the benchmark needs wrk: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        threads = str(min(2, connections))
        output = subprocess.run(
            [
                binary,
                "-t",
                threads,
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "--latency",
                "-s",
                lua.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Figures(
        rate=float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),  # type: ignore[index]
        requests=int(re.search(r"(\d+) requests in", output)[1]),  # type: ignore[index]
        p50_ms=_percentile(output, "50"),
        p99_ms=_percentile(output, "99"),
        errors=int(errors[1]) if errors else 0,
    )


def post_script(body: dict[str, object], token: str | None) -> str:
    headers = f'wrk.headers["Authorization"] = "Bearer {token}"\n' if token else ""
    return (
        f'wrk.method = "POST"\nwrk.body = {json.dumps(json.dumps(body))}\n'
        f'wrk.headers["Content-Type"] = "application/json"\n{headers}'
    )


def get_script(paths: list[str], token: str) -> str:
    table = ",".join(json.dumps(p) for p in paths)
    return (
        f'local paths = {{{table}}}\nwrk.headers["Authorization"] = "Bearer {token}"\n'
        "request = function() return wrk.format(nil, paths[math.random(#paths)]) end\n"
    )


class Pacer:
    """wrk held near a steady rate: each connection waits between its requests (wrk's `delay`).

    A connection sends about ten requests a second, so its wait is about 100 ms, and the wait is
    corrected after each run by the time a request took, measured from the rate.
    """

    def __init__(self, url: str, script: str, rate: float) -> None:
        self.url, self.script = url, script
        self.connections = max(1, round(rate / 10))
        self.period_ms = 1000 * self.connections / rate
        self.delay_ms = self.period_ms

    def run(self, seconds: int) -> Figures:
        delay = f"function delay() return {round(self.delay_ms)} end\n"
        figures = wrk(self.url, self.script + delay, self.connections, seconds)
        self.delay_ms = max(0.0, self.delay_ms + self.period_ms - 1000 * self.connections / figures.rate)
        return figures


def _percentile(output: str, which: str) -> float:
    match = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    assert match, output
    return round(float(match[1]) * _UNITS[match[2]], 3)
