"""What the service counts for its operators: the `Metrics` port, and the backlog read at scrape time.

The use cases tell the port what they recorded, after the store took it; an adapter turns that into
series ([operations.md](../docs/operations.md)). `NO_METRICS` counts nothing, for metrics turned off
and for tests that do not look.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import structlog

from application.ports import NotificationQueue, RequestLog
from application.relay import READER
from domain.messages import Channel
from domain.notification import Notification

RELAY_LAG_CAP = 1_000
BACKLOG_MAX_AGE = 5.0
log = structlog.get_logger("notifications")


class ProviderError(enum.Enum):
    """How a provider's attempt failed, as `docs/architecture.md` sorts them."""

    PERMANENT = "permanent"
    TRANSIENT = "transient"
    TIMEOUT = "timeout"
    UNEXPECTED = "unexpected"


@runtime_checkable
class Metrics(Protocol):
    """Counts what was recorded. Each call is cheap (a few microseconds) and never raises."""

    def accepted(self, channel: Channel) -> None:
        """A notification was recorded as requested (once per notification, not per replay)."""

    def attempted(self, channel: Channel) -> None:
        """A delivery attempt began: its claim was recorded and the provider is called next."""

    def in_flight(self, channel: Channel) -> AbstractContextManager[Any]:
        """Holds a provider call as under way while the context lasts."""

    def provider_failed(self, channel: Channel, error: ProviderError) -> None:
        """The provider's attempt failed (the attempt is recorded failed, or the notification refused)."""

    def concluded(self, notification: Notification) -> None:
        """The notification's delivered or refused outcome was recorded; anything else is ignored."""

    def webhook_changed(self, change: str) -> None:
        """A webhook message was recorded `accepted`, `attempt_failed` or `abandoned`."""

    def mailbox_read(self, recorded: int, unmatched: int) -> None:
        """One read of the bounce mailbox recorded reports, and found messages matching nothing."""

    def close(self) -> None:
        """The process stops: what it holds as under way is no longer counted. Called once, last."""


class NoMetrics:
    def accepted(self, channel: Channel) -> None:
        return None

    def attempted(self, channel: Channel) -> None:
        return None

    def in_flight(self, channel: Channel) -> AbstractContextManager[Any]:
        return contextlib.nullcontext()

    def provider_failed(self, channel: Channel, error: ProviderError) -> None:
        return None

    def concluded(self, notification: Notification) -> None:
        return None

    def webhook_changed(self, change: str) -> None:
        return None

    def mailbox_read(self, recorded: int, unmatched: int) -> None:
        return None

    def close(self) -> None:
        return None


NO_METRICS: Metrics = NoMetrics()


@runtime_checkable
class MeasuredQueue(Protocol):
    """A queue that tells how many messages it holds."""

    async def depth(self) -> int:
        """Returns the messages waiting (approximate for cloud queues). Raises QueueUnavailable."""


@dataclass(frozen=True)
class BacklogFigures:
    """`relay_lag`: requested notifications after the relay's tracked position, counted up to
    `RELAY_LAG_CAP`; `queue_depth`: messages in the queue, None where the queue cannot tell (or is
    the event log, whose backlog is the relay lag)."""

    relay_lag: int | None
    queue_depth: int | None


class Backlog:
    """Reads the backlog at most every `max_age` seconds, however often it is asked."""

    def __init__(
        self, log: RequestLog, queue: NotificationQueue | None, max_age: float = BACKLOG_MAX_AGE
    ) -> None:
        self.log, self.queue, self.max_age = log, queue, max_age
        self._figures = BacklogFigures(None, None)
        self._read_at = -max_age
        self._lock = asyncio.Lock()

    async def figures(self) -> BacklogFigures:
        async with self._lock:
            if time.monotonic() - self._read_at >= self.max_age:
                self._figures = BacklogFigures(await self._relay_lag(), await self._queue_depth())
                self._read_at = time.monotonic()
            return self._figures

    async def _relay_lag(self) -> int | None:
        try:
            tracked = await self.log.position(READER)
            return len(await self.log.requested_after(tracked, RELAY_LAG_CAP))
        except Exception as error:  # a scrape must answer; the series is left out this time
            log.warning("metrics.relay_lag_unavailable", error=type(error).__name__)
            return None

    async def _queue_depth(self) -> int | None:
        if not isinstance(self.queue, MeasuredQueue):
            return None
        try:
            return await self.queue.depth()
        except Exception as error:
            log.warning("metrics.queue_depth_unavailable", error=type(error).__name__)
            return None
