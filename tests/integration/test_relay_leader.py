"""One relay leads at a time among processes sharing an event store, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.event_store import EventSourcedStore
from application.ports import Delivery, Leadership, QueueMessage
from application.relay import Relay
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification
from tests.leader_holder import leadership
from tests.postgres import fresh_schema, postgres_store

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
ROOT = Path(__file__).resolve().parents[2]


class RecordingQueue:
    """A queue that stores what it is sent, and records it."""

    def __init__(self) -> None:
        self.sent: list[uuid.UUID] = []

    async def send(self, messages: Sequence[QueueMessage]) -> None:
        self.sent += [m.notification_id for m in messages]

    def safe_position(self, sent_up_to: int) -> int:
        return sent_up_to

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        return []


@dataclass
class Machine:
    """What two worker processes of one machine share: the store's place, and the lock's."""

    kind: str
    where: str  # the lock file, or the PostgreSQL schema
    stores: list[EventSourcedStore]

    def process(self) -> tuple[EventSourcedStore, Leadership]:
        """The store and the relay's leadership of one more process."""
        database = Path(self.where).with_name("events.sqlite")
        store = EventSourcedStore.sqlite(database) if self.kind == "sqlite" else postgres_store(self.where)
        self.stores.append(store)
        return store, leadership(self.kind, self.where)


@pytest.fixture(params=["sqlite", "postgres"])
def machine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Machine]:
    if request.param == "sqlite":
        machine = Machine("sqlite", str(tmp_path / "events.sqlite.relay-lock"), [])
        yield machine
    else:
        with fresh_schema() as schema:
            machine = Machine("postgres", schema, [])
            yield machine
            for store in machine.stores:
                store.close()
        return
    for store in machine.stores:
        store.close()


async def request(store: EventSourcedStore, count: int) -> list[uuid.UUID]:
    notifications = [Notification.request(uuid.uuid4(), "bank", SMS) for _ in range(count)]
    await store.save(*notifications)
    return [n.id for n in notifications]


async def relay_in_turns(relays: list[Relay], rounds: int) -> None:
    for _ in range(rounds):
        for relay in relays:
            await relay.relay_once()
        await asyncio.sleep(0.11)  # past the PostgreSQL lock's check interval


async def test_two_relays_enqueue_each_request_once_and_the_other_resumes_when_one_stops(
    machine: Machine,
) -> None:
    (store_a, lead_a), (store_b, lead_b) = machine.process(), machine.process()
    queues = [RecordingQueue(), RecordingQueue()]
    relays = [
        Relay(store_a, queues[0], lead_a, batch_size=10),
        Relay(store_b, queues[1], lead_b, batch_size=10),
    ]
    first = await request(store_a, 25) + await request(store_b, 10)
    await relay_in_turns(relays, 5)
    leader = 0 if queues[0].sent else 1
    assert sorted(queues[leader].sent) == sorted(first)
    assert queues[1 - leader].sent == []

    await relays[leader].stop()  # the leading process stops: it relays no more
    later = await request(store_a, 5)
    await relay_in_turns([relays[1 - leader]], 3)
    assert queues[1 - leader].sent == later


async def test_a_killed_leader_is_replaced_within_seconds(machine: Machine) -> None:
    _, mine = machine.process()
    holder = subprocess.Popen(  # noqa: ASYNC220  # the loop has nothing else to do meanwhile
        [sys.executable, "-m", "tests.leader_holder", machine.kind, machine.where],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "leading"
        assert not await mine.lead()
        holder.kill()  # SIGKILL: no chance to release anything
        holder.wait(10)
        deadline = time.monotonic() + 10
        while not await mine.lead():
            assert time.monotonic() < deadline, "the lead was not taken over after the leader was killed"
            await asyncio.sleep(0.1)
    finally:
        holder.kill()
        await mine.release()
