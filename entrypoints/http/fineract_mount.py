"""What `NOTIFICATIONS_FINERACT=true` adds to the application: the routes, the paths the bearer
token check skips, and a task that follows the tenant register."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import structlog
from litestar import Litestar, Router

from application.fineract_tenants import TenantKeys
from bootstrap.container import Container
from bootstrap.settings import Settings
from entrypoints.http.fineract import fineract_paths, fineract_routes
from entrypoints.http.fineract_json import SmsBridge
from entrypoints.http.fineract_openapi import describe_fineract

log = structlog.get_logger("notifications")

_DESCRIPTIONS = {
    "twilio": "Twilio's Messages API",
    "outbox": "the outbox folder: messages are written to files, not sent",
    "discard": "discarded: messages are dropped and reported delivered",
    "none": "no SMS provider: every SMS is refused",
}


@dataclass(frozen=True)
class FineractMount:
    router: Router
    paths: list[str]
    lifespan: Callable[[Litestar], AbstractAsyncContextManager[None]]
    prefix: str

    def describe(self, app: Litestar) -> None:
        describe_fineract(app, self.prefix)


def fineract_mount(container: Container) -> FineractMount:
    settings = container.settings()
    tenants: TenantKeys = container.fineract_tenants()

    @contextlib.asynccontextmanager
    async def following_tenants(app: Litestar) -> AsyncIterator[None]:
        await tenants.refresh()
        task = asyncio.create_task(_follow(tenants, settings.revocation_refresh))
        try:
            yield
        finally:
            task.cancel()

    router = fineract_routes(
        settings.fineract_path,
        tenants,
        container.fineract_gateway(),
        sms_bridges(settings),
        container.client_rate_limit(),
    )
    return FineractMount(
        router, fineract_paths(settings.fineract_path), following_tenants, settings.fineract_path
    )


def sms_bridges(settings: Settings) -> list[SmsBridge]:
    """One bridge: the SMS provider this service delivers with (its sender number, no secret)."""
    provider = settings.sms_provider
    phone = settings.twilio_sms_from if provider == "twilio" else ""
    return [SmsBridge(1, "", phone, "", provider, _DESCRIPTIONS[provider])]


async def _follow(tenants: TenantKeys, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await tenants.refresh()
        except Exception as error:  # keep the last known tenants; try again next time
            log.warning("fineract.tenants_refresh_failed", error=str(error))
