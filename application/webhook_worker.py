"""The webhook task of a worker: follows the log and sends due messages, beside (never before) deliveries.

It has its own concurrency and its own HTTP timeouts: a slow or silent receiver holds only its own
slots, never the queue consumer's.
"""

from __future__ import annotations

import asyncio
import contextlib
from uuid import UUID

import structlog

from application.errors import StoreUnavailable
from application.webhook_dispatch import WebhookDispatcher
from application.webhook_ports import WebhookTransport

log = structlog.get_logger("notifications")

TICK = 0.05
UNAVAILABLE_BACKOFF = (0.5, 30.0)


class WebhookWorker:
    def __init__(self, dispatcher: WebhookDispatcher, transport: WebhookTransport, concurrency: int) -> None:
        self.dispatcher = dispatcher
        self.transport = transport
        self.concurrency = concurrency

    async def run(self, stopping: asyncio.Event) -> None:
        """Works until `stopping` is set; attempts in flight then are cancelled (their claims lapse,
        and they are sent again later: at least once)."""
        following = asyncio.create_task(self._follow(stopping))
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not stopping.is_set():
                for message_id in self.dispatcher.take_due(self.concurrency - len(in_flight)):
                    task = asyncio.create_task(self._attempt(message_id))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                await _pause(stopping, TICK)
        finally:
            for task in [following, *in_flight]:
                task.cancel()
            await asyncio.gather(following, *in_flight, return_exceptions=True)
            await self.transport.close()

    async def _follow(self, stopping: asyncio.Event) -> None:
        delay = UNAVAILABLE_BACKOFF[0]
        while not stopping.is_set():
            try:
                read = await self.dispatcher.follow_once()
            except StoreUnavailable as error:
                log.warning("webhook.store_unavailable", error=str(error), retry_in=delay)
                await _pause(stopping, delay)
                delay = min(delay * 2, UNAVAILABLE_BACKOFF[1])
                continue
            except Exception:
                log.exception("webhook.follow_failed")
                await _pause(stopping, UNAVAILABLE_BACKOFF[1])
                continue
            delay = UNAVAILABLE_BACKOFF[0]
            if read < self.dispatcher.batch_size:
                await _pause(stopping, TICK)

    async def _attempt(self, message_id: UUID) -> None:
        try:
            await self.dispatcher.attempt(message_id)
        except Exception as error:  # the store, most likely: the message is looked at again soon
            log.warning("webhook.attempt_error", message_id=str(message_id), error=type(error).__name__)
            self.dispatcher.retry_soon(message_id)


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
