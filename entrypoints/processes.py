"""The processes of the service, each assembled in one place from the container.

- `one_process`: `notifications serve`, the embedded default: the HTTP API and a worker (relay,
  queue consumer, webhooks, mailbox) as tasks of one event loop.
- `api_process`: `serve --no-worker`, and each of the N processes of `serve --processes N`: the
  HTTP API alone, on its own socket or on one the supervisor shares (`listening_fd`).
- `delivery_process`: `notifications worker`, and the one `serve --processes N` adds: a worker alone.

`serve --processes N` runs the supervisor (`entrypoints/supervisor.py`), which starts these.
"""

from __future__ import annotations

import asyncio
import gc
import signal

from bootstrap.container import Container, build_container
from bootstrap.settings import Settings
from entrypoints.http.schemas import status_view


def container_for(settings: Settings) -> Container:
    """The container every process of the service runs on."""
    return build_container(settings, describe_notification=status_view)


def one_process(container: Container, host: str, port: int) -> None:
    _serve(container, host, port, run_worker=True)


def api_process(container: Container, host: str, port: int, listening_fd: int | None = None) -> None:
    _serve(container, host, port, run_worker=False, listening_fd=listening_fd)


def delivery_process(container: Container) -> None:
    async def run() -> None:
        worker, stopping = container.worker(), asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        worker.start()
        await stopping.wait()
        await worker.shutdown(container.settings().shutdown_timeout)
        await container.queue().close()
        container.metrics().close()

    _keep_collections_short()
    try:
        import uvloop
    except ImportError:  # not on Windows
        asyncio.run(run())
    else:
        uvloop.run(run())


def _serve(
    container: Container, host: str, port: int, run_worker: bool, listening_fd: int | None = None
) -> None:
    from entrypoints.http.app import create_app
    from entrypoints.http.server import HttpLimits, run

    settings = container.settings()
    app = create_app(container, run_worker=run_worker)
    limits = HttpLimits(
        settings.http_max_header_bytes, settings.http_header_timeout, settings.http_keep_alive_timeout
    )
    _keep_collections_short()
    stopping = container.changes().stop_waiting
    run(app, host, port, limits, settings.shutdown_timeout, stopping=stopping, fd=listening_fd)


def _keep_collections_short() -> None:
    # A full collection walks every object; those made at start-up (the modules, the app) live
    # as long as the process. Left out of collections, they no longer stall requests for 60 ms.
    gc.collect()
    gc.freeze()
    # Nearly everything a request makes is freed by reference counting. With the default
    # threshold (700) the collector ran over 100 times a second under load, for little; at 10,000
    # it runs about once a second, and what it does find is held a little longer.
    gc.set_threshold(10_000, 10, 10)
