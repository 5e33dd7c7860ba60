"""The benchmark's ceiling: a bare Litestar app in a process of its own.

It runs on the server stack `notifications serve` runs on (`entrypoints.http.server.run`: uvicorn,
uvloop, httptools, the same header, keep-alive and shutdown limits from the same settings, the same
collector settings), and has no middleware, no logging, no authentication and no storage. Its
POST decodes the same body into the same msgspec union (`NotificationRequest`) and answers 202;
its GET answers a small JSON object. What the service does beyond that is what the benchmark's
ratios measure.

Run as `python -m tests.benchmarks.bare PORT`; `BareServer` starts it and waits until it answers.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time
from typing import Annotated, Any

import httpx
from litestar import Litestar, get, post
from litestar.params import Body

from entrypoints.http.schemas import NotificationRequest
from tests.queue_servers import free_port

POST_PATH = "/v1/notifications"
GET_PATH = "/v1/notifications/{notification_id:str}"


@post(POST_PATH, status_code=202)
async def accept(data: Annotated[NotificationRequest, Body()]) -> dict[str, str]:
    return {"status": "pending"}


@get(GET_PATH)
async def status(notification_id: str) -> dict[str, str]:
    return {"id": notification_id, "status": "delivered"}


def bare_app(max_body_bytes: int) -> Litestar:
    return Litestar(
        route_handlers=[accept, status],
        request_max_body_size=max_body_bytes,
        logging_config=None,
        openapi_config=None,
    )


class BareServer:
    """The bare app's process, started for a `with` block; `url` is its base URL."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env if env is not None else dict(os.environ)
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> BareServer:
        command = [sys.executable, "-m", "tests.benchmarks.bare", str(self.port)]
        self.process = subprocess.Popen(command, env=self.env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/v1/notifications/ready", timeout=1).raise_for_status()
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("the bare app did not start")

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(30)


def _serve(port: int) -> None:
    from bootstrap.settings import load_settings
    from entrypoints.http.server import HttpLimits, run

    settings = load_settings()
    limits = HttpLimits(
        settings.http_max_header_bytes, settings.http_header_timeout, settings.http_keep_alive_timeout
    )
    app: Any = bare_app(settings.max_request_bytes)
    gc.collect()  # as `serve` does (entrypoints/cli.py)
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    run(app, "127.0.0.1", port, limits, settings.shutdown_timeout)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
