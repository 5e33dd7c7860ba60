"""`GET /metrics` for Prometheus, and the middleware that counts every answer (docs/operations.md)."""

from __future__ import annotations

import hmac
import time
from typing import Any, Protocol, runtime_checkable

from litestar import Request, Response, get
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from application.metrics import Backlog, BacklogFigures
from entrypoints.http.headers import field_value

PATH = "/metrics"
UNMATCHED = "unmatched"  # the route label of answers no route made (404, 405 before routing)


@runtime_checkable
class Scraped(Protocol):
    content_type: str

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        """Counts one answered request."""

    def exposition(self, backlog: BacklogFigures) -> bytes:
        """Every series in Prometheus' text format."""


def metrics_middleware(app: ASGIApp, metrics: Scraped) -> ASGIApp:
    """Counts each answer by its route's template, method and status, and times POSTs."""
    count, clock = metrics.request, time.perf_counter

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started, status = clock(), 500

        async def send_counted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_counted)
        finally:
            count(scope.get("path_template") or UNMATCHED, scope["method"], status, clock() - started)

    return middleware


def metrics_route(metrics: Scraped, backlog: Backlog, token: str) -> HTTPRouteHandler:
    """The scrape: open like /health, or only with `Authorization: Bearer <token>` when a token is set."""
    expected = token.encode()
    media_type = metrics.content_type.replace("; charset=utf-8", "")  # Litestar adds it to text types

    @get(
        PATH,
        operation_id="metrics",
        tags=["operations"],
        media_type=media_type,
        response_description="The series, in Prometheus' text format 0.0.4.",
    )
    async def scrape_metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
        """Every series in Prometheus' text format: requests, notifications accepted, delivered and
        refused, delivery attempts, provider errors, latencies, relay lag and queue depth. Needs
        `Authorization: Bearer <NOTIFICATIONS_METRICS_TOKEN>` when that setting is set."""
        if expected and not _carries(request.scope, expected):
            raise NotAuthorizedException(
                "the metrics token is required", headers={"WWW-Authenticate": 'Bearer realm="metrics"'}
            )
        return Response(metrics.exposition(await backlog.figures()), media_type=media_type)

    return scrape_metrics


def _carries(scope: Scope, expected: bytes) -> bool:
    value = field_value(next((v for k, v in scope["headers"] if k == b"authorization"), b""))
    scheme, _, token = value.partition(b" ")
    return scheme.lower() == b"bearer" and hmac.compare_digest(token.strip(), expected)
