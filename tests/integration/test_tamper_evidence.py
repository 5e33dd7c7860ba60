"""Rows altered, deleted or swapped in SQLite and PostgreSQL behind the service's back are named by verify."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent

from adapters.event_store import EventSourcedStore
from adapters.hash_chain import chain_hash, link
from application.audit_trail import AuditTrail
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification, Receipt
from tests.backends import Backend
from tests.cli import notifications
from tests.fakes import FixedClock

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
FAILED = "domain.notification:Notification.DeliveryAttemptFailed"


async def saved(store: EventSourcedStore) -> UUID:
    """A notification saved three times: requested; failed once, failed again; delivered."""
    notification = Notification.request(uuid4(), "bank", SMS)
    await store.save(notification)
    notification.record_failed_attempt("mailbox busy", max_attempts=5)
    notification.record_failed_attempt("mailbox still busy", max_attempts=5)
    await store.save(notification)
    notification.deliver(Receipt("fake", "m-1"))
    await store.save(notification)
    return notification.id


async def findings(store: EventSourcedStore) -> list[tuple[UUID, int, int, str]]:
    check = AuditTrail(store, store, FixedClock(datetime.now(UTC))).verify()
    return [(f.aggregate_id, f.version, f.position, f.problem) async for f in check.findings()]


async def position(store: EventSourcedStore, aggregate_id: UUID, version: int) -> int:
    events = await store.read_log(0, None, 100)
    return next(e.position for e in events if (e.aggregate_id, e.version) == (aggregate_id, version))


async def test_a_row_altered_in_the_database_is_named(backend: Backend) -> None:
    store = backend.open()
    notification_id = await saved(store)
    backend.set_state(notification_id, 2, backend.state(notification_id, 2).replace(b"busy", b"gone"))
    assert await findings(store) == [
        (
            notification_id,
            2,
            await position(store, notification_id, 2),
            "altered: its content does not match its hash",
        )
    ]


async def test_a_deleted_event_is_named_by_the_event_after_it(backend: Backend) -> None:
    store = backend.open()
    notification_id = await saved(store)
    backend.delete(notification_id, 3)
    assert await findings(store) == [
        (
            notification_id,
            4,
            await position(store, notification_id, 4),
            "missing: version 3 before it is not in the store",
        )
    ]


async def test_two_events_swapped_are_both_named(backend: Backend) -> None:
    store = backend.open()
    notification_id = await saved(store)
    second, third = backend.state(notification_id, 2), backend.state(notification_id, 3)
    backend.set_state(notification_id, 2, third)
    backend.set_state(notification_id, 3, second)
    problems = [(version, problem.partition(":")[0]) for _, version, _, problem in await findings(store)]
    assert problems == [(2, "altered"), (2, "broken"), (3, "altered"), (3, "broken"), (4, "broken")]


async def test_an_altered_event_given_a_fresh_hash_is_named_by_the_event_after_it(backend: Backend) -> None:
    store = backend.open()
    notification_id = await saved(store)
    backend.set_state(notification_id, 2, rehashed(notification_id, backend.state(notification_id, 2)))
    assert await findings(store) == [
        (
            notification_id,
            3,
            await position(store, notification_id, 3),
            "broken: it does not follow version 2, which was altered, replaced or reordered",
        )
    ]


def rehashed(notification_id: UUID, state: bytes) -> bytes:
    """What a tamperer who knows the chain's rule writes: a changed body under a matching hash."""
    stored = StoredEvent(notification_id, 2, FAILED, state)
    previous = link(stored, state).previous
    assert previous is not None
    body = state[: state.index(b',"__chain__"')].replace(b"busy", b"gone") + b"}"
    own = chain_hash(previous, stored, body)
    return body[:-1] + f',"__chain__":{{"previous":"{previous}","hash":"{own}"}}}}'.encode()


async def test_verify_on_the_command_line_names_the_altered_row_and_fails(backend: Backend) -> None:
    store = backend.open()
    notification_id = await saved(store)
    intact = notifications("audit", "verify", env=backend.settings())
    assert (intact.returncode, intact.stdout) == (0, "verified 4 events: every chain is intact\n")
    backend.set_state(notification_id, 4, backend.state(notification_id, 4).replace(b"m-1", b"m-2"))
    verified = notifications("audit", "verify", env=backend.settings())
    assert verified.returncode == 1, verified.stderr
    assert verified.stdout.splitlines() == [
        f"Notification {notification_id} version 4 at position {await position(store, notification_id, 4)}: "
        "altered: its content does not match its hash",
        "verified 4 events: 1 problem",
    ]
