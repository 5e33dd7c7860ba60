"""The event store on the eventsourcing library: a SQLite file, or memory for tests.

Also serves the request log: the global, ordered log of requested notifications that the relay
follows, and the durable positions of its readers (the library's tracking records).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import IntegrityError, PersistenceError, ProcessRecorder, Tracking
from eventsourcing.utils import get_topic

from application.errors import Conflict, NotFound, StoreUnavailable
from application.ports import LoggedRequest, RecordedEvent
from domain.access import AccessTokens
from domain.notification import Notification

T = TypeVar("T")
_REQUESTED = get_topic(Notification.Requested)  # type: ignore[attr-defined]  # made by @event
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


class _Log(Application[UUID]):
    name = "notifications"

    def construct_recorder(self) -> ProcessRecorder:
        return self.factory.process_recorder()


class EventSourcedStore:
    def __init__(self, env: dict[str, str]) -> None:
        self._app = _Log(env=env)
        recorder = self._app.recorder
        assert isinstance(recorder, ProcessRecorder)
        self._recorder = recorder

    @classmethod
    def sqlite(cls, path: Path, lock_timeout: float = 10.0) -> EventSourcedStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": str(int(lock_timeout)),
            }
        )

    @classmethod
    def in_memory(cls) -> EventSourcedStore:
        return cls({"PERSISTENCE_MODULE": "eventsourcing.popo"})

    async def save(self, *aggregates: Notification | AccessTokens) -> None:
        await self._run(lambda: self._app.save(*aggregates))

    async def get(self, aggregate_id: UUID) -> Any:
        return await self._run(lambda: self._app.repository.get(aggregate_id))

    async def history(self, aggregate_id: UUID) -> list[RecordedEvent]:
        events: list[Any] = await self._run(lambda: list(self._app.events.get(aggregate_id)))
        return [_recorded(event) for event in events]

    async def ping(self) -> None:
        await self._run(self._recorder.max_notification_id)

    async def requested_after(self, position: int, limit: int) -> list[LoggedRequest]:
        records = await self._run(
            lambda: self._recorder.select_notifications(
                position, limit, topics=[_REQUESTED], inclusive_of_start=False
            )
        )
        return [LoggedRequest(record.id, UUID(str(record.originator_id))) for record in records]

    async def position(self, reader: str) -> int:
        return await self._run(lambda: self._recorder.max_tracking_id(reader)) or 0

    async def track(self, reader: str, position: int) -> None:
        with contextlib.suppress(Conflict):  # the tracked position was already as far
            await self._run(lambda: self._recorder.insert_tracking(Tracking(reader, position)))

    def close(self) -> None:
        self._app.close()

    @staticmethod
    async def _run(call: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(call)
        except IntegrityError as error:
            raise Conflict(str(error)) from None
        except AggregateNotFoundError as error:
            raise NotFound(str(error)) from None
        except PersistenceError as error:
            raise StoreUnavailable(f"{type(error).__name__}: {error}") from error


def _recorded(event: DomainEvent) -> RecordedEvent:
    data = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
    return RecordedEvent(type(event).__name__, event.originator_version, event.timestamp, data)
