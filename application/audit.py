"""The audit trail: every stored event in the order it was recorded, as an auditor reads it.

The trail is the global event log of the event store; nothing here changes it. Readers page
through it by position, and positions may have gaps (PostgreSQL spends one on a failed save).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

GENESIS = "0" * 64
PAGE_SIZE = 500


@dataclass(frozen=True)
class Link:
    """An event's place in its aggregate's hash chain, as it was stored.

    `previous` is the hash the event carries of its predecessor (GENESIS for version 1), or None
    if it carries no chain. `hash` is its own hash; `intact` says whether that hash is the hash
    of `previous` and of the event's stored content.
    """

    previous: str | None
    hash: str
    intact: bool


@dataclass(frozen=True)
class LoggedEvent:
    """An event as stored: `type` is qualified by its aggregate ("Notification.Delivered")."""

    position: int
    aggregate_id: UUID
    version: int
    type: str
    timestamp: datetime | None
    data: dict[str, Any]
    link: Link | None = None
    damage: str | None = None

    @property
    def aggregate(self) -> str:
        return self.type.partition(".")[0]

    @property
    def name(self) -> str:
        return self.type.rpartition(".")[2]


@runtime_checkable
class EventLog(Protocol):
    """The global event log, read in the order events were recorded."""

    async def read_log(self, after: int, until: int | None, limit: int) -> list[LoggedEvent]:
        """Returns up to `limit` events recorded after position `after` and at or before `until`.

        In log order; positions may have gaps. An event that cannot be decoded is returned with
        `damage` saying why, and no data. Raises StoreUnavailable.
        """

    async def link_at(self, aggregate_id: UUID, version: int) -> Link | None:
        """Returns the chain link of the aggregate's event at `version`, None if there is no such event."""

    async def last_position(self) -> int:
        """Returns the position of the newest event, 0 if the log is empty."""


async def walk(
    log: EventLog, after: int = 0, until: int | None = None, page_size: int = PAGE_SIZE
) -> AsyncIterator[LoggedEvent]:
    """Yields every event after `after` (up to `until`), one page in memory at a time."""
    while True:
        page = await log.read_log(after, until, page_size)
        for event in page:
            yield event
        if len(page) < page_size:
            return
        after = page[-1].position
