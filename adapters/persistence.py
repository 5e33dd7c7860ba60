"""The eventsourcing library set up for the service: its settings for each store, and its errors in ours."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import (
    EventStore,
    InfrastructureFactory,
    IntegrityError,
    Mapper,
    MapperDeserialisationError,
    PersistenceError,
    ProcessRecorder,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.persistence import Notification as LogRecord
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import Environment, EnvType, strtobool

from adapters.hash_chain import ChainedEventStore, ChainingMapper
from application.audit import LoggedEvent
from application.errors import Conflict, StoreUnavailable

ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}
Row = tuple[Any, ...]  # an event's originator id, version, topic and state


class EventLogApplication(Application[UUID]):
    """The library's application, reduced to what the adapter needs: a recorder and an event store."""

    name = "notifications"

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only what the adapter passes. The library would also read os.environ, where it looks
        # up NOTIFICATIONS_* names first (the application's name): those are the service's settings.
        return Environment(name, dict(env or {}))

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(), mapper_class=ChainingMapper)

    def construct_event_store(self) -> EventStore[UUID]:
        assert isinstance(self.mapper, ChainingMapper)
        return ChainedEventStore(self.mapper, self.recorder)

    def construct_recorder(self) -> ProcessRecorder:
        try:
            if strtobool(self.env.get("CREATE_TABLE") or "yes"):
                create_schema(self.factory)
            return self.factory.process_recorder()
        except BaseException:
            self.factory.close()  # or a PostgreSQL pool keeps reconnecting in its threads
            raise


def create_schema(factory: InfrastructureFactory[Any]) -> None:
    """Creates the PostgreSQL schema if it is missing (asking first: creating needs a privilege)."""
    if not isinstance(factory, PostgresFactory):
        return
    schema = factory.datastore.schema
    with factory.datastore.transaction(commit=True) as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        if cursor.fetchone() is None:
            cursor.execute(psycopg.sql.SQL("CREATE SCHEMA {}").format(psycopg.sql.Identifier(schema)))


def cipher_env(key: str) -> dict[str, str]:
    return {"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher", "CIPHER_KEY": key} if key else {}


def check_readable(recorder: ProcessRecorder, mapper: ChainingMapper) -> None:
    """Reads the oldest and the newest event, so that a wrong cipher key stops the process at once.

    One of them damaged does not stop it: `audit verify` names such an event.
    """
    try:
        newest = recorder.max_notification_id()
    except ProgrammingError:  # no tables yet: `db migrate` makes them
        return
    if not newest or any(_readable(mapper, r) for r in recorder.select_notifications(None, 1)):
        return
    if _readable(mapper, recorder.select_notifications(newest, 1)[0]):
        return
    raise StoreUnavailable(
        "the stored events cannot be decrypted with the cipher key given: it is not the key they "
        "were stored with, or they were stored unencrypted"
        if mapper.sealing[1] is not None
        else "the stored events cannot be read: they look encrypted, and no cipher key is given"
    )


def _readable(mapper: ChainingMapper, record: LogRecord) -> bool:
    try:
        mapper.to_domain_event(record)
    except MapperDeserialisationError:
        return False
    return True


def logged_event(mapper: ChainingMapper, record: LogRecord) -> LoggedEvent:
    """The record as auditors read it; a record that cannot be decoded comes with the reason."""
    aggregate_id, version = UUID(str(record.originator_id)), record.originator_version
    kind = record.topic.rpartition(":")[2]  # "Notification.Delivered"
    try:
        event, link = mapper.read(record)
    except Exception as error:  # a damaged row must not stop the reader: it is reported as such
        damage = str(error.__cause__ or error)
        return LoggedEvent(record.id, aggregate_id, version, kind, None, {}, damage=damage)
    data = {name: value for name, value in vars(event).items() if name not in ENVELOPE}
    return LoggedEvent(record.id, aggregate_id, version, kind, vars(event)["timestamp"], data, link)


def select_many(recorder: ProcessRecorder, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
    """The stored events of each aggregate, oldest first: in one query on SQLite and PostgreSQL."""
    rows: list[Row]
    if isinstance(recorder, SQLiteAggregateRecorder):
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(sqlite_select_many(recorder.events_table_name, len(ids)), [i.hex for i in ids])
            rows = [tuple(row) for row in cursor.fetchall()]
    elif isinstance(recorder, PostgresAggregateRecorder):
        statement = postgres_select_many(recorder.datastore.schema, recorder.events_table_name)
        with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(statement, [list(ids)], prepare=True)
            rows = [
                (row["originator_id"], row["originator_version"], row["topic"], row["state"])
                for row in cursor.fetchall()
            ]
    else:
        return {aggregate_id: list(recorder.select_events(aggregate_id)) for aggregate_id in ids}
    return grouped(rows, ids)


def postgres_select_many(schema: str, table: str) -> psycopg.sql.Composed:
    """The query for the events of the aggregates whose ids are bound as one array, in binary
    (psycopg dumps a text array in Python, five times slower)."""
    return psycopg.sql.SQL(
        "SELECT originator_id, originator_version, topic, state FROM {} "
        "WHERE originator_id = ANY(%b) ORDER BY originator_id, originator_version"
    ).format(psycopg.sql.Identifier(schema, table))


def sqlite_select_many(table: str, count: int) -> str:
    """The query for the events of `count` aggregates, their ids' hex bound in order."""
    marks = ",".join("?" * count)
    return (  # the table's name is the library's; the ids are bound
        f"SELECT originator_id, originator_version, topic, state FROM {table} "  # noqa: S608
        f"WHERE originator_id IN ({marks}) ORDER BY originator_id, originator_version"
    )


def grouped(rows: list[Row], ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
    """The rows (id, version, topic, state) as stored events, by aggregate."""
    found: dict[UUID, list[StoredEvent]] = {}
    by_hex = {aggregate_id.hex: aggregate_id for aggregate_id in ids}
    for originator_id, version, topic, state in rows:
        # a UUID from PostgreSQL, its hex from SQLite
        aggregate_id = originator_id if isinstance(originator_id, UUID) else by_hex[originator_id]
        found.setdefault(aggregate_id, []).append(StoredEvent(aggregate_id, version, topic, bytes(state)))
    return found


def probe(recorder: ProcessRecorder) -> None:
    """Asks the store once whether it answers (the recorder's own reads retry for a long time)."""
    datastore = getattr(recorder, "datastore", None)
    if isinstance(datastore, PostgresDatastore):
        with datastore.get_connection() as connection:
            connection.execute("SELECT 1")
    else:
        recorder.max_notification_id()


@contextlib.contextmanager
def translated(where: str) -> Iterator[None]:
    """Turns the library's exceptions (and psycopg's) into the port's errors."""
    try:
        yield
    except IntegrityError as error:
        raise Conflict(str(error)) from None
    except MapperDeserialisationError as error:
        raise StoreUnavailable(f"a stored event in {where} cannot be read: {error}") from None
    except (PersistenceError, psycopg.Error) as error:
        raise StoreUnavailable(f"{where} is unavailable: {type(error).__name__}: {error}") from error


def traceparent_of(mapper: ChainingMapper, record: StoredEvent) -> str | None:
    """The `traceparent` a `Requested` event recorded; None for one stored without (version 1), or
    unreadable: a trace is not worth stopping the relay for."""
    try:
        event = mapper.to_domain_event(record)
    except MapperDeserialisationError:
        return None
    found = getattr(event, "traceparent", None)
    return found if isinstance(found, str) else None
