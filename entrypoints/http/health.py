"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from application.ports import EventStore, NotificationQueue

CHECK_TIMEOUT = 2.0
log = structlog.get_logger("notifications")


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", operation_id="live")
    async def live(self) -> dict[str, str]:
        """Answers while the process runs."""
        return {"status": "ok"}

    @get("/ready", operation_id="ready")
    async def ready(
        self, event_store: NamedDependency[EventStore], queue: NamedDependency[NotificationQueue]
    ) -> Response[dict[str, str]]:
        """Answers 200 when the event store and the queue both answer, 503 otherwise."""
        checks = {"event_store": await _check(event_store.ping), "queue": await _check(queue.ping)}
        healthy = all(result == "ok" for result in checks.values())
        return Response(
            {"status": "ok" if healthy else "degraded", **checks},
            status_code=HTTP_200_OK if healthy else HTTP_503_SERVICE_UNAVAILABLE,
        )


async def _check(ping: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(ping(), CHECK_TIMEOUT)
    except Exception as error:
        log.warning("health.check_failed", check=ping.__qualname__, error=str(error))
        return f"unavailable: {type(error).__name__}"
    return "ok"
