"""Waiters woken by writes to a PostgreSQL event store from any process: LISTEN/NOTIFY.

Every transaction that records events notifies the eventsourcing library's channel (the library's
recorder does, in its insert function and in `_notify_channel`; so does `PostgresOnLoop.write`),
with no payload. One asynchronous connection per process listens to that channel; on each
notification (PostgreSQL delivers it at commit, and keeps those that arrive while we read) it reads
the events recorded after its last log position and wakes the waiters of their notifications. A
save takes the library's table lock, so positions commit in order and none is passed over; gaps
(a failed save consumes a position) are harmless to a reader that asks for "greater than".

Reads are at least `gather` seconds apart: the notifications that arrive meanwhile wait in the
socket, and the next read takes all their events at once. Under POST load every group commit
notifies (tens of commits a second), and a read for each took 1 to 3% of the event loop (py-spy)
beside the queries' share of PostgreSQL on the same cores; a waiter woken by another process hears
of its change at most `gather` later.

The connection opens with the first waiter and reconnects after a failure, waking every waiter to
read its notification again. PostgreSQL manual, NOTIFY and LISTEN (version 15).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import psycopg
import structlog
from eventsourcing.utils import get_topic
from psycopg import sql

from adapters.change_waiters import InProcessChanges
from domain.notification import Notification

BATCH = 1000
_REQUESTED = get_topic(Notification.Requested)
RECONNECT_AFTER = (0.1, 5.0)  # seconds: the first wait, the longest
GATHER = 0.05  # seconds between two reads of the log, at least

log = structlog.get_logger("notifications")


class PostgresListener(InProcessChanges):
    def __init__(
        self, connection: Mapping[str, Any], schema: str, table: str, channel: str, gather: float = GATHER
    ) -> None:
        """`connection` holds psycopg's connection parameters; `channel`, the library's
        (`recorder.channel_name`); `gather`, the least seconds between two reads of the log."""
        super().__init__()
        self._parameters, self._gather = dict(connection), gather
        events = sql.Identifier(schema, table)
        self._listen = sql.SQL("LISTEN {}").format(sql.Identifier(channel)).as_string()
        self._newest = sql.SQL("SELECT COALESCE(MAX(notification_id), 0) FROM {}").format(events).as_string()
        self._after = (
            sql.SQL(
                "SELECT notification_id, originator_id, topic = %s FROM {} WHERE notification_id > %s "
                "ORDER BY notification_id LIMIT {}"
            )
            .format(events, sql.Literal(BATCH))
            .as_string()
        )
        self._task: asyncio.Task[None] | None = None

    def _started(self) -> None:
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._listen_forever())

    async def _listen_forever(self) -> None:
        wait = RECONNECT_AFTER[0]
        while True:
            try:
                await self._listen_once()
            except psycopg.Error as error:
                log.warning("changes.listen_failed", error=str(error).strip(), retry_in=wait)
            await asyncio.sleep(wait)
            wait = min(wait * 2, RECONNECT_AFTER[1])

    async def _listen_once(self) -> None:
        connection = await psycopg.AsyncConnection.connect(**self._parameters, autocommit=True)
        async with connection:
            await connection.execute(self._listen)
            cursor = await connection.execute(self._newest)
            [position] = await cursor.fetchone() or (0,)
            self.wake_all()  # changes saved while no connection listened may have been missed
            while True:
                async for _ in connection.notifies(stop_after=1):  # with any that came meanwhile
                    pass
                position = await self._read_after(connection, position)
                await asyncio.sleep(self._gather)  # later notifications wait: one read for them all

    async def _read_after(self, connection: psycopg.AsyncConnection[Any], position: int) -> int:
        while True:
            cursor = await connection.execute(self._after, (_REQUESTED, position), prepare=True)
            rows = await cursor.fetchall()
            if rows:  # requests left out: nobody waits for a notification not yet made
                self.saved(i if isinstance(i, UUID) else UUID(i) for _, i, requested in rows if not requested)
                position = rows[-1][0]
            if len(rows) < BATCH:
                return int(position)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
