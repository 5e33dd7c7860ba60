"""Writes to the SQLite event store from the event loop, and commits in a thread.

Handing a whole save to a thread costs more than the save itself: the thread must win the GIL
back from a busy event loop each time SQLite lets go of it, and a batch waited about 5 ms for
1 ms of work. Here the loop does the parts that only touch memory (the rows go into SQLite's page
cache inside a transaction) and a thread does the one part that waits on the disk: COMMIT, which
writes the write-ahead log and flushes it (synchronous=FULL, SQLite's default), so nobody is
answered before their events are on disk.

The loop never waits for a lock: the writer's busy timeout is zero, and when another connection
or process holds the write lock, the save goes to a thread whole, where it waits as long as the
store's lock timeout allows.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent

from application.errors import Conflict, StoreUnavailable


class Busy(Exception):
    """Another connection holds SQLite's write lock: write in a thread instead."""


class LoopWriter:
    def __init__(self, path: Path, insert_statement: str, where: str) -> None:
        self.insert_statement, self.where = insert_statement, where
        self._connection = sqlite3.connect(
            path, timeout=0, isolation_level=None, check_same_thread=False, cached_statements=16
        )
        self._lock = asyncio.Lock()

    async def write(self, stored: list[StoredEvent]) -> None:
        """Stores the events in one transaction; raises Busy, having written nothing, if the
        write lock is taken."""
        async with self._lock:
            connection = self._connection
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if _is_busy(error):
                    raise Busy from None
                raise self._unavailable(error) from error
            try:
                connection.executemany(self.insert_statement, [_row(event) for event in stored])
            except sqlite3.Error as error:
                connection.rollback()
                if isinstance(error, sqlite3.IntegrityError):
                    raise Conflict(str(error)) from None
                raise self._unavailable(error) from error
            await _finish_in_thread(self._commit)

    def close(self) -> None:
        self._connection.close()

    def _commit(self) -> None:
        try:
            self._connection.commit()
        except sqlite3.Error as error:
            if self._connection.in_transaction:
                self._connection.rollback()
            raise self._unavailable(error) from error

    def _unavailable(self, error: sqlite3.Error) -> StoreUnavailable:
        return StoreUnavailable(f"{self.where} is unavailable: {type(error).__name__}: {error}")


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


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY or "locked" in str(error)
