"""The event store on the eventsourcing library: a SQLite file, PostgreSQL, or memory for tests.

Also serves the request log: the global, ordered log of requested notifications that the relay
follows, and the durable positions of its readers (the library's tracking records); and the
event log that auditors read, every event with its place in its aggregate's hash chain.
Events are stored encrypted when a cipher key is given.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import ProcessRecorder, StoredEvent, Tracking
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder
from eventsourcing.utils import get_topic
from psycopg.sql import Composable

from adapters.change_waiters import InProcessChanges
from adapters.hash_chain import ChainedEventStore, ChainingMapper
from adapters.persistence import (
    ENVELOPE,
    EventLogApplication,
    check_readable,
    cipher_env,
    create_schema,
    logged_event,
    probe,
    select_many,
    traceparent_of,
    translated,
)
from adapters.postgres_changes import PostgresListener
from adapters.postgres_on_loop import PostgresOnLoop, Unreachable
from adapters.sqlite_changes import SqliteLogFollower
from adapters.sqlite_on_loop import Busy, SqliteOnLoop
from adapters.write_check import WriteCheck, postgres_probe, sqlite_probe
from application.audit import Link, LoggedEvent
from application.errors import Conflict, NotFound, StoreUnavailable
from application.ports import LoggedRequest, RecordedEvent
from application.webhook_ports import DELIVERED, READ, REFUSED, LoggedMessage, LoggedOutcome
from domain.access import AccessTokens
from domain.fineract import FineractTenants
from domain.notification import Notification
from domain.webhooks import WebhookMessage

T = TypeVar("T")
_REQUESTED = get_topic(Notification.Requested)
# The outcomes a client's webhook hears of: a disposition is a read only when it sets `read_at`,
# which the dispatcher checks on the notification
_OUTCOMES = {
    f"{get_topic(Notification)}.Delivered": DELIVERED,
    f"{get_topic(Notification)}.Refused": REFUSED,
    f"{get_topic(Notification)}.DispositionReported": READ,
}
_SCHEDULED = f"{get_topic(WebhookMessage)}.Scheduled"


class EventSourcedStore:
    def __init__(self, env: dict[str, str], where: str = "the event store", cipher_key: str = "") -> None:
        self.where = where
        with translated(where):
            self._app = EventLogApplication(env=env | cipher_env(cipher_key))
        recorder, mapper = self._app.recorder, self._app.mapper
        assert isinstance(recorder, ProcessRecorder) and isinstance(mapper, ChainingMapper)
        self._recorder, self._mapper = recorder, mapper
        with translated(where):
            check_readable(recorder, mapper)
        events = self._app.events
        assert isinstance(events, ChainedEventStore)
        self._events = events
        self._sqlite_on_loop: SqliteOnLoop | None = None
        self._postgres_on_loop: PostgresOnLoop | None = None
        self._writes = WriteCheck()  # memory: writes cannot fail
        self._changes: Callable[[], InProcessChanges] = InProcessChanges  # memory: no other writer

    @classmethod
    def sqlite(cls, path: Path, lock_timeout: float = 10.0, cipher_key: str = "") -> EventSourcedStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        store = cls(
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": str(int(lock_timeout)),
            },
            f"the SQLite event store {path}",
            cipher_key,
        )
        recorder = store._recorder
        assert isinstance(recorder, SQLiteProcessRecorder)
        store._sqlite_on_loop = SqliteOnLoop(
            path, recorder.events_table_name, recorder.insert_tracking_statement, store.where
        )
        store._writes = WriteCheck(sqlite_probe(path, store.where))
        store._changes = lambda: SqliteLogFollower(path, recorder.events_table_name)
        return store

    @classmethod
    def in_memory(cls, cipher_key: str = "") -> EventSourcedStore:
        return cls({"PERSISTENCE_MODULE": "eventsourcing.popo"}, "the in-memory event store", cipher_key)

    @classmethod
    def postgres(
        cls,
        host: str,
        port: int,
        dbname: str,
        user: str,
        password: str,
        schema: str = "public",
        pool_size: int = 5,
        connect_timeout: int = 5,
        create_tables: bool = True,
        cipher_key: str = "",
    ) -> EventSourcedStore:
        """A store in PostgreSQL; its tables (and schema) are created first unless `create_tables` is off."""
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_HOST": host,
            "POSTGRES_PORT": str(port),
            "POSTGRES_DBNAME": dbname,
            "POSTGRES_USER": user,
            "POSTGRES_PASSWORD": password,
            "POSTGRES_SCHEMA": schema,
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_CONNECT_TIMEOUT": str(connect_timeout),
            "CREATE_TABLE": "yes" if create_tables else "no",
        }
        store = cls(env, f"PostgreSQL at {host}:{port}/{dbname}", cipher_key)
        recorder = store._recorder
        assert isinstance(recorder, PostgresProcessRecorder)
        parameters = {"host": host, "port": port, "dbname": dbname, "user": user, "password": password}
        store._postgres_on_loop = PostgresOnLoop(
            parameters | {"connect_timeout": connect_timeout},
            recorder.datastore.schema,
            recorder.events_table_name,
            cast(list[Composable], recorder.lock_table_statements),  # the library's, composed
            recorder.channel_name,
            recorder.datastore.originator_id_type,
        )
        store._writes = WriteCheck(
            postgres_probe(
                recorder.datastore, recorder.datastore.schema, recorder.events_table_name, store.where
            )
        )
        store._changes = lambda: PostgresListener(
            parameters | {"connect_timeout": connect_timeout},
            recorder.datastore.schema,
            recorder.events_table_name,
            recorder.channel_name,
        )
        return store

    async def save(self, *aggregates: Notification | AccessTokens | FineractTenants | DomainEvent) -> None:
        """Stores the aggregates' new events (or the events given) in one transaction."""
        try:
            await self._save(aggregates)
        except StoreUnavailable:
            self._writes.failed()
            raise
        self._writes.committed()

    async def _save(
        self, aggregates: tuple[Notification | AccessTokens | FineractTenants | DomainEvent, ...]
    ) -> None:
        # Not the library's Application.save: it tells events from aggregates with a runtime
        # protocol check that cost a third of a batch's time.
        events = [
            event
            for item in aggregates
            for event in ([item] if isinstance(item, DomainEvent) else item.collect_events())
        ]
        on_loop = self._sqlite_on_loop or self._postgres_on_loop
        if on_loop and (chained := self._events.chain_without_reading(events)) is not None:
            with contextlib.suppress(Busy, Unreachable), translated(self.where):
                await on_loop.write([stored for stored, _ in chained])
                self._events.remember(chained)
                return
        await self._run(lambda: self._events.put(events))

    async def get(self, aggregate_id: UUID) -> Any:
        [found] = await self.get_many([aggregate_id])
        if found is None:
            raise NotFound(aggregate_id)
        return found

    async def get_many(self, aggregate_ids: list[UUID]) -> list[Any]:
        """The aggregates with these ids, in their order (None for an unknown id), read in one query.

        An id asked for twice gets two objects: whoever changes one must not change the other.
        """

        distinct = list(set(aggregate_ids))

        def project(found: dict[UUID, list[StoredEvent]]) -> list[Any]:
            return [self._project(found.get(aggregate_id, [])) for aggregate_id in aggregate_ids]

        if self._sqlite_on_loop:
            with contextlib.suppress(Busy), translated(self.where):
                return project(self._sqlite_on_loop.read(distinct))
        if self._postgres_on_loop:
            with contextlib.suppress(Unreachable), translated(self.where):
                return project(await self._postgres_on_loop.read(distinct))
        return await self._run(lambda: project(select_many(self._recorder, distinct)))

    async def history(self, aggregate_id: UUID) -> list[RecordedEvent]:
        events: list[Any] = await self._run(lambda: list(self._app.events.get(aggregate_id)))
        return [_recorded(event) for event in events]

    async def ping(self) -> None:
        """Returns if the store answers a read and would take a write (adapters/write_check.py)."""
        await self._run(lambda: probe(self._recorder))
        await self._writes.check(self._run)

    def changes(self) -> InProcessChanges:
        """New waiters for the notifications' changes, woken by this store's writes from any
        process (adapters/change_waiters.py): a log follower on SQLite, LISTEN on PostgreSQL."""
        return self._changes()

    async def migrate(self) -> None:
        """Creates the tables (and the PostgreSQL schema) that do not exist yet; safe to repeat."""
        await self._run(self._create_tables)

    async def requested_after(self, position: int, limit: int, traced: bool = False) -> list[LoggedRequest]:
        """The requests after the position; `traced` reads each one's `traceparent` too (its event
        decoded, in a thread: only done when tracing is on)."""
        if traced:
            return await self._run(lambda: self._requested_with_traces(position, limit))
        if self._sqlite_on_loop:
            with contextlib.suppress(Busy):
                rows = self._sqlite_on_loop.requested_after(position, _REQUESTED, limit)
                return [LoggedRequest(rowid, UUID(originator_id)) for rowid, originator_id in rows]
        records = await self._run(
            lambda: self._recorder.select_notifications(
                position, limit, topics=[_REQUESTED], inclusive_of_start=False
            )
        )
        return [LoggedRequest(record.id, UUID(str(record.originator_id))) for record in records]

    def _requested_with_traces(self, position: int, limit: int) -> list[LoggedRequest]:
        records = self._recorder.select_notifications(
            position, limit, topics=[_REQUESTED], inclusive_of_start=False
        )
        return [
            LoggedRequest(record.id, UUID(str(record.originator_id)), traceparent_of(self._mapper, record))
            for record in records
        ]

    async def outcomes_after(self, position: int, limit: int) -> list[LoggedOutcome]:
        """Outcomes of notifications after the position, for webhooks (the OutcomeLog port)."""
        records = await self._run(
            lambda: self._recorder.select_notifications(
                position, limit, topics=list(_OUTCOMES), inclusive_of_start=False
            )
        )
        return [LoggedOutcome(r.id, UUID(str(r.originator_id)), _OUTCOMES[r.topic]) for r in records]

    async def scheduled_after(self, position: int, limit: int) -> list[LoggedMessage]:
        """Webhook messages scheduled after the position (the OutcomeLog port)."""
        records = await self._run(
            lambda: self._recorder.select_notifications(
                position, limit, topics=[_SCHEDULED], inclusive_of_start=False
            )
        )
        return [LoggedMessage(r.id, UUID(str(r.originator_id))) for r in records]

    async def position(self, reader: str) -> int:
        return await self._run(lambda: self._recorder.max_tracking_id(reader)) or 0

    async def track(self, reader: str, position: int) -> None:
        with contextlib.suppress(Conflict):  # the tracked position was already as far
            if self._sqlite_on_loop:
                with contextlib.suppress(Busy):
                    return await self._sqlite_on_loop.track(reader, position)
            await self._run(lambda: self._recorder.insert_tracking(Tracking(reader, position)))

    async def read_log(self, after: int, until: int | None, limit: int) -> list[LoggedEvent]:
        def read() -> list[LoggedEvent]:
            records = self._recorder.select_notifications(after, limit, stop=until, inclusive_of_start=False)
            return [logged_event(self._mapper, record) for record in records]

        return await self._run(read)

    async def link_at(self, aggregate_id: UUID, version: int) -> Link | None:
        def read() -> Link | None:
            stored = self._recorder.select_events(aggregate_id, gt=version - 1, lte=version)
            return self._mapper.link_of(stored[0]) if stored else None

        return await self._run(read)

    async def last_position(self) -> int:
        return await self._run(self._recorder.max_notification_id) or 0

    def close(self) -> None:
        if self._sqlite_on_loop:
            self._sqlite_on_loop.close()
        if self._postgres_on_loop:
            self._postgres_on_loop.close()
        self._app.close()

    def _create_tables(self) -> None:
        create_schema(self._app.factory)
        if create_table := getattr(self._recorder, "create_table", None):
            create_table()

    def _project(self, stored: list[StoredEvent]) -> Any:
        aggregate = None
        for record in stored:
            event: Any = self._mapper.to_domain_event(record, newest=record is stored[-1])
            aggregate = event.mutate(aggregate)
        return aggregate

    async def _run(self, call: Callable[[], T]) -> T:
        with translated(self.where):
            return await asyncio.to_thread(call)


def _recorded(event: DomainEvent) -> RecordedEvent:
    data = {k: v for k, v in vars(event).items() if k not in ENVELOPE}
    return RecordedEvent(type(event).__name__, event.originator_version, event.timestamp, data)
