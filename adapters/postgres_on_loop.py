"""Reads and writes of the PostgreSQL event store, made on the event loop with psycopg's async API.

The library's recorder is synchronous: each read and each save went to a thread, which had to win
the GIL back from the busy event loop, while the loop sat idle a third of the time. An asynchronous
connection sends the statements and lets the loop serve other requests until the answer arrives,
with no thread.

A save takes the library's table lock first, as the library's recorder does (`LOCK TABLE ... IN
EXCLUSIVE MODE`, after its `lock_timeout`): transactions that insert events then commit in the
order of the log positions they were given, so that a reader following the log never passes a
position that is filled in later. It also notifies the library's channel, as the recorder does.

Each event loop gets connections of its own (a command may run several loops), one for reads and
one for saves. When a connection fails before anything was committed, it is dropped and the call
raises Unreachable: the store then does the same work in a thread, through the library's pool,
which reports the failure if PostgreSQL is really down, and the next call connects again. A
connection that fails during COMMIT is dropped too, but the failure is reported: whether the
transaction was committed is not known, and writing it again could store it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from adapters.persistence import grouped, postgres_select_many
from application.errors import Conflict


class Unreachable(Exception):
    """The loop's connection failed or could not be made, having done nothing: use a thread instead."""


class PostgresOnLoop:
    def __init__(
        self,
        connection: Mapping[str, Any],
        schema: str,
        table: str,
        locking: Sequence[sql.Composable],
        channel: str,
        id_type: str,
    ) -> None:
        """`connection` holds psycopg's connection parameters (host, port, dbname, user, password);
        `locking`, the library's statements that take the table lock; `channel`, the one it notifies."""
        self._reads, self._writes = _LoopConnection(connection), _LoopConnection(connection)
        # Rendered once: psycopg would render a composed statement again at each call.
        self._select = postgres_select_many(schema, table).as_string()
        begin = [sql.SQL("BEGIN"), *locking, sql.SQL("NOTIFY {}").format(sql.Identifier(channel))]
        self._begin = sql.SQL("; ").join(begin).as_string()  # no parameters: sent in one round trip
        # Parameters in binary (%b): psycopg dumps a list as a text array in Python, escaping each
        # item, at about 20 us an event against 3.
        self._insert = (
            sql.SQL(
                "INSERT INTO {} (originator_id, originator_version, topic, state) "
                "SELECT * FROM unnest(%b::{}[], %b::bigint[], %b::text[], %b::bytea[])"
            )
            .format(sql.Identifier(schema, table), sql.Identifier(id_type))
            .as_string()
        )
        self._writing = asyncio.Lock()

    async def read(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of each aggregate, oldest first."""
        connection = await self._reads.connected()
        try:
            cursor = await connection.execute(self._select, [list(ids)], prepare=True)
            rows = await cursor.fetchall()
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            self._reads.close()
            raise Unreachable from error
        return grouped(rows, ids)

    async def write(self, stored: list[StoredEvent]) -> None:
        """Stores the events in one transaction. Raises Conflict if one of them is stored already."""
        columns = (
            [event.originator_id for event in stored],
            [event.originator_version for event in stored],
            [event.topic for event in stored],
            [event.state for event in stored],
        )
        async with self._writing:
            connection = await self._writes.connected()
            try:
                await connection.execute(self._begin)
                await connection.execute(self._insert, columns, prepare=True)
            except BaseException as error:  # closing the connection rolls the transaction back
                self._writes.close()
                if isinstance(error, psycopg.IntegrityError):
                    raise Conflict(str(error)) from None
                if isinstance(error, psycopg.Error):  # the lock not granted in time, the connection lost
                    raise Unreachable from error
                raise  # cancelled
            try:
                await connection.execute("COMMIT")
            except BaseException:
                self._writes.close()
                raise

    def close(self) -> None:
        self._reads.close()
        self._writes.close()


class _LoopConnection:
    """A connection that belongs to the event loop that opened it."""

    def __init__(self, parameters: Mapping[str, Any]) -> None:
        self._parameters = dict(parameters)
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def connected(self) -> psycopg.AsyncConnection[Any]:
        loop = asyncio.get_running_loop()
        if self._connection is not None and self._loop is loop and not self._connection.closed:
            return self._connection
        self.close()
        try:
            connection = await psycopg.AsyncConnection.connect(**self._parameters, autocommit=True)
        except psycopg.Error as error:
            raise Unreachable from error
        if self._connection is not None and self._loop is loop:  # another call connected meanwhile
            connection.pgconn.finish()
            return self._connection
        self._connection, self._loop = connection, loop
        return connection

    def close(self) -> None:
        """Closes the connection; it may belong to a loop that is no longer running."""
        if self._connection is not None:
            self._connection.pgconn.finish()
            self._connection = None
