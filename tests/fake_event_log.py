"""A fake event log for the audit use cases: events given by hand, and a record of every read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from application.audit import GENESIS, Link, LoggedEvent

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class FakeEventLog:
    def __init__(self, events: list[LoggedEvent] | None = None) -> None:
        self.events = events or []
        self.reads: list[tuple[int, int | None, int]] = []
        self.lookups: list[tuple[UUID, int]] = []

    def add(self, aggregate_id: UUID, type_: str, version: int, **data: Any) -> LoggedEvent:
        """Appends an event chained after the aggregate's previous version, at the next position."""
        previous = GENESIS if version == 1 else hash_of(aggregate_id, version - 1)
        link = Link(previous, hash_of(aggregate_id, version), intact=True)
        return self.append(aggregate_id, type_, version, link=link, data=data)

    def append(self, aggregate_id: UUID, type_: str, version: int, **fields: Any) -> LoggedEvent:
        position = (self.events[-1].position if self.events else 0) + fields.pop("gap", 0) + 1
        fields.setdefault("data", {})
        fields.setdefault("timestamp", T0 + timedelta(minutes=position))
        event = LoggedEvent(position, aggregate_id, version, type_, **fields)
        self.events.append(event)
        return event

    async def read_log(self, after: int, until: int | None, limit: int) -> list[LoggedEvent]:
        self.reads.append((after, until, limit))
        chosen = [e for e in self.events if e.position > after and (until is None or e.position <= until)]
        return chosen[:limit]

    async def link_at(self, aggregate_id: UUID, version: int) -> Link | None:
        self.lookups.append((aggregate_id, version))
        found = [e.link for e in self.events if (e.aggregate_id, e.version) == (aggregate_id, version)]
        return found[0] if found else None

    async def last_position(self) -> int:
        return self.events[-1].position if self.events else 0


def hash_of(aggregate_id: UUID, version: int) -> str:
    return f"{aggregate_id.hex}-{version}"
