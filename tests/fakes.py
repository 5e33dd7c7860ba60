"""Fakes for the ports that record what they were asked, for the unit tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from application.errors import DeliveryError
from domain.notification import Notification, Receipt


class RecordingProvider:
    """Takes every message, or fails with the errors it is given, in order, first."""

    def __init__(self, failures: Iterable[DeliveryError] = ()) -> None:
        self.failures = list(failures)
        self.delivered: list[Notification] = []
        self.calls = 0

    async def deliver(self, notification: Notification) -> Receipt:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(notification)
        return Receipt(provider="fake", message_id=f"fake-{self.calls}")


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
