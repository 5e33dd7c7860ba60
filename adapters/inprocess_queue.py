"""The in-process queue of the embedded default: an asyncio queue in the service's own memory.

It holds nothing across a restart, so it reports as safe only the log positions whose messages
were acknowledged; the relay resumes from there and sends the rest again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import structlog

from application.ports import Delivery, QueueMessage

log = structlog.get_logger("notifications")


class InProcessQueue:
    def __init__(self) -> None:
        self._ready: asyncio.Queue[Delivery] = asyncio.Queue()
        self._unacknowledged: dict[int, QueueMessage] = {}
        self.dead_letters: list[QueueMessage] = []

    async def send(self, messages: Sequence[QueueMessage]) -> None:
        for message in messages:
            self._unacknowledged[message.position] = message
            self._ready.put_nowait(Delivery(message))

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        try:
            first = await asyncio.wait_for(self._ready.get(), wait_seconds)
        except TimeoutError:
            return []
        batch = [first]
        while len(batch) < max_messages and not self._ready.empty():
            batch.append(self._ready.get_nowait())
        return batch

    async def acknowledge(self, delivery: Delivery) -> None:
        self._unacknowledged.pop(delivery.message.position, None)

    async def retry_later(self, delivery: Delivery, delay_seconds: float) -> None:
        again = Delivery(delivery.message, delivery.receive_count + 1)
        asyncio.get_running_loop().call_later(delay_seconds, self._ready.put_nowait, again)

    async def extend(self, delivery: Delivery, seconds: float) -> None:
        return None  # nobody else receives from this queue

    async def dead_letter(self, delivery: Delivery) -> None:
        self._unacknowledged.pop(delivery.message.position, None)
        self.dead_letters.append(delivery.message)
        log.warning("queue.dead_lettered", notification_id=str(delivery.message.notification_id))

    def safe_position(self, sent_up_to: int) -> int:
        return min(self._unacknowledged) - 1 if self._unacknowledged else sent_up_to

    async def depth(self) -> int:
        """Messages ready to be received (not those being delivered or waiting for a retry)."""
        return self._ready.qsize()

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
