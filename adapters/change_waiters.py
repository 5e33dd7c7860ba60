"""The waiters of a process, keyed by notification id, and what wakes them: the port NotificationChanges.

A waiter is a future and a timer on the event loop: no thread, no connection, no task of its own.
`saved` wakes the waiters of the notifications this process just saved, at once; a listener to the
store (adapters/sqlite_changes.py, adapters/postgres_changes.py) calls it for what other processes
save. `InProcessChanges` alone serves the in-memory store, which no other process can write.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Iterator
from uuid import UUID


class _Watch:
    def __init__(self, stopped: bool = False) -> None:
        self._news = False
        self._stopped = stopped
        self._future: asyncio.Future[bool] | None = None

    def stop(self) -> None:
        self._stopped = True
        if self._future is not None:
            _settle(self._future, False)

    def wake(self) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(True)
        else:
            self._news = True

    async def changed(self, seconds: float) -> bool:
        if self._news:
            self._news = False
            return True
        if self._stopped:
            return False
        loop = asyncio.get_running_loop()
        future = self._future = loop.create_future()
        timer = loop.call_later(max(0.0, seconds), _settle, future, False)
        try:
            changed: bool = await future
            return changed
        finally:
            timer.cancel()
            self._future = None


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


class InProcessChanges:
    def __init__(self) -> None:
        self._watches: dict[UUID, set[_Watch]] = {}
        self._stopped = False

    @contextlib.contextmanager
    def watch(self, notification_id: UUID) -> Iterator[_Watch]:
        watch = _Watch(self._stopped)
        self._watches.setdefault(notification_id, set()).add(watch)
        self._started()
        try:
            yield watch
        finally:
            watches = self._watches[notification_id]
            watches.discard(watch)
            if not watches:
                del self._watches[notification_id]

    def saved(self, notification_ids: Iterable[UUID]) -> None:
        """Wakes the waiters of these notifications: an event of each was just recorded."""
        for notification_id in notification_ids:
            for watch in self._watches.get(notification_id, ()):
                watch.wake()

    def wake_all(self) -> None:
        """Wakes every waiter, to read its notification again: for a listener that may have missed
        changes (while it started or reconnected)."""
        for watches in self._watches.values():
            for watch in watches:
                watch.wake()

    def stop_waiting(self) -> None:
        """Ends every wait now and every later one at once, as if its time were up: for a server
        that stops, so that long polls answer with the notification as it stands. May be called
        again."""
        if self._stopped:
            return
        self._stopped = True
        for watches in self._watches.values():
            for watch in watches:
                watch.stop()

    def waiting(self) -> int:
        """How many waiters are held now."""
        return sum(len(watches) for watches in self._watches.values())

    def _started(self) -> None:
        """Called as each watch begins; a listener starts itself here."""

    async def close(self) -> None:
        """Stops listening; waiters still held time out as usual."""
