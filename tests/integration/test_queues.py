"""The queue contract, run on each cloud queue through its real client library and emulator."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from azure.storage.queue.aio import QueueClient

from adapters.azure_queue import AzureQueue
from adapters.sqs_queue import SqsQueue
from application.errors import QueueUnavailable
from application.ports import NotificationQueue, QueueMessage
from tests.queue_servers import Azurite, MotoSqs

VISIBILITY = 2


@dataclass
class Queue:
    adapter: SqsQueue | AzureQueue
    send_raw: Callable[[str], Awaitable[object]]
    dead_letters: Callable[[], Awaitable[list[str]]]
    server: MotoSqs | Azurite


@pytest.fixture(params=["sqs", "azure"])
async def queue(request: pytest.FixtureRequest) -> AsyncIterator[Queue]:
    name = f"q{uuid.uuid4().hex[:12]}"
    if request.param == "sqs":
        server: MotoSqs = request.getfixturevalue("moto_sqs")
        url, dead_url = server.create_queue(name)
        sqs = SqsQueue(url, region="us-east-1", endpoint_url=server.endpoint, visibility_timeout=VISIBILITY)

        async def dead_sqs() -> list[str]:
            return server.bodies(dead_url)

        async def send_sqs(body: str) -> None:
            server.client().send_message(QueueUrl=url, MessageBody=body)

        yield Queue(sqs, send_sqs, dead_sqs, server)
        await sqs.close()
    else:
        azurite: Azurite = request.getfixturevalue("azurite")
        for queue_name in (name, f"{name}-poison"):
            async with QueueClient.from_connection_string(azurite.connection_string, queue_name) as client:
                await client.create_queue()
        azure = AzureQueue.from_settings(
            name, connection_string=azurite.connection_string, visibility_timeout=VISIBILITY
        )
        raw = QueueClient.from_connection_string(azurite.connection_string, name)

        async def dead_azure() -> list[str]:
            async with QueueClient.from_connection_string(azurite.connection_string, f"{name}-poison") as c:
                return [m.content for m in await c.peek_messages(max_messages=32)]

        yield Queue(azure, raw.send_message, dead_azure, azurite)
        await raw.close()
        await azure.close()


def message(position: int = 1) -> QueueMessage:
    return QueueMessage(uuid.uuid4(), position)


async def test_the_adapter_keeps_the_queue_contract(queue: Queue) -> None:
    assert isinstance(queue.adapter, NotificationQueue)
    assert queue.adapter.safe_position(41) == 41


async def test_a_message_sent_is_received_once_then_acknowledged(queue: Queue) -> None:
    sent = [message(i) for i in range(1, 13)]
    await queue.adapter.send(sent)
    received = []
    while len(received) < len(sent):
        batch = await queue.adapter.receive(10, 2)
        assert batch, "the queue ran dry before every message came back"
        received += batch
    assert sorted(d.message.position for d in received) == list(range(1, 13))
    assert {d.message for d in received} == set(sent)
    assert all(d.receive_count == 1 for d in received)
    for delivery in received:
        await queue.adapter.acknowledge(delivery)
    await asyncio.sleep(VISIBILITY + 0.5)
    assert await queue.adapter.receive(10, 1) == []


async def test_a_message_not_acknowledged_comes_back(queue: Queue) -> None:
    await queue.adapter.send([message()])
    [first] = await queue.adapter.receive(1, 2)
    assert await queue.adapter.receive(1, 1) == []
    [again] = await queue.adapter.receive(1, VISIBILITY + 3)
    assert again.message == first.message
    assert again.receive_count == 2


async def test_a_message_retried_later_stays_away_for_the_delay(queue: Queue) -> None:
    await queue.adapter.send([message()])
    [delivery] = await queue.adapter.receive(1, 2)
    await queue.adapter.retry_later(delivery, 4)
    assert await queue.adapter.receive(1, VISIBILITY + 1) == []
    [again] = await queue.adapter.receive(1, 4)
    assert again.message == delivery.message


async def test_a_message_kept_hidden_is_not_handed_to_another_receiver(queue: Queue) -> None:
    await queue.adapter.send([message()])
    [delivery] = await queue.adapter.receive(1, 2)
    for _ in range(3):
        await asyncio.sleep(VISIBILITY / 2)
        await queue.adapter.extend(delivery, VISIBILITY)
    assert await queue.adapter.receive(1, 0) == []
    await queue.adapter.acknowledge(delivery)


async def test_a_dead_lettered_message_moves_to_the_dead_letter_queue(queue: Queue) -> None:
    sent = message()
    await queue.adapter.send([sent])
    [delivery] = await queue.adapter.receive(1, 2)
    await queue.adapter.dead_letter(delivery)
    assert await queue.dead_letters() == [sent.encode()]
    await asyncio.sleep(VISIBILITY + 0.5)
    assert await queue.adapter.receive(1, 1) == []


async def test_a_message_no_service_wrote_goes_to_the_dead_letter_queue(queue: Queue) -> None:
    await queue.send_raw('{"hello": "world"}')
    assert await queue.adapter.receive(10, 2) == []
    assert await queue.dead_letters() == ['{"hello": "world"}']


async def test_an_unreachable_queue_says_so(queue: Queue) -> None:
    await queue.adapter.ping()
    queue.server.stop()
    try:
        with pytest.raises(QueueUnavailable):
            await queue.adapter.ping()
        with pytest.raises(QueueUnavailable):
            await queue.adapter.send([message()])
    finally:
        queue.server.start()
    await queue.adapter.ping()
