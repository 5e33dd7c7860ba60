"""The limits' providers: where the counters live (beside the event store, so that every process
using it shares them), and the use cases, None when their limit is off."""

from __future__ import annotations

from collections.abc import Callable

from adapters.limits_memory import MemoryLimits
from adapters.limits_postgres import PostgresLimits
from adapters.limits_sqlite import SqliteLimits, limits_file
from application.limits import ClientRateLimit, RecipientGuard
from application.ports import Clock
from bootstrap.settings import Settings

Limits = MemoryLimits | SqliteLimits | PostgresLimits


def limit_store(settings: Settings) -> Limits:
    rate, hourly = settings.client_rate, settings.recipient_hourly_limit
    if settings.event_store == "sqlite":
        return SqliteLimits(limits_file(settings.sqlite_file), rate, hourly)
    if settings.event_store == "postgres":
        return PostgresLimits(
            settings.postgres_connection,
            settings.postgres_schema,
            rate,
            hourly,
            settings.postgres_create_tables,
        )
    return MemoryLimits(rate, hourly)


def client_rate_limit(
    settings: Settings, limits: Callable[[], Limits], clock: Clock
) -> ClientRateLimit | None:
    return ClientRateLimit(limits(), clock) if settings.client_rate else None


def recipient_guard(settings: Settings, limits: Callable[[], Limits], clock: Clock) -> RecipientGuard | None:
    limit = settings.recipient_hourly_limit
    return RecipientGuard(limits(), clock, limit) if limit else None
