"""The Azure queue's poison queue (`NOTIFICATIONS_AZURE_POISON_QUEUE_NAME`), for `notifications dlq`.

`peek` uses Azure's peek, which takes nothing and counts no receive, but shows at most 32 messages
(Azure's limit); the queue's approximate message count says how many there are in all.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueMessage as AzureMessage

from adapters.azure_queue import AzureQueue, azure_call
from application.errors import NoDeadLetterQueue, QueueUnavailable
from application.ports import DeadLetter, QueueMessage

T = TypeVar("T")
HOLD = 120  # seconds a taken message stays hidden if this process dies before releasing it
PEEK_LIMIT = 32  # Azure's most for one peek


@dataclass
class _Receipt:
    message_id: str
    pop_receipt: str


class AzureDeadLetters:
    def __init__(self, queue: AzureQueue) -> None:
        self._queue, self._poison = queue.clients
        self.name = self._poison.queue_name

    async def peek(self) -> tuple[list[DeadLetter], int]:
        peeked = await self._call(self._poison.peek_messages(max_messages=PEEK_LIMIT))
        properties = await self._call(self._poison.get_queue_properties())
        letters = [_letter(raw) for raw in peeked]
        return letters, max(properties.approximate_message_count or 0, len(letters))

    async def take(self) -> list[DeadLetter]:
        async def receive() -> list[DeadLetter]:
            taken: dict[str, DeadLetter] = {}
            pages = self._poison.receive_messages(messages_per_page=PEEK_LIMIT, visibility_timeout=HOLD)
            async for raw in pages:
                if raw.id in taken:  # its hold ran out while this read the rest: all are in
                    break
                taken[raw.id] = _letter(raw)
            return list(taken.values())

        return await self._call(receive())

    async def replay(self, letter: DeadLetter) -> None:
        await azure_call(self._queue.send_message(letter.body))
        await self.remove(letter)

    async def remove(self, letter: DeadLetter) -> None:
        receipt: _Receipt = letter.handle
        await azure_call(self._poison.delete_message(receipt.message_id, receipt.pop_receipt))

    async def release(self, letter: DeadLetter) -> None:
        receipt: _Receipt = letter.handle
        await azure_call(
            self._poison.update_message(receipt.message_id, receipt.pop_receipt, visibility_timeout=0)
        )

    async def _call(self, operation: Awaitable[T]) -> T:
        try:
            return await azure_call(operation)
        except QueueUnavailable as error:
            if isinstance(error.__cause__, ResourceNotFoundError):
                raise NoDeadLetterQueue(
                    f"no dead-letter queue: the Azure poison queue {self.name} does not exist"
                    " (NOTIFICATIONS_AZURE_POISON_QUEUE_NAME)"
                ) from error
            raise


def _letter(raw: AzureMessage) -> DeadLetter:
    body = str(raw.content)
    try:
        message: QueueMessage | None = QueueMessage.decode(body)
    except ValueError:
        message = None
    # the worker sends a dead letter anew: its insertion time is when it was dead-lettered, and
    # its count in the main queue is not kept
    receipt = _Receipt(raw.id, raw.pop_receipt) if raw.pop_receipt else None
    return DeadLetter(message=message, body=body, dead_lettered_at=raw.inserted_on, handle=receipt)
