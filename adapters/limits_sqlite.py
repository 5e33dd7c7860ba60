"""The limits' counters in a SQLite file beside the event store's, shared by every process using it.

A file of their own: the counters change on every counted request, and in the event store's file
they would wait for its write lock (and it for them); nor are they facts for the audit. Each
change is one transaction that holds the write lock, so that no other process reads the same count
meanwhile: a client's bucket, one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` (the rules of
domain/limits.py stated in SQL, as on PostgreSQL); a number's hour, `BEGIN IMMEDIATE`, the rules
in Python, COMMIT. Made on the event loop, as they only touch the page cache: synchronous=OFF,
since counters lost to a power cut only start afresh.
When another process holds the lock, the call waits a moment without holding the loop and tries
again (each transaction holds the lock for some microseconds).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from application.errors import StoreUnavailable
from domain.limits import EARLY, HOUR, Rate, admit

T = TypeVar("T")
PATIENCE = 5.0  # seconds of a lock held elsewhere before the call gives up (StoreUnavailable)
_TABLES = (
    "CREATE TABLE IF NOT EXISTS client_buckets "
    "(client TEXT PRIMARY KEY, tokens REAL, stamp REAL, granted INTEGER)",
    "CREATE TABLE IF NOT EXISTS recipient_messages (number TEXT PRIMARY KEY, sent TEXT, last REAL)",
)

# domain/limits.py's `take` in one statement, a transaction by itself (as in adapters/limits_postgres.py)
_LEVEL = "min(:burst, b.tokens + max(:now - b.stamp, 0) * :rate)"
_TAKE = (
    "INSERT INTO client_buckets AS b VALUES (:client, :burst - 1, :now, 1) "
    "ON CONFLICT (client) DO UPDATE SET "
    "tokens = CASE WHEN LEVEL >= 1 - :early THEN max(LEVEL - 1, 0) ELSE LEVEL END, "
    "stamp = max(b.stamp, :now), "
    "granted = LEVEL >= 1 - :early "
    "RETURNING granted, tokens"
).replace("LEVEL", _LEVEL)


def limits_file(events_file: Path) -> Path:
    """The counters' file beside the event store's: `events.sqlite` gives `events.limits.sqlite`."""
    return events_file.with_name(f"{events_file.stem}.limits{events_file.suffix or '.sqlite'}")


class SqliteLimits:
    """The ClientBuckets and RecipientCounts ports in one SQLite file."""

    def __init__(self, path: Path, rate: Rate | None, hourly_limit: int) -> None:
        self.rate, self.hourly_limit, self.where = rate, hourly_limit, f"the SQLite limits file {path}"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(
            path, timeout=PATIENCE, isolation_level=None, check_same_thread=False
        )
        try:
            self._guarded(self._create)  # once, at start: may wait for the lock
        except _Busy:
            raise StoreUnavailable(f"{self.where} stayed locked for {PATIENCE:.0f} s") from None
        self._connection.execute("PRAGMA busy_timeout = 0")  # from now on the loop never waits in SQLite
        self._pruned = 0.0

    async def take(self, client: str, now: float) -> float:
        assert self.rate is not None, "no client rate limit is set"
        rate = self.rate
        params = {"client": client, "now": now, "rate": rate.per_second, "burst": rate.burst}
        params["early"] = EARLY * rate.per_second

        def work() -> float:
            [(granted, tokens)] = self._connection.execute(_TAKE, params).fetchall()  # done: committed
            return 0.0 if granted else (1 - tokens) / rate.per_second

        return await self._retried(work)

    async def admit(self, numbers: Sequence[str], now: float) -> list[bool]:
        def work(connection: sqlite3.Connection) -> list[bool]:
            self._prune(connection, now)
            return [self._admit(connection, number, now) for number in numbers]

        return await self._transaction(work)

    async def release(self, numbers: Sequence[str], at: float) -> None:
        def work(connection: sqlite3.Connection) -> None:
            for number in numbers:
                sent = list(_sent(connection, number))
                if at in sent:
                    sent.remove(at)
                    _store(connection, number, tuple(sent))

        await self._transaction(work)

    async def migrate(self) -> None:
        """The tables are made when the file is opened."""

    def close(self) -> None:
        self._connection.close()

    def _admit(self, connection: sqlite3.Connection, number: str, now: float) -> bool:
        kept = admit(_sent(connection, number), self.hourly_limit, now)
        if kept is not None:
            _store(connection, number, kept)
        return kept is not None

    def _prune(self, connection: sqlite3.Connection, now: float) -> None:
        if now - self._pruned >= HOUR:  # numbers not sent to for an hour are as good as new
            connection.execute("DELETE FROM recipient_messages WHERE last <= ?", (now - HOUR,))
            self._pruned = now

    def _create(self) -> None:
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute("PRAGMA synchronous = OFF")
        for statement in _TABLES:
            self._connection.execute(statement)

    async def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await self._retried(lambda: self._in_transaction(work))

    async def _retried(self, call: Callable[[], T]) -> T:
        deadline, pause = asyncio.get_running_loop().time() + PATIENCE, 0.0005
        while True:
            try:
                return self._guarded(call)
            except _Busy:
                if asyncio.get_running_loop().time() > deadline:
                    raise StoreUnavailable(f"{self.where} stayed locked for {PATIENCE:.0f} s") from None
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.02)

    def _in_transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work(connection)
            connection.execute("COMMIT")
        except BaseException:
            connection.rollback()
            raise
        return result

    def _guarded(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF in (
                sqlite3.SQLITE_BUSY,
                sqlite3.SQLITE_LOCKED,
            ):
                raise _Busy from None
            raise StoreUnavailable(f"{self.where} is unavailable: {error}") from None
        except sqlite3.Error as error:
            raise StoreUnavailable(f"{self.where} is unavailable: {error}") from None


class _Busy(Exception):
    """Another connection holds the write lock."""


def _sent(connection: sqlite3.Connection, number: str) -> tuple[float, ...]:
    row = connection.execute("SELECT sent FROM recipient_messages WHERE number=?", (number,)).fetchone()
    return tuple(float(t) for t in row[0].split()) if row and row[0] else ()


def _store(connection: sqlite3.Connection, number: str, sent: tuple[float, ...]) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO recipient_messages VALUES (?,?,?)",
        (number, " ".join(repr(t) for t in sent), sent[-1] if sent else 0.0),
    )
