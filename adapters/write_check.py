"""Whether the event store would take a write now: what readiness reports, besides reads.

A store can answer reads and refuse every write: a SQLite file made read-only or immutable, a
full disk, a PostgreSQL database switched to read-only (a standby after a failover,
`default_transaction_read_only`), a revoked INSERT, a table lock nobody releases. Readiness then
must fail, so that a load balancer stops sending requests that would all get 503.

The outcome of the latest commit says it for free while requests flow: a commit that succeeded
less than `FRESH` seconds ago is taken as the answer. Otherwise (no commit lately, or the latest
one failed) a probe is made, and its outcome is remembered the same way, so readiness recovers by
itself once writes work again. No probe writes an event: the audited log is never touched.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from eventsourcing.postgres import PostgresDatastore
from psycopg import sql

from adapters.persistence import translated
from application.errors import WritesRefused

FRESH = 5.0  # seconds a successful commit or probe stands for the store's writes
PROBE_LOCK_TIMEOUT = 1  # seconds a probe waits for another writer's lock
SQLITE_PROBE_TABLE = "notifications_write_probe"


class WriteCheck:
    def __init__(self, probe: Callable[[], None] | None = None) -> None:
        """`probe` raises WritesRefused if a write would fail now; None for a store whose writes
        cannot fail (memory)."""
        self._probe = probe
        self._succeeded_at: float | None = None

    def committed(self) -> None:
        self._succeeded_at = time.monotonic()

    def failed(self) -> None:
        self._succeeded_at = None

    async def check(self, run: Callable[[Callable[[], None]], Awaitable[None]]) -> None:
        """Returns if a write succeeded less than FRESH seconds ago, or if the probe (made
        through `run`, in a thread) succeeds now. Raises WritesRefused or StoreUnavailable."""
        if self._probe is None:
            return
        if self._succeeded_at is not None and time.monotonic() - self._succeeded_at < FRESH:
            return
        try:
            await run(self._probe)
        except BaseException:
            self.failed()
            raise
        self.committed()


def sqlite_probe(path: Path, where: str) -> Callable[[], None]:
    """Commits a row into a table of its own (made if missing), through a new connection: the
    same write-ahead log and fsync as an event's commit. SQLite opens a file it cannot write
    read-only and fails at the first write ("attempt to write a readonly database"); an
    unwritable log fails at COMMIT ("disk I/O error"); a full disk fails there too."""

    def probe() -> None:
        connection = sqlite3.connect(path, timeout=PROBE_LOCK_TIMEOUT, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {SQLITE_PROBE_TABLE} (id INTEGER PRIMARY KEY, at REAL)"
            )
            connection.execute(f"INSERT OR REPLACE INTO {SQLITE_PROBE_TABLE} VALUES (1, ?)", (time.time(),))  # noqa: S608
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise WritesRefused(f"{where} does not take writes: {type(error).__name__}: {error}") from None
        finally:
            connection.close()

    return probe


def postgres_probe(datastore: PostgresDatastore, schema: str, table: str, where: str) -> Callable[[], None]:
    """Takes the lock a save takes (`LOCK TABLE ... IN EXCLUSIVE MODE`, as the library's recorder
    does, waiting at most PROBE_LOCK_TIMEOUT) and asks whether this transaction may write
    (`transaction_read_only`, `pg_is_in_recovery()`: PostgreSQL 15 manual, sections 20.11 and
    9.27) and insert into the events table (`has_table_privilege`); then rolls back, having
    written nothing. A full disk is not seen here, only by the commits themselves."""
    qualified = sql.Identifier(schema, table)
    statements = [
        sql.SQL("SET LOCAL lock_timeout = '{}s'").format(sql.Literal(PROBE_LOCK_TIMEOUT)),
        sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(qualified),
        sql.SQL(
            "SELECT current_setting('transaction_read_only') = 'on' OR pg_is_in_recovery() AS read_only,"
            " has_table_privilege({}, 'INSERT') AS may_insert"
        ).format(sql.Literal(qualified.as_string())),
    ]

    def probe() -> None:
        with translated(where), datastore.transaction(commit=False) as cursor:
            for statement in statements:
                cursor.execute(statement)
            row: dict[str, Any] | None = cursor.fetchone()
        if row is None or row["read_only"]:
            raise WritesRefused(f"{where} does not take writes: the database is read-only")
        if not row["may_insert"]:
            raise WritesRefused(f"{where} does not take writes: INSERT on {table} is not granted")

    return probe
