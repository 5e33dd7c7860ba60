"""The event store under test: each test that asks for `store` runs on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.event_store import EventSourcedStore
from tests.backends import Backend, PostgresBackend, SqliteBackend
from tests.postgres import fresh_schema
from tests.stores import KINDS, open_store
from tests.twilio_app import Service, start
from tests.twilio_server import TwilioServer


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventSourcedStore]:
    with open_store(request.param, tmp_path) as store:
        yield store


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """A database reached around the store too, to read its raw rows and to tamper with them."""
    if request.param == "sqlite":
        opened: Backend = SqliteBackend(tmp_path / "events.sqlite")
        yield opened
        opened.close()
        return
    with fresh_schema() as schema:
        opened = PostgresBackend(schema)
        yield opened
        opened.close()


@pytest.fixture
def service(tmp_path: Path, twilio: TwilioServer) -> Iterator[Service]:
    """The service's container and HTTP app, with Twilio set up for SMS and WhatsApp."""
    yield from start(tmp_path, twilio)
