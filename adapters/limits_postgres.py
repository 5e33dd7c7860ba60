"""The limits' counters in PostgreSQL, beside the event store's table: shared by every API process
on every machine that uses the database.

Each change is one statement, `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, which locks the
client's or the number's row and applies the rules of domain/limits.py (stated again in SQL) to
its newest version: two processes never read the same count. A batch of numbers is one pipeline
(psycopg's `executemany`), one round trip. The connection is this process's own, on the event loop
that opened it, with `synchronous_commit = off`: a counter lost to a crash only starts afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql

from application.errors import StoreUnavailable
from domain.limits import EARLY, HOUR, Rate

_TABLES = (
    "CREATE TABLE IF NOT EXISTS {buckets} (client text PRIMARY KEY, tokens float8 NOT NULL, "
    "stamp float8 NOT NULL, granted boolean NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {messages} (number text PRIMARY KEY, sent float8[] NOT NULL)",
)
# domain/limits.py's `take`: the level is what the bucket holds at GREATEST(stamp, now)
_LEVEL = "LEAST(%(burst)s, b.tokens + GREATEST(%(now)s - b.stamp, 0) * %(rate)s)"
_TAKE = (
    "INSERT INTO {buckets} AS b VALUES (%(client)s, %(burst)s - 1, %(now)s, true) "
    "ON CONFLICT (client) DO UPDATE SET "
    "tokens = CASE WHEN {level} >= 1 - %(early)s THEN GREATEST({level} - 1, 0) ELSE {level} END, "
    "stamp = GREATEST(b.stamp, %(now)s), "
    "granted = {level} >= 1 - %(early)s "
    "RETURNING granted, tokens"
)
# domain/limits.py's `admit`: a row only when the message is counted
_RECENT = "FROM unnest(r.sent) AS t WHERE t > %(since)s"
_ADMIT = (
    "INSERT INTO {messages} AS r VALUES (%(number)s, ARRAY[%(now)s::float8]) "
    "ON CONFLICT (number) DO UPDATE SET sent = ARRAY(SELECT t {recent} ORDER BY t) || %(now)s::float8 "
    "WHERE (SELECT count(*) {recent}) < %(limit)s "
    "RETURNING true"
)
_AT = "array_position(sent, %(at)s::float8)"
_RELEASE = (  # one of them: two messages may have been counted at the same time
    "UPDATE {messages} SET sent = sent[:{at} - 1] || sent[{at} + 1:] "
    "WHERE number = %(number)s AND {at} IS NOT NULL"
)
_PRUNE = "DELETE FROM {messages} WHERE sent[array_upper(sent, 1)] <= %(since)s"


# IF NOT EXISTS is no lock: a table another connection makes meanwhile raises one of these
_MADE_MEANWHILE = (
    psycopg.errors.UniqueViolation,
    psycopg.errors.DuplicateTable,
    psycopg.errors.DuplicateSchema,
    psycopg.errors.DuplicateObject,  # the table's row type, when another process made the table meanwhile
)


class PostgresLimits:
    """The ClientBuckets and RecipientCounts ports in two tables of the event store's schema."""

    def __init__(
        self,
        connection: Mapping[str, Any],
        schema: str,
        rate: Rate | None,
        hourly_limit: int,
        create_tables: bool = True,
    ) -> None:
        """`connection` holds psycopg's connection parameters (host, port, dbname, user, password)."""
        self.rate, self.hourly_limit, self.create_tables = rate, hourly_limit, create_tables
        self.where = f"PostgreSQL at {connection.get('host')}:{connection.get('port')}"
        self._parameters = {**connection, "options": "-c synchronous_commit=off"}
        names = {
            "buckets": sql.Identifier(schema, "client_buckets"),
            "messages": sql.Identifier(schema, "recipient_messages"),
            "level": sql.SQL(_LEVEL),
            "recent": sql.SQL(_RECENT),
            "at": sql.SQL(_AT),
        }
        self._schema = sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)).as_string()
        self._tables = [sql.SQL(t).format(**names).as_string() for t in _TABLES]
        self._take, self._admit, self._release, self._prune = (
            sql.SQL(s).format(**names).as_string() for s in (_TAKE, _ADMIT, _RELEASE, _PRUNE)
        )
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connecting = asyncio.Lock()
        self._connecting_loop: asyncio.AbstractEventLoop | None = None
        self._pruned = 0.0

    async def take(self, client: str, now: float) -> float:
        assert self.rate is not None, "no client rate limit is set"
        rate = self.rate
        early = EARLY * rate.per_second
        params = {"client": client, "now": now, "rate": rate.per_second, "burst": rate.burst, "early": early}

        async def work(connection: psycopg.AsyncConnection[Any]) -> float:
            cursor = await connection.execute(self._take, params, prepare=True)
            granted, tokens = await cursor.fetchone() or (True, 0.0)
            return 0.0 if granted else (1 - tokens) / rate.per_second

        wait: float = await self._run(work)
        return wait

    async def admit(self, numbers: Sequence[str], now: float) -> list[bool]:
        since = now - HOUR
        rows = [{"number": n, "now": now, "since": since, "limit": self.hourly_limit} for n in numbers]

        async def work(connection: psycopg.AsyncConnection[Any]) -> list[bool]:
            if now - self._pruned >= HOUR:  # numbers not sent to for an hour are as good as new
                self._pruned = now
                await connection.execute(self._prune, {"since": since})
            if len(rows) == 1:  # a pipeline costs more than one statement
                cursor = await connection.execute(self._admit, rows[0], prepare=True)
                return [await cursor.fetchone() is not None]
            admitted = []
            async with connection.cursor() as cursor:
                await cursor.executemany(self._admit, rows, returning=True)
                while True:
                    admitted.append(await cursor.fetchone() is not None)
                    if not cursor.nextset():
                        break
            return admitted

        admitted: list[bool] = await self._run(work)
        return admitted

    async def release(self, numbers: Sequence[str], at: float) -> None:
        async def work(connection: psycopg.AsyncConnection[Any]) -> None:
            async with connection.cursor() as cursor:
                await cursor.executemany(self._release, [{"number": n, "at": at} for n in numbers])

        await self._run(work)

    async def migrate(self) -> None:
        """Creates the schema and the tables that do not exist yet; safe to repeat."""
        await self._run(self._create)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.pgconn.finish()
            self._connection = None

    async def _run(self, work: Any) -> Any:
        try:
            return await work(await self._connected())
        except psycopg.Error as error:
            if self._connection is not None and self._connection.closed:
                self._connection = None  # connect again next time
            raise StoreUnavailable(f"{self.where} is unavailable for the limits: {error}") from None
        except BaseException:  # cancelled mid-statement: the connection's state is unknown
            self.close()
            raise

    async def _connected(self) -> psycopg.AsyncConnection[Any]:
        loop = asyncio.get_running_loop()
        if self._connection is not None and self._loop is loop and not self._connection.closed:
            return self._connection
        if self._connecting_loop is not loop:  # a lock belongs to its loop too
            self._connecting, self._connecting_loop = asyncio.Lock(), loop
        async with self._connecting:
            if self._connection is None or self._loop is not loop or self._connection.closed:
                self.close()
                connection = await psycopg.AsyncConnection.connect(**self._parameters, autocommit=True)
                if self.create_tables:
                    await self._create(connection)
                self._connection, self._loop = connection, loop
            return self._connection

    async def _create(self, connection: psycopg.AsyncConnection[Any]) -> None:
        for statement in [self._schema, *self._tables]:
            with contextlib.suppress(*_MADE_MEANWHILE):
                await connection.execute(statement)
