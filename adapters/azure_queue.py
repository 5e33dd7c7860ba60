"""The queue on Azure Storage Queue, through azure-storage-queue's asyncio client.

Messages carry a notification id and log position, never contents (when traced, the W3C
`traceparent` too, in the body: Azure's messages have no attributes). Azure has no long polling: an
empty queue is polled once a second until the wait is over. A message for a notification whose
attempts are exhausted, or one no version of the service wrote, goes to the `<queue>-poison` queue.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from azure.core.exceptions import AzureError
from azure.storage.queue.aio import QueueClient

from application.errors import QueueUnavailable
from application.ports import Delivery, QueueMessage

T = TypeVar("T")
POLL_INTERVAL = 1.0
# Fail within seconds, not minutes: the relay and the worker back off and retry by themselves.
CLIENT_OPTIONS: dict[str, Any] = {
    "retry_total": 2,
    "initial_backoff": 0.5,
    "increment_base": 1,
    "connection_timeout": 5,
}
log = structlog.get_logger("notifications")


@dataclass
class _Receipt:
    """Azure gives a new pop receipt each time a message's visibility changes."""

    message_id: str
    pop_receipt: str


class AzureQueue:
    def __init__(self, queue: QueueClient, poison: QueueClient, visibility_timeout: int = 30) -> None:
        self._queue = queue
        self._poison = poison
        self.visibility_timeout = visibility_timeout

    @classmethod
    def from_settings(
        cls,
        queue_name: str,
        connection_string: str = "",
        account_url: str = "",
        credential: str = "",
        poison_queue_name: str = "",
        visibility_timeout: int = 30,
    ) -> AzureQueue:
        def client(name: str) -> QueueClient:
            if connection_string:
                return QueueClient.from_connection_string(connection_string, name, **CLIENT_OPTIONS)
            return QueueClient(account_url, name, credential=credential or None, **CLIENT_OPTIONS)

        return cls(
            client(queue_name), client(poison_queue_name or f"{queue_name}-poison"), visibility_timeout
        )

    async def send(self, messages: Sequence[QueueMessage]) -> None:
        await asyncio.gather(*(azure_call(self._queue.send_message(m.encode())) for m in messages))

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        deadline = time.monotonic() + wait_seconds
        while True:
            deliveries = await self._receive_once(max(1, min(max_messages, 32)))
            if deliveries or time.monotonic() + POLL_INTERVAL > deadline:
                return deliveries
            await asyncio.sleep(POLL_INTERVAL)

    async def acknowledge(self, delivery: Delivery) -> None:
        receipt: _Receipt = delivery.handle
        await azure_call(self._queue.delete_message(receipt.message_id, receipt.pop_receipt))

    async def retry_later(self, delivery: Delivery, delay_seconds: float) -> None:
        await self.extend(delivery, delay_seconds)

    async def extend(self, delivery: Delivery, seconds: float) -> None:
        receipt: _Receipt = delivery.handle
        updated = await azure_call(
            self._queue.update_message(
                receipt.message_id, receipt.pop_receipt, visibility_timeout=max(0, round(seconds))
            )
        )
        receipt.pop_receipt = updated.pop_receipt or receipt.pop_receipt

    async def dead_letter(self, delivery: Delivery) -> None:
        receipt: _Receipt = delivery.handle
        await self._dead_letter_raw(delivery.message.encode(), receipt, "")

    def safe_position(self, sent_up_to: int) -> int:
        return sent_up_to

    async def ping(self) -> None:
        await azure_call(self._queue.get_queue_properties())

    async def depth(self) -> int:
        """`approximate_message_count` of the queue's properties (hidden messages included)."""
        properties = await azure_call(self._queue.get_queue_properties())
        return int(properties.approximate_message_count or 0)

    async def close(self) -> None:
        await self._queue.close()
        await self._poison.close()

    async def _receive_once(self, count: int) -> list[Delivery]:
        async def take() -> list[Delivery]:
            deliveries = []
            pages = self._queue.receive_messages(
                messages_per_page=count, max_messages=count, visibility_timeout=self.visibility_timeout
            )
            async for raw in pages:
                receipt = _Receipt(raw.id, raw.pop_receipt or "")
                try:
                    message = QueueMessage.decode(raw.content)
                except ValueError as error:
                    await self._dead_letter_raw(raw.content, receipt, str(error))
                    continue
                deliveries.append(Delivery(message, raw.dequeue_count or 1, receipt))
            return deliveries

        return await azure_call(take())

    async def _dead_letter_raw(self, body: str, receipt: _Receipt, problem: str) -> None:
        await azure_call(self._poison.send_message(body))
        await azure_call(self._queue.delete_message(receipt.message_id, receipt.pop_receipt))
        log.warning("queue.dead_lettered", queue="azure", problem=problem or None)

    @property
    def clients(self) -> tuple[QueueClient, QueueClient]:
        """The queue's client and its poison queue's, for the dead-letter queue's adapter."""
        return self._queue, self._poison


async def azure_call(operation: Awaitable[T]) -> T:
    """Awaits a call of the Azure client. Raises QueueUnavailable for any AzureError."""
    try:
        return await operation
    except AzureError as error:
        raise QueueUnavailable(f"Azure Storage Queue: {type(error).__name__}: {error}") from error
