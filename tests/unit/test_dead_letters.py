"""`notifications dlq`'s use cases on an in-memory store and a fake dead-letter queue."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Iterator
from uuid import UUID

import pytest
from dependency_injector import providers

from application.dead_letters import NotDeadLettered, Outcome
from application.errors import NoDeadLetterQueue
from application.ports import DeadLetter, QueueMessage
from bootstrap.container import Container
from bootstrap.settings import Settings
from domain.messages import PhoneNumber, Sms
from domain.notification import NotPending, Status
from entrypoints.dlq_cli import replay_dead_letters
from entrypoints.processes import container_for
from tests.fakes import FakeDeadLetterQueue

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
OPERATOR = "ops@host-1"


def letter(notification_id: UUID) -> DeadLetter:
    message = QueueMessage(notification_id, 7)
    return DeadLetter(message, message.encode(), receive_count=3)


UNREADABLE = DeadLetter(None, '{"hello": "world"}')


@pytest.fixture
def dlq(container: Container) -> Iterator[FakeDeadLetterQueue]:
    fake = FakeDeadLetterQueue([])
    with container.dead_letter_queue.override(providers.Object(fake)):
        yield fake


async def send(container: Container) -> UUID:
    return (await container.notifications().send_notification("bank", SMS)).id


async def events(container: Container, notification_id: UUID) -> list[str]:
    return [e.type for e in await container.event_store().history(notification_id)]


async def test_the_list_shows_each_message_with_its_notification_and_leaves_it(
    container: Container, dlq: FakeDeadLetterQueue
) -> None:
    pending, delivered, unknown = await send(container), await send(container), uuid.uuid4()
    await container.deliveries().deliver_notification(delivered)
    dlq.letters = [letter(pending), letter(delivered), letter(unknown), UNREADABLE]
    listed, total = await container.dead_letters().list_dead_letters()
    assert total == 4
    seen = [(e.letter, e.notification and e.notification.status) for e in listed]
    assert seen == [
        (letter(pending), Status.PENDING),
        (letter(delivered), Status.DELIVERED),
        (letter(unknown), None),
        (UNREADABLE, None),
    ]
    assert len(dlq.letters) == 4 and dlq.replayed == dlq.removed == []


async def test_a_replay_sends_back_the_pending_records_it_and_leaves_the_rest(
    container: Container, dlq: FakeDeadLetterQueue
) -> None:
    pending, delivered = await send(container), await send(container)
    await container.deliveries().deliver_notification(delivered)
    dlq.letters = [letter(pending), letter(delivered), letter(uuid.uuid4()), UNREADABLE]
    replays = await container.dead_letters().replay(None, OPERATOR)
    outcomes = [r.outcome for r in replays]
    assert outcomes == [Outcome.REPLAYED, Outcome.NOT_PENDING, Outcome.UNKNOWN, Outcome.UNREADABLE]
    assert dlq.replayed == [letter(pending)]
    assert dlq.released == dlq.letters and len(dlq.letters) == 3
    history = await container.event_store().history(pending)
    assert history[-1].type == "DeadLetterReplayed"
    assert history[-1].data == {"queue": "notifications-dead", "operator": OPERATOR}
    assert await events(container, delivered) == ["Requested", "DeliveryStarted", "Delivered"]
    # the worker takes the replayed message as any other
    assert (await container.deliveries().deliver_notification(pending)).done
    assert (await container.event_store().get(pending)).status is Status.DELIVERED


async def test_named_ids_are_replayed_alone(container: Container, dlq: FakeDeadLetterQueue) -> None:
    first, second = await send(container), await send(container)
    dlq.letters = [letter(first), letter(second)]
    replays = await container.dead_letters().replay([second], OPERATOR)
    assert [(r.letter, r.outcome) for r in replays] == [(letter(second), Outcome.REPLAYED)]
    assert dlq.letters == dlq.released == [letter(first)]
    assert await events(container, first) == ["Requested"]


async def test_an_id_not_in_the_dead_letter_queue_replays_nothing(
    container: Container, dlq: FakeDeadLetterQueue
) -> None:
    pending, missing = await send(container), uuid.uuid4()
    dlq.letters = [letter(pending)]
    with pytest.raises(NotDeadLettered, match=f"no dead-lettered message for notification {missing}"):
        await container.dead_letters().replay([pending, missing], OPERATOR)
    assert dlq.replayed == [] and dlq.released == [letter(pending)]
    assert await events(container, pending) == ["Requested"]


async def test_two_messages_of_one_notification_are_replayed_once(
    container: Container, dlq: FakeDeadLetterQueue
) -> None:
    pending = await send(container)
    dlq.letters = [letter(pending), letter(pending)]
    replays = await container.dead_letters().replay(None, OPERATOR)
    assert [r.outcome for r in replays] == [Outcome.REPLAYED, Outcome.DUPLICATE]
    assert len(dlq.replayed) == len(dlq.removed) == 1 and dlq.letters == []
    assert await events(container, pending) == ["Requested", "DeadLetterReplayed"]


async def test_a_queue_that_refuses_leaves_the_message_where_it_was(
    container: Container, dlq: FakeDeadLetterQueue
) -> None:
    pending = await send(container)
    dlq.letters, dlq.failing = [letter(pending)], {pending}
    [replay] = await container.dead_letters().replay(None, OPERATOR)
    assert (replay.outcome, replay.error) == (Outcome.FAILED, "SQS: the queue is down")
    assert dlq.letters == dlq.released == [letter(pending)]
    # recorded before the send, so that no worker finishes it in between: the log shows the try
    assert await events(container, pending) == ["Requested", "DeadLetterReplayed"]


async def test_a_finished_notification_refuses_a_replay(container: Container) -> None:
    delivered = await send(container)
    await container.deliveries().deliver_notification(delivered)
    notification = await container.event_store().get(delivered)
    with pytest.raises(NotPending, match="is delivered, not pending"):
        notification.replay_dead_letter("q", OPERATOR)
    assert notification.pending_events == []


def test_the_in_process_queue_has_no_dead_letter_queue_to_read(settings: Settings) -> None:
    with pytest.raises(NoDeadLetterQueue, match="NOTIFICATIONS_QUEUE=inprocess"):
        container_for(settings).dead_letters()


def test_a_replay_of_something_not_an_id_is_one_line(
    container: Container, dlq: FakeDeadLetterQueue, capsys: pytest.CaptureFixture[str]
) -> None:
    dlq.letters = [UNREADABLE]
    assert replay_dead_letters(container, argparse.Namespace(ids=["42"])) == 2
    assert capsys.readouterr() == ("", "notifications: '42' is not a notification id (a UUID)\n")
    assert dlq.released == dlq.removed == []  # nothing was taken
