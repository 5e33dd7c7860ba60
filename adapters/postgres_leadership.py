"""Who leads the relay among processes sharing a PostgreSQL event store: a session advisory lock.

The leader holds `pg_try_advisory_lock(key)` on a connection of its own (the key is derived from
the schema, so stores in two schemas have two leaders). PostgreSQL releases the lock when the
session ends: a leader that exits, is killed or loses its connection lets another take over at
its next try. A leader checks its connection once per `check_every` seconds, and knows it has
lost the lead when the check fails (PostgreSQL docs, "Advisory Locks", section 13.3.5).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any

import psycopg
import structlog

log = structlog.get_logger("notifications")


def lock_key(schema: str) -> int:
    """A signed 64-bit key for `pg_try_advisory_lock`, the same in every process for one schema."""
    digest = hashlib.sha256(f"notifications relay {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLeadership:
    def __init__(self, connection: Mapping[str, Any], schema: str, check_every: float = 1.0) -> None:
        """`connection` holds psycopg's connection parameters (host, port, dbname, user, password,
        connect_timeout)."""
        self.parameters = dict(connection)
        self.key = lock_key(schema)
        self.check_every = check_every
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._leading = False
        self._next_check = 0.0

    async def lead(self) -> bool:
        """Whether this process leads: takes the lock if it is free, never waits for it. Asks the
        server at most once per `check_every` seconds; a failure to ask means not leading."""
        now = time.monotonic()
        if now < self._next_check:
            return self._leading
        self._next_check = now + self.check_every
        try:
            connection = await self._connected()
            if self._leading:
                await connection.execute("SELECT 1")
            else:
                cursor = await connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
                row = await cursor.fetchone()
                self._leading = bool(row and row[0])
        except psycopg.Error as error:
            log.warning("relay.lock_unavailable", error=type(error).__name__)
            await self.release()
        return self._leading

    async def release(self) -> None:
        """Ends the session, and with it the lock."""
        self._leading = False
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()

    async def _connected(self) -> psycopg.AsyncConnection[Any]:
        if self._connection is None or self._connection.closed:
            self._leading = False
            self._connection = await psycopg.AsyncConnection.connect(**self.parameters, autocommit=True)
        return self._connection
