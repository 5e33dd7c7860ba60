"""Readiness reflects the write path: the store's ping fails while writes fail, on each store that
can fail, and answers again by itself once writes work again."""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from adapters.event_store import EventSourcedStore
from application.errors import StoreUnavailable
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification
from tests.postgres import DBNAME, HOST, PORT, connect

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")


def new() -> Notification:
    return Notification.request(uuid4(), "bank", SMS)


@contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """Files nobody may write, root included (root ignores file modes); never the -shm file,
    which SQLite maps in memory: writing to it then kills the process with SIGBUS."""
    names = [str(path) for path in paths]
    subprocess.run(["chattr", "+i", *names], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *names], check=True)


async def test_sqlite_made_immutable_is_not_ready_then_ready_again(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    store = EventSourcedStore.sqlite(path)
    await store.save(new())
    with immutable(path, path.with_name("events.sqlite-wal")):
        with pytest.raises(StoreUnavailable):
            await store.save(new())
        with pytest.raises(StoreUnavailable, match="does not take writes"):
            await store.ping()
    await store.ping()
    await store.save(new())
    store.close()


async def test_sqlite_locked_by_another_writer_is_not_ready_until_released(tmp_path: Path) -> None:
    path = tmp_path / "events.sqlite"
    store = EventSourcedStore.sqlite(path)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    with pytest.raises(StoreUnavailable, match="locked"):
        await store.ping()
    other.rollback()
    await store.ping()
    other.close()
    store.close()


@contextmanager
def own_role_and_schema() -> Iterator[str]:
    """A login role that owns a schema of its own in `test`: its settings and grants are ours to change."""
    name = f"test_{uuid4().hex[:16]}"
    with connect() as connection:
        connection.execute(sql.SQL("CREATE ROLE {0} LOGIN").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE SCHEMA {0} AUTHORIZATION {0}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with connect() as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
            terminate(connection, name)
            connection.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def terminate(connection: psycopg.Connection[object], role: str) -> None:
    connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))


def set_read_only(role: str, read_only: bool) -> None:
    """As a database switched to read-only (a standby after a failover): the role's new sessions
    are read-only, and its sessions are ended so that the pool reconnects."""
    with connect() as connection:
        role_id = sql.Identifier(role)
        if read_only:
            statement = sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(role_id)
        else:
            statement = sql.SQL("ALTER ROLE {} RESET default_transaction_read_only").format(role_id)
        connection.execute(statement)
        terminate(connection, role)


async def ping_after_reconnecting(store: EventSourcedStore) -> None:
    """Pings until the pool has replaced the sessions that were ended (a few tries)."""
    for _ in range(5):
        try:
            return await store.ping()
        except StoreUnavailable as error:
            if "terminating connection" not in str(error):
                raise
    await store.ping()


def role_store(role: str) -> EventSourcedStore:
    return EventSourcedStore.postgres(HOST, PORT, DBNAME, role, "", schema=role, pool_size=2)


async def test_postgres_read_only_is_not_ready_then_ready_again() -> None:
    with own_role_and_schema() as role:
        store = role_store(role)
        await store.save(new())
        set_read_only(role, True)
        with pytest.raises(StoreUnavailable):
            await store.save(new())
        with pytest.raises(StoreUnavailable, match="read-only"):
            await ping_after_reconnecting(store)
        set_read_only(role, False)
        await ping_after_reconnecting(store)
        await store.save(new())
        store.close()


async def test_postgres_without_insert_on_the_events_is_not_ready_then_ready_again() -> None:
    with own_role_and_schema() as role:
        store = role_store(role)
        table = sql.Identifier(role, "notifications_events")
        with connect() as connection:
            connection.execute(sql.SQL("REVOKE INSERT ON {} FROM {}").format(table, sql.Identifier(role)))
        with pytest.raises(StoreUnavailable):
            await store.save(new())
        with pytest.raises(StoreUnavailable, match="INSERT"):
            await store.ping()
        with connect() as connection:
            connection.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(table, sql.Identifier(role)))
        await store.ping()
        await store.save(new())
        store.close()


async def test_a_probe_writes_no_event(tmp_path: Path) -> None:
    store = EventSourcedStore.sqlite(tmp_path / "events.sqlite")
    await store.ping()
    assert await store.last_position() == 0
    store.close()
