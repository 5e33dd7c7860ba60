"""Load from another process: wrk for throughput and latency, a paced client for steady rates."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

import httpx

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Figures:
    rate: float  # requests per second
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


async def paced_posts(url: str, token: str, body: dict[str, object], rate: float, seconds: float) -> int:
    """POSTs at a steady rate (open loop, as clients arrive); returns how many were accepted."""
    accepted = 0
    headers = {"Authorization": f"Bearer {token}"}
    # Idle connections are dropped before the server's keep-alive timeout (5 s) can close them
    # under a request in flight.
    limits = httpx.Limits(max_connections=64, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=30) as client:

        async def one() -> None:
            nonlocal accepted
            if (await client.post("/v1/notifications", json=body)).status_code == 202:
                accepted += 1

        tasks, start = [], time.monotonic()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return accepted


def _percentile(output: str, which: str) -> float:
    match = re.search(rf"^\s+{which}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    assert match, output
    return round(float(match[1]) * _UNITS[match[2]], 3)
