"""The Litestar application: routes, authentication, problem details, and what runs beside it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from litestar import Litestar
from litestar.di import Provide
from litestar.middleware import DefineMiddleware

from application.access import Access
from application.ports import EventStore, NotificationQueue
from bootstrap.container import Container
from entrypoints.http import providers
from entrypoints.http.auth import BearerAuthentication
from entrypoints.http.cors import cors_config, cors_hooks
from entrypoints.http.demo_page import demo_routes
from entrypoints.http.fineract_mount import fineract_mount
from entrypoints.http.head import head_as_get
from entrypoints.http.health import HealthController
from entrypoints.http.metrics import Scraped, metrics_middleware, metrics_route
from entrypoints.http.notifications import NotificationsController
from entrypoints.http.openapi import describe, openapi_config, swagger_ui_assets
from entrypoints.http.problems import problem_response
from entrypoints.http.request_id import request_id_middleware

log = structlog.get_logger("notifications")

UNAUTHENTICATED = ["^/health/", "^/schema", f"^{providers.PATH}/"]
UNAUTHENTICATED += ["^/demo(/|$)"]  # the demo page's files; the page calls /v1 with a token
UNAUTHENTICATED += ["^/metrics$"]  # open, or behind its own token (NOTIFICATIONS_METRICS_TOKEN)


def create_app(container: Container, run_worker: bool = True) -> Litestar:
    settings = container.settings()
    fineract = fineract_mount(container) if settings.fineract else None
    metrics = container.metrics() if settings.metrics else None
    assert metrics is None or isinstance(metrics, Scraped)

    def event_store() -> EventStore:
        store: EventStore = container.event_store()
        return store

    def queue() -> NotificationQueue:
        queue: NotificationQueue = container.queue()
        return queue

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        access = container.access()
        await access.refresh_revocations()
        refreshing = asyncio.create_task(_follow_revocations(access, settings.revocation_refresh))
        if (identity_provider := container.identity_provider()) is not None:
            identity_provider.keys.start_loading()  # the service starts even if the provider is down
        worker = container.worker() if run_worker else None
        if worker:
            worker.start()
        try:
            yield
        finally:
            if worker:
                await worker.shutdown(settings.shutdown_timeout)
            refreshing.cancel()
            await container.queue().close()
            await container.changes().close()
            if settings.client_rate or settings.recipient_hourly_limit:
                container.limits().close()
            container.metrics().close()

    app = Litestar(
        route_handlers=[
            NotificationsController.serving(
                container.notifications(), container.status_waits(), container.client_rate_limit()
            ),
            HealthController,
            providers.provider_routes(container),
            swagger_ui_assets(),
            *([demo_routes(settings.demo_connect_origins)] if settings.demo else []),
            *([fineract.router] if fineract else []),
            *([metrics_route(metrics, container.backlog(), settings.metrics_token)] if metrics else []),
        ],
        dependencies={
            "event_store": Provide(event_store, sync_to_thread=False),
            "queue": Provide(queue, sync_to_thread=False),
        },
        middleware=[
            DefineMiddleware(
                BearerAuthentication,
                access=container.access(),
                exclude=UNAUTHENTICATED + (fineract.paths if fineract else []),
            )
        ],
        exception_handlers={Exception: problem_response},
        request_max_body_size=settings.max_request_bytes,
        logging_config=None,
        lifespan=[lifespan, *([fineract.lifespan] if fineract else [])],
        openapi_config=openapi_config(),
        cors_config=cors_config(settings.cors_origins),
        before_send=cors_hooks(settings.cors_origins),
    )
    describe(app)
    if fineract:
        fineract.describe(app)
    # Outermost, so that answers made before any route (401, 404, 405) carry the request id too.
    # Inside HEAD's GET, so that the route a HEAD took is known; outside the routes' 401s and 404s.
    handler = metrics_middleware(app.asgi_handler, metrics) if metrics else app.asgi_handler
    app.asgi_handler = request_id_middleware(head_as_get(handler))
    if (tracing := container.tracer_provider()) is not None:
        from entrypoints.http.tracing import server_spans  # OpenTelemetry, imported only when on

        app.asgi_handler = server_spans(app.asgi_handler, tracing)
    return app


async def _follow_revocations(access: Access, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await access.refresh_revocations()
        except Exception as error:  # keep the last known revocations; try again next time
            log.warning("revocations.refresh_failed", error=str(error))
