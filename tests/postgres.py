"""The PostgreSQL server of the tests: 127.0.0.1:5432, database `test`, a schema of its own per test.

A test that needs it and cannot reach it fails, saying so: it never skips quietly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from adapters.event_store import EventSourcedStore

HOST, PORT, DBNAME, USER = "127.0.0.1", 5432, "test", "postgres"
URL = f"postgresql://{USER}@{HOST}:{PORT}/{DBNAME}"
START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def connect() -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(
            host=HOST, port=PORT, dbname=DBNAME, user=USER, autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0]
    pytest.fail(
        f"PostgreSQL at {HOST}:{PORT} is unreachable ({reason}); "
        f"the postgres tests need it. Start it: {START}",
        pytrace=False,
    )


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A new, empty schema in database `test`, dropped with everything in it afterwards."""
    name = f"test_{uuid4().hex[:16]}"
    with connect() as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with connect() as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))


def postgres_store(schema: str, **options: Any) -> EventSourcedStore:
    return EventSourcedStore.postgres(HOST, PORT, DBNAME, USER, "", schema=schema, pool_size=2, **options)
