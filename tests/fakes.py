"""Fakes for the ports that record what they were asked, for the unit tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from uuid import UUID

from application.errors import DeliveryError, ForgedCallback
from application.ports import Progress, StatusUpdate
from domain.notification import Notification, Receipt


class RecordingProvider:
    """Takes every message, or fails with the errors it is given, in order, first."""

    def __init__(self, failures: Iterable[DeliveryError] = (), awaiting_confirmation: bool = False) -> None:
        self.failures = list(failures)
        self.awaiting_confirmation = awaiting_confirmation
        self.delivered: list[Notification] = []
        self.calls = 0

    async def deliver(self, notification: Notification) -> Receipt:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(notification)
        return Receipt("fake", f"fake-{self.calls}", awaiting_confirmation=self.awaiting_confirmation)


class FakeCallbacks:
    """Reads callbacks signed "signed", whose form names the notification and its progress; records
    every callback it is shown."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, dict[str, str], str]] = []

    def read(self, query: str, form: Mapping[str, str], signature: str) -> StatusUpdate:
        self.shown.append((query, dict(form), signature))
        if signature != "signed":
            raise ForgedCallback("the signature does not match")
        return StatusUpdate(
            notification_id=UUID(form["id"]),
            provider="fake",
            provider_message_id=form.get("sid"),
            progress=Progress(form["progress"]),
            code=form.get("code", ""),
            description=form.get("description", ""),
        )


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current
