"""The PostgreSQL event store: its tables, its failures, and many processes writing at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest
from dependency_injector import providers

from adapters.event_store import EventSourcedStore
from application.errors import Conflict, StoreUnavailable
from bootstrap.container import build_container
from bootstrap.settings import load_settings
from domain.messages import Channel, PhoneNumber, Sms
from domain.notification import Notification, Receipt, Status
from entrypoints.http.schemas import status_view
from tests.fakes import RecordingProvider
from tests.postgres import URL, connect, postgres_store

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
ROOT = Path(__file__).resolve().parents[2]


def tables(schema: str) -> set[str]:
    with connect() as connection:
        rows = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
    return {row[0] for row in rows}


def test_the_tables_are_made_on_first_start_even_in_a_schema_not_yet_made(pg_schema: str) -> None:
    schema = f"{pg_schema}_new"
    store = postgres_store(schema)
    try:
        assert tables(schema) == {"notifications_events", "notifications_tracking"}
    finally:
        store.close()
        with connect() as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


def test_db_migrate_makes_the_tables_that_start_up_was_told_not_to(pg_schema: str) -> None:
    env = {
        **os.environ,
        "NOTIFICATIONS_EVENT_STORE": "postgres",
        "NOTIFICATIONS_POSTGRES_URL": URL,
        "NOTIFICATIONS_POSTGRES_SCHEMA": pg_schema,
        "NOTIFICATIONS_POSTGRES_CREATE_TABLES": "false",
    }
    command = [sys.executable, "-m", "entrypoints.cli", "db", "migrate"]
    migrated = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout == "the tables of PostgreSQL at 127.0.0.1:5432/test are ready\n"
    limits = {"client_buckets", "recipient_messages"}  # made even with the limits off, for when they are on
    assert tables(pg_schema) == {"notifications_events", "notifications_tracking", *limits}


async def test_a_server_that_does_not_answer_is_reported_unavailable_naming_it() -> None:
    with pytest.raises(StoreUnavailable, match=r"PostgreSQL at 127\.0\.0\.1:1/test is unavailable"):
        EventSourcedStore.postgres("127.0.0.1", 1, "test", "postgres", "", connect_timeout=1)


async def test_writers_in_many_processes_racing_on_a_notification_record_one_outcome(pg_schema: str) -> None:
    writers = [postgres_store(pg_schema) for _ in range(6)]
    try:
        for _ in range(5):
            notification = Notification.request(uuid4(), "bank", SMS)
            await writers[0].save(notification)
            copies = [await writer.get(notification.id) for writer in writers]
            for number, copy in enumerate(copies):
                if number % 2:
                    copy.deliver(Receipt("fake", f"m-{number}"))
                else:
                    copy.refuse(f"refused by writer {number}")
            saved = await asyncio.gather(
                *(writer.save(copy) for writer, copy in zip(writers, copies, strict=True)),
                return_exceptions=True,
            )
            assert sum(result is None for result in saved) == 1
            assert all(isinstance(result, Conflict) for result in saved if result is not None)
            history = await writers[-1].history(notification.id)
            assert [e.version for e in history] == [1, 2]
            assert (await writers[-1].get(notification.id)).status is not Status.PENDING
    finally:
        for writer in writers:
            writer.close()


async def test_a_notification_goes_from_request_to_delivery_through_the_service_on_postgres(
    pg_schema: str, tmp_path: Path
) -> None:
    settings = load_settings(
        {
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_EVENT_STORE": "postgres",
            "NOTIFICATIONS_POSTGRES_URL": URL,
            "NOTIFICATIONS_POSTGRES_SCHEMA": pg_schema,
            "NOTIFICATIONS_POSTGRES_POOL_SIZE": "2",
        }
    )
    container, provider = build_container(settings, status_view), RecordingProvider()
    with container.delivery_providers.override(providers.Object(dict.fromkeys(Channel, provider))):
        sent = await container.notifications().send_notification("bank", SMS)
        worker = container.worker()
        worker.start()
        for _ in range(200):
            if provider.delivered:
                break
            await asyncio.sleep(0.02)
        await worker.shutdown(5)
    events = await container.notifications().get_notification_events("bank", sent.id)
    assert [e.type for e in events] == ["Requested", "DeliveryStarted", "Delivered"]
    assert [n.id for n in provider.delivered] == [sent.id]
    container.event_store().close()
