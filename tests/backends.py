"""The databases under the event store, reached around it: to read raw rows and to tamper with them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from psycopg import sql

from adapters.event_store import EventSourcedStore
from tests.postgres import URL, connect, postgres_store


class Backend(Protocol):
    def open(self, **options: Any) -> EventSourcedStore: ...
    def state(self, aggregate_id: UUID, version: int) -> bytes: ...
    def set_state(self, aggregate_id: UUID, version: int, state: bytes) -> None: ...
    def delete(self, aggregate_id: UUID, version: int) -> None: ...
    def raw(self) -> bytes: ...
    def settings(self) -> dict[str, str]: ...
    def close(self) -> None: ...


class SqliteBackend:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.stores: list[EventSourcedStore] = []

    def open(self, **options: Any) -> EventSourcedStore:
        self.stores.append(EventSourcedStore.sqlite(self.path, **options))
        return self.stores[-1]

    def state(self, aggregate_id: UUID, version: int) -> bytes:
        with sqlite3.connect(self.path) as db:
            [(state,)] = db.execute(
                "SELECT state FROM stored_events WHERE originator_id = ? AND originator_version = ?",
                (aggregate_id.hex, version),
            ).fetchall()
        return bytes(state)

    def set_state(self, aggregate_id: UUID, version: int, state: bytes) -> None:
        self._change(
            "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
            (state, aggregate_id.hex, version),
        )

    def delete(self, aggregate_id: UUID, version: int) -> None:
        self._change(
            "DELETE FROM stored_events WHERE originator_id = ? AND originator_version = ?",
            (aggregate_id.hex, version),
        )

    def raw(self) -> bytes:
        """Every byte of the database files: the main file, and the write-ahead log beside it."""
        return b"".join(p.read_bytes() for p in sorted(self.path.parent.glob(f"{self.path.name}*")))

    def settings(self) -> dict[str, str]:
        """The environment of a `notifications` command that uses this database."""
        return {"NOTIFICATIONS_EVENT_STORE": "sqlite", "NOTIFICATIONS_SQLITE_PATH": str(self.path)}

    def close(self) -> None:
        for store in self.stores:
            store.close()

    def _change(self, statement: str, parameters: tuple[Any, ...]) -> None:
        with sqlite3.connect(self.path) as db:
            assert db.execute(statement, parameters).rowcount == 1


class PostgresBackend:
    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.table = sql.Identifier(schema, "notifications_events")
        self.stores: list[EventSourcedStore] = []

    def open(self, **options: Any) -> EventSourcedStore:
        self.stores.append(postgres_store(self.schema, **options))
        return self.stores[-1]

    def state(self, aggregate_id: UUID, version: int) -> bytes:
        query = "SELECT state FROM {} WHERE originator_id = %s AND originator_version = %s"
        with connect() as db:
            [(state,)] = db.execute(sql.SQL(query).format(self.table), (aggregate_id, version)).fetchall()
        return bytes(state)

    def set_state(self, aggregate_id: UUID, version: int, state: bytes) -> None:
        query = "UPDATE {} SET state = %s WHERE originator_id = %s AND originator_version = %s"
        self._change(query, (state, aggregate_id, version))

    def delete(self, aggregate_id: UUID, version: int) -> None:
        self._change(
            "DELETE FROM {} WHERE originator_id = %s AND originator_version = %s", (aggregate_id, version)
        )

    def raw(self) -> bytes:
        """Every column of every stored row, as bytes."""
        with connect() as db:
            rows = db.execute(sql.SQL("SELECT * FROM {}").format(self.table)).fetchall()
        return b"\n".join(_raw(value) for row in rows for value in row)

    def settings(self) -> dict[str, str]:
        """The environment of a `notifications` command that uses this database."""
        return {
            "NOTIFICATIONS_EVENT_STORE": "postgres",
            "NOTIFICATIONS_POSTGRES_URL": URL,
            "NOTIFICATIONS_POSTGRES_SCHEMA": self.schema,
            "NOTIFICATIONS_POSTGRES_POOL_SIZE": "1",
        }

    def close(self) -> None:
        for store in self.stores:
            store.close()

    def _change(self, query: str, parameters: tuple[Any, ...]) -> None:
        with connect() as db:
            assert db.execute(sql.SQL(query).format(self.table), parameters).rowcount == 1


def _raw(value: object) -> bytes:
    return bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
