"""Replay: every notification rebuilt from the event log alone, and what does not add up.

One pass over the log in order. Only notifications still pending are held in memory; an event
for one already finished (or never requested) is looked up in the store, which is rare.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from application.audit import EventLog, LoggedEvent, walk
from domain.access import AccessTokens
from domain.notification import Notification, Status

OUTCOMES = {"Delivered": Status.DELIVERED, "Refused": Status.REFUSED}
UNKNOWN_TIME = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Inconsistency:
    aggregate_id: UUID
    version: int
    position: int
    problem: str


@dataclass(frozen=True)
class Pending:
    notification_id: UUID
    channel: str
    requested_at: datetime
    version: int


@dataclass
class Replay:
    events: int = 0
    last_position: int = 0
    counts: Counter[tuple[str, Status]] = field(default_factory=Counter)
    tokens: Counter[str] = field(default_factory=Counter)
    stale: list[Pending] = field(default_factory=list)
    inconsistencies: list[Inconsistency] = field(default_factory=list)


class Replayer:
    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.report = Replay()
        self.pending: dict[UUID, Pending] = {}

    async def run(self, stale_before: datetime) -> Replay:
        async for event in walk(self.log):
            self.report.events += 1
            self.report.last_position = event.position
            if event.damage:
                self._problem(event, f"cannot be read: {event.damage}")
            if event.aggregate == Notification.__name__:
                await self._follow(event)
            elif event.aggregate == AccessTokens.__name__ and event.name != "Opened":
                self.report.tokens[event.name] += 1
        for pending in self.pending.values():
            self.report.counts[(pending.channel, Status.PENDING)] += 1
        self.report.stale = sorted(
            (p for p in self.pending.values() if p.requested_at < stale_before), key=lambda p: p.requested_at
        )
        return self.report

    async def _follow(self, event: LoggedEvent) -> None:
        if event.version == 1:
            channel = str(event.data.get("channel", "unreadable"))
            requested_at = event.timestamp or UNKNOWN_TIME  # an unreadable request is never stale
            self.pending[event.aggregate_id] = Pending(event.aggregate_id, channel, requested_at, 1)
            return
        pending = self.pending.get(event.aggregate_id)
        if pending is None:
            await self._unexpected(event)
            return
        if event.version != pending.version + 1:
            self._problem(event, f"follows version {pending.version}: a version between them is missing")
        if status := OUTCOMES.get(event.name):
            self.report.counts[(pending.channel, status)] += 1
            del self.pending[event.aggregate_id]
        else:
            self.pending[event.aggregate_id] = Pending(
                pending.notification_id, pending.channel, pending.requested_at, event.version
            )

    async def _unexpected(self, event: LoggedEvent) -> None:
        if await self.log.link_at(event.aggregate_id, 1) is None:
            self._problem(event, "its notification has no Requested event")
        elif event.name in OUTCOMES:
            self._problem(event, f"a second outcome: {event.name} after the notification was finished")
        else:
            self._problem(event, f"{event.name} after the notification was finished")

    def _problem(self, event: LoggedEvent, problem: str) -> None:
        self.report.inconsistencies.append(
            Inconsistency(event.aggregate_id, event.version, event.position, problem)
        )
