"""The event stores the benchmark runs on: the embedded SQLite default and the tests' PostgreSQL.

Each part of the benchmark gets a store of its own: a new SQLite file, or a new PostgreSQL schema
dropped afterwards.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, LiteralString
from uuid import uuid4

import psycopg
from psycopg import sql

from adapters.event_store import EventSourcedStore
from tests.postgres import DBNAME, HOST, PORT, START, URL, USER

STORES = ("sqlite", "postgres")


@dataclass(frozen=True)
class SqliteStore:
    name: ClassVar[str] = "sqlite"
    folder: Path  # the service's data directory

    @property
    def settings(self) -> dict[str, str]:
        return {}

    def open(self) -> EventSourcedStore:
        return EventSourcedStore.sqlite(self.folder / "events.sqlite")

    def rows(self, query: LiteralString) -> list[tuple[Any, ...]]:
        """Runs a read-only query in SQL both stores understand, `{events}` naming the events table."""
        with closing(sqlite3.connect(self.folder / "events.sqlite")) as connection:
            return connection.execute(query.format(events="stored_events")).fetchall()


@dataclass(frozen=True)
class PostgresStore:
    name: ClassVar[str] = "postgres"
    folder: Path
    schema: str

    @property
    def settings(self) -> dict[str, str]:
        return {"event_store": "postgres", "postgres_url": URL, "postgres_schema": self.schema}

    def open(self) -> EventSourcedStore:
        return EventSourcedStore.postgres(HOST, PORT, DBNAME, USER, "", schema=self.schema)

    def rows(self, query: LiteralString) -> list[tuple[Any, ...]]:
        """Runs a read-only query in SQL both stores understand, `{events}` naming the events table."""
        table = sql.Identifier(self.schema, "notifications_events")  # the library names it after the app
        with _connect() as connection:
            return connection.execute(sql.SQL(query).format(events=table)).fetchall()


BenchStore = SqliteStore | PostgresStore


@contextmanager
def bench_store(name: str, folder: Path) -> Iterator[BenchStore]:
    """A new, empty store of that kind, the service's data in `folder`."""
    if name == "sqlite":
        yield SqliteStore(folder)
        return
    schema = f"bench_{uuid4().hex[:16]}"
    with _connect() as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield PostgresStore(folder, schema)
    finally:
        with _connect() as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def check_postgres() -> None:
    """Stops the benchmark before its first run, with one line, if PostgreSQL is unreachable."""
    _connect().close()


def _connect() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0]
    raise SystemExit(f"PostgreSQL at {HOST}:{PORT} is unreachable ({reason}); start it: {START}")
