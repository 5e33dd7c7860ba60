"""`notifications dlq list` and `replay` as an operator runs them, on SQS (moto's server) and Azure
(Azurite), with a SQLite store; the messages reach the dead-letter queue the way the worker sends them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from azure.storage.queue.aio import QueueClient

from adapters.azure_dead_letters import AzureDeadLetters
from adapters.azure_queue import AzureQueue
from adapters.event_store import EventSourcedStore
from adapters.sqs_dead_letters import SqsDeadLetters
from adapters.sqs_queue import SqsQueue
from application.errors import NoDeadLetterQueue
from application.ports import QueueMessage
from domain.messages import PhoneNumber, Sms
from domain.notification import Notification
from tests.cli import notifications, without_where
from tests.queue_servers import CREDENTIALS, Azurite, MotoSqs

SMS = Sms(PhoneNumber("+15551234567"), "Your code is 1234")
UNREADABLE = '{"hello": "world"}'


@dataclass
class Setup:
    env: dict[str, str]
    queue: SqsQueue | AzureQueue
    dead_letter_queue: str  # its name
    store: Path
    pending: UUID
    refused: UUID


@pytest.fixture(params=["sqs", "azure"])
async def setup(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Setup]:
    """A pending and a refused notification, both dead-lettered by the queue's adapter, and a message
    no service wrote, dead-lettered as the adapter receives it."""
    name = f"q{uuid.uuid4().hex[:12]}"
    env = {"NOTIFICATIONS_DATA_DIR": str(tmp_path), "NOTIFICATIONS_QUEUE": request.param}
    if request.param == "sqs":
        sqs: MotoSqs = request.getfixturevalue("moto_sqs")
        url, _ = sqs.create_queue(name)
        queue: SqsQueue | AzureQueue = SqsQueue(url, "us-east-1", sqs.endpoint, visibility_timeout=5)
        env |= {"NOTIFICATIONS_SQS_QUEUE_URL": url, "NOTIFICATIONS_SQS_ENDPOINT_URL": sqs.endpoint}
        env |= {"NOTIFICATIONS_SQS_REGION": "us-east-1", **CREDENTIALS}
        dead = f"{name}-dead"
    else:
        azurite: Azurite = request.getfixturevalue("azurite")
        for queue_name in (name, f"{name}-poison"):
            async with QueueClient.from_connection_string(azurite.connection_string, queue_name) as client:
                await client.create_queue()
        queue = AzureQueue.from_settings(name, connection_string=azurite.connection_string)
        env |= {"NOTIFICATIONS_AZURE_QUEUE_NAME": name}
        env |= {"NOTIFICATIONS_AZURE_CONNECTION_STRING": azurite.connection_string}
        dead = f"{name}-poison"
    store = EventSourcedStore.sqlite(tmp_path / "events.sqlite")
    pending, refused = (
        Notification.request(uuid.uuid4(), "bank", SMS),
        Notification.request(uuid.uuid4(), "bank", SMS),
    )
    refused.give_up("the provider is down")
    await store.save(pending, refused)
    await queue.send([QueueMessage(pending.id, 1), QueueMessage(refused.id, 2)])
    await _send_raw(queue, UNREADABLE)
    deliveries = []
    while len(deliveries) < 2:  # the unreadable message is dead-lettered as it is received
        deliveries += await queue.receive(10, 1)
    for delivery in deliveries:
        await queue.dead_letter(delivery)
    yield Setup(env, queue, dead, tmp_path / "events.sqlite", pending.id, refused.id)
    await queue.close()
    store.close()


async def _send_raw(queue: SqsQueue | AzureQueue, body: str) -> None:
    if isinstance(queue, SqsQueue):
        queue.client.send_message(QueueUrl=queue.queue_url, MessageBody=body)
    else:
        await queue.clients[0].send_message(body)


def dead_letters(queue: SqsQueue | AzureQueue) -> SqsDeadLetters | AzureDeadLetters:
    return SqsDeadLetters(queue) if isinstance(queue, SqsQueue) else AzureDeadLetters(queue)


def dlq(setup: Setup, *args: str) -> tuple[int, list[str], list[str]]:
    done = notifications("dlq", *args, env=setup.env)
    return done.returncode, done.stdout.splitlines(), without_where(done.stderr)


async def test_the_list_shows_every_dead_letter_and_the_replay_sends_back_the_pending_one(
    setup: Setup,
) -> None:
    code, lines, said = dlq(setup, "list")
    assert (code, said) == (0, [f"3 dead-lettered messages in {setup.dead_letter_queue}"])
    assert lines[0].split() == [
        "NOTIFICATION",
        "CHANNEL",
        "STATUS",
        "ATTEMPTS",
        "DEAD-LETTERED",
        "(UTC)",
        "RECEIVED",
    ]
    received = "1" if isinstance(setup.queue, SqsQueue) else "-"
    rows = sorted(line.split()[:3] + line.split()[-1:] for line in lines[1:])
    assert rows == sorted(
        [
            [str(setup.pending), "sms", "pending", received],
            [str(setup.refused), "sms", "refused", received],
            ["(unreadable", "message)", "-", received],
        ]
    )

    code, lines, said = dlq(setup, "replay")
    queue = setup.dead_letter_queue
    assert sorted(lines) == sorted(
        [
            f"replayed {setup.pending} (sms, attempts so far 0)",
            f"not replayed: {setup.refused} is refused, not pending; its message stays in {queue}",
            f"not replayed: a message that is not a notification message stays in {queue}",
        ]
    )
    assert (code, said) == (0, ["replayed 1 of 3 dead-lettered messages"])
    [back] = await setup.queue.receive(10, 2)
    assert back.message == QueueMessage(setup.pending, 1)
    store = EventSourcedStore.sqlite(setup.store)
    replayed = (await store.history(setup.pending))[-1]
    store.close()
    assert replayed.type == "DeadLetterReplayed" and replayed.data["queue"] == queue
    assert "@" in replayed.data["operator"]

    left, _ = await dead_letters(setup.queue).peek()  # the two others, visible again at once
    assert sorted(letter.body for letter in left) == sorted(
        [QueueMessage(setup.refused, 2).encode(), UNREADABLE]
    )


@pytest.mark.parametrize("setup", ["sqs"], indirect=True)  # the use case's rule, the same on any queue
async def test_an_id_with_no_dead_letter_is_one_line_and_replays_nothing(setup: Setup) -> None:
    unknown = uuid.uuid4()
    code, lines, said = dlq(setup, "replay", str(setup.pending), str(unknown))
    assert (code, lines) == (2, [])
    assert said == [
        f"notifications: no dead-lettered message for notification {unknown}; nothing was replayed"
    ]
    store = EventSourcedStore.sqlite(setup.store)
    assert [e.type for e in await store.history(setup.pending)] == ["Requested"]
    store.close()


async def test_a_queue_without_a_dead_letter_queue_says_which_setting_gives_one(
    moto_sqs: MotoSqs, azurite: Azurite
) -> None:
    url = moto_sqs.client().create_queue(QueueName=f"q{uuid.uuid4().hex[:12]}")["QueueUrl"]
    sqs = SqsQueue(url, "us-east-1", moto_sqs.endpoint)
    with pytest.raises(NoDeadLetterQueue, match="NOTIFICATIONS_SQS_DEAD_LETTER_QUEUE_URL is not set"):
        await SqsDeadLetters(sqs).peek()
    name = f"q{uuid.uuid4().hex[:12]}"
    azure = AzureQueue.from_settings(name, connection_string=azurite.connection_string)
    with pytest.raises(NoDeadLetterQueue, match=f"poison queue {name}-poison does not exist"):
        await AzureDeadLetters(azure).take()
    await sqs.close()
    await azure.close()


async def test_a_message_sqs_moved_itself_shows_the_receives_sqs_counted(moto_sqs: MotoSqs) -> None:
    url, _ = moto_sqs.create_queue(f"q{uuid.uuid4().hex[:12]}", max_receives=2)
    client, sent = moto_sqs.client(), QueueMessage(uuid.uuid4(), 5)
    client.send_message(QueueUrl=url, MessageBody=sent.encode())
    for _ in range(3):  # the third receive finds it past maxReceiveCount: SQS moves it
        client.receive_message(QueueUrl=url, VisibilityTimeout=0)
    queue = SqsQueue(url, "us-east-1", moto_sqs.endpoint)
    dead_letters = SqsDeadLetters(queue)
    [first], total = await dead_letters.peek()
    assert (first.message, total) == (sent, 1)
    assert first.receive_count is not None and first.receive_count >= 2  # moto counts the third too
    [again], _ = await dead_letters.peek()  # SQS counts the first listing's receive, as the docs say
    assert again.receive_count == first.receive_count + 1
    await queue.close()
