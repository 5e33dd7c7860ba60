"""Reads and writes of the SQLite event store made from the event loop; commits made in a thread.

Handing a read or a save to a thread cost more than the work itself. A thread must win the GIL
back from the busy event loop, and then wait for a free core: a batch waited 1.5 ms to start,
and the loop sat idle meanwhile. So the loop does the parts that touch only memory and the
operating system's page cache: a read by primary key, and the inserts of a transaction into
SQLite's own cache. A thread does the one part that waits on the disk: COMMIT, which writes the
write-ahead log and flushes it (synchronous=FULL, SQLite's default), so nobody is answered
before their events are on disk. A read of a page not in the page cache does wait on the disk,
on the loop: it is one index lookup, and the price of answering every read without a thread.

The loop never waits for a lock. Both connections have a busy timeout of zero: when another
connection or process holds the write lock (or, for a read, SQLite is recovering its log), the
call raises Busy at once, having done nothing, and the store does the same work in a thread,
where it waits as long as the store's lock timeout allows.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from adapters.persistence import grouped, sqlite_select_many
from application.errors import Conflict, StoreUnavailable


class Busy(Exception):
    """SQLite cannot answer without waiting: do it in a thread instead."""


class SqliteOnLoop:
    def __init__(self, path: Path, table: str, track: str, where: str) -> None:
        """`track` is the library's statement that moves a reader's tracked position forward."""
        self.table, self.where = table, where
        self._insert = f"INSERT INTO {table} VALUES (?,?,?,?)"  # noqa: S608  # the library's table
        self._requested = (
            f"SELECT rowid, originator_id FROM {table} WHERE rowid>? AND topic=? ORDER BY rowid LIMIT ?"  # noqa: S608
        )
        self._track = track
        self._reader, self._writer = _connect(path), _connect(path)
        self._writing = asyncio.Lock()

    def read(self, ids: Sequence[UUID]) -> dict[UUID, list[StoredEvent]]:
        """The stored events of each aggregate, oldest first."""
        return grouped(self._select(sqlite_select_many(self.table, len(ids)), [i.hex for i in ids]), ids)

    def requested_after(self, position: int, topic: str, limit: int) -> list[tuple[int, str]]:
        """The log position and the aggregate id of the next events of this topic."""
        return self._select(self._requested, (position, topic, limit))

    def _select(self, query: str, params: Sequence[object]) -> list[Any]:
        try:
            return self._reader.execute(query, params).fetchall()
        except sqlite3.Error as error:
            raise Busy if _is_busy(error) else self._unavailable(error) from error

    async def write(self, stored: list[StoredEvent]) -> None:
        """Stores the events in one transaction."""
        rows = [_row(event) for event in stored]
        await self._transaction(lambda connection: connection.executemany(self._insert, rows))

    async def track(self, reader: str, position: int) -> None:
        """Moves the reader's tracked position forward to `position`; a position already as far
        or further stays."""
        params = {"application_name": reader, "notification_id": position}
        await self._transaction(lambda connection: connection.execute(self._track, params).fetchall())

    async def _transaction(self, work: Callable[[sqlite3.Connection], object]) -> None:
        async with self._writing:
            connection = self._writer
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise Busy if _is_busy(error) else self._unavailable(error) from error
            try:
                work(connection)
            except sqlite3.Error as error:
                connection.rollback()
                if isinstance(error, sqlite3.IntegrityError):
                    raise Conflict(str(error)) from None
                raise self._unavailable(error) from error
            await _finish_in_thread(self._commit)

    def close(self) -> None:
        self._reader.close()
        self._writer.close()

    def _commit(self) -> None:
        try:
            self._writer.commit()
        except sqlite3.Error as error:
            if self._writer.in_transaction:
                self._writer.rollback()
            raise self._unavailable(error) from error

    def _unavailable(self, error: sqlite3.Error) -> StoreUnavailable:
        return StoreUnavailable(f"{self.where} is unavailable: {type(error).__name__}: {error}")


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)


async def _finish_in_thread(call: Callable[[], Any]) -> None:
    """Runs the call in a thread and waits for it even if the waiting task is cancelled, so that
    the connection is never used by two threads at once."""
    running = asyncio.ensure_future(asyncio.to_thread(call))
    try:
        await asyncio.shield(running)
    except asyncio.CancelledError:
        await running
        raise


def _row(event: StoredEvent) -> tuple[str, int, str, bytes]:
    originator_id: Any = event.originator_id
    return originator_id.hex, event.originator_version, event.topic, event.state


def _is_busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)  # an extended code: its low byte is the primary
    if code is None:
        return "locked" in str(error)
    return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
