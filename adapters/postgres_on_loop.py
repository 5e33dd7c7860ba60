"""Reads of notifications by id from PostgreSQL, made on the event loop with psycopg's async API.

The library's recorder is synchronous: each read went to a thread, which had to win the GIL back
from the busy event loop, while the loop sat idle a third of the time under a load of status
reads. An asynchronous connection sends the query and lets the loop serve other requests until
the answer arrives, with no thread.

The connection belongs to the event loop that opened it. A read from another loop (a command
that runs several) opens its own. When the connection fails, it is dropped and the read raises
Unreachable having done nothing: the store then reads in a thread, through the library's pool,
which reports the failure if PostgreSQL is really down, and the next read connects again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent

from adapters.persistence import grouped, postgres_select_many


class Unreachable(Exception):
    """The loop's connection failed or could not be made: read in a thread instead."""


class PostgresOnLoop:
    def __init__(self, connection: Mapping[str, Any], schema: str, table: str) -> None:
        """`connection` holds psycopg's connection parameters (host, port, dbname, user, password)."""
        self._parameters = dict(connection)
        self._select = postgres_select_many(schema, table)
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def read(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of each aggregate, oldest first."""
        connection = await self._connected()
        try:
            cursor = await connection.execute(self._select, [list(ids)], prepare=True)
            rows = await cursor.fetchall()
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            self.close()
            raise Unreachable from error
        return grouped(rows, ids)

    async def _connected(self) -> psycopg.AsyncConnection[Any]:
        loop = asyncio.get_running_loop()
        if self._connection is not None and self._loop is loop and not self._connection.closed:
            return self._connection
        self.close()
        try:
            connection = await psycopg.AsyncConnection.connect(**self._parameters, autocommit=True)
        except psycopg.Error as error:
            raise Unreachable from error
        if self._connection is not None and self._loop is loop:  # another read connected meanwhile
            connection.pgconn.finish()
            return self._connection
        self._connection, self._loop = connection, loop
        return connection

    def close(self) -> None:
        """Closes the connection; it may belong to a loop that is no longer running."""
        if self._connection is not None:
            self._connection.pgconn.finish()
            self._connection = None
