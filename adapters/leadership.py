"""Who leads the relay on one machine: a lock file next to the SQLite database, or the only process.

Any number of workers may run the relay; the one holding the lock relays, the others wait. The
lock is `flock(2)` on an open file: the kernel releases it when its holder exits, however it ends
(`kill -9` included), so a waiting worker takes over at its next try.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

import structlog

log = structlog.get_logger("notifications")


class FileLeadership:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    async def lead(self) -> bool:
        """Whether this process leads: takes the lock if it is free, never waits for it."""
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:  # a folder that cannot be written: no relay can lead from it
            log.warning("relay.lock_unavailable", path=str(self.path), error=error.strerror)
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class SoleLeadership:
    """The in-memory event store lives in one process: its relay always leads."""

    async def lead(self) -> bool:
        return True

    async def release(self) -> None:
        return None
