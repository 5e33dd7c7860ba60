"""Waiters woken by writes to a SQLite event store from any process: one task follows the log.

SQLite has no notifications between processes. One task per process reads the rows added to the
events table since its last position every `interval` seconds (an index range on `rowid`, on the
event loop, with no lock waited for), and wakes the waiters of the notifications they belong to.
Writers commit one at a time, so rows appear in `rowid` order and none is passed over. The task
starts with the first waiter and stops when the process does; this process's own saves wake their
waiters at once, without it (`saved`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from uuid import UUID

import structlog
from eventsourcing.utils import get_topic

from adapters.change_waiters import InProcessChanges
from domain.notification import Notification

INTERVAL = 0.1  # seconds between two reads of the log
BATCH = 1000
_REQUESTED = get_topic(Notification.Requested)

log = structlog.get_logger("notifications")


class SqliteLogFollower(InProcessChanges):
    def __init__(self, path: Path, table: str, interval: float = INTERVAL) -> None:
        """`table` is the library's events table (`recorder.events_table_name`)."""
        super().__init__()
        self._path, self._interval = path, interval
        self._newest = f"SELECT COALESCE(MAX(rowid), 0) FROM {table}"  # noqa: S608  # the library's table
        # Each row says whether it is a request: nobody waits for a notification not yet made.
        self._after = (
            f"SELECT rowid, originator_id, topic = ? FROM {table} "  # noqa: S608
            f"WHERE rowid > ? ORDER BY rowid LIMIT {BATCH}"
        )
        self._task: asyncio.Task[None] | None = None
        self._connection: sqlite3.Connection | None = None

    def _started(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._follow())

    async def _follow(self) -> None:
        position: int | None = None
        while True:
            try:
                position = self._read(position)
            except sqlite3.Error as error:  # busy recovering the log, no table yet: next time
                log.warning("changes.follow_failed", error=str(error))
            await asyncio.sleep(self._interval)

    def _read(self, position: int | None) -> int:
        if self._connection is None:
            # not bound to a thread: a follower started again on another loop reuses it
            self._connection = sqlite3.connect(
                self._path, timeout=0, isolation_level=None, check_same_thread=False
            )
        if position is None:
            [(newest,)] = self._connection.execute(self._newest).fetchall()
            self.wake_all()  # a change saved before this position was known may have been missed
            return int(newest)
        while True:
            rows = self._connection.execute(self._after, (_REQUESTED, position)).fetchall()
            self.saved(UUID(originator_id) for _, originator_id, requested in rows if not requested)
            position = rows[-1][0] if rows else position
            if len(rows) < BATCH:
                return position

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None
