"""Every event store the service can use, opened empty for a test and closed after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.event_store import EventSourcedStore
from tests.postgres import fresh_schema, postgres_store

KINDS = ["memory", "sqlite", "postgres"]


@contextmanager
def open_store(kind: str, folder: Path, **options: Any) -> Iterator[EventSourcedStore]:
    if kind == "postgres":
        with fresh_schema() as schema:
            store = postgres_store(schema, **options)
            yield store
            store.close()
        return
    store = (
        EventSourcedStore.in_memory(**options)
        if kind == "memory"
        else EventSourcedStore.sqlite(folder / "events.sqlite", **options)
    )
    yield store
    store.close()
