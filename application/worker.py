"""The queue worker: relays requested notifications to the queue and delivers what it receives."""

from __future__ import annotations

import asyncio
import contextlib
from contextlib import AbstractContextManager
from typing import Protocol

import structlog

from application.delivery import Deliveries, Outcome
from application.errors import QueueUnavailable, StoreUnavailable
from application.mailbox_reader import MailboxReader
from application.ports import Delivery, NotificationQueue
from application.relay import Relay
from application.webhook_worker import WebhookWorker

log = structlog.get_logger("notifications")

RECEIVE_BATCH = 10
RECEIVE_WAIT = 5.0
RELAY_INTERVAL = 0.05
UNAVAILABLE_BACKOFF = (0.5, 30.0)


class DeliverySpans(Protocol):
    """Tracing's span around the handling of one message (adapters/tracing.py)."""

    def delivering(self, delivery: Delivery) -> AbstractContextManager[None]: ...


class Worker:
    def __init__(
        self,
        relay: Relay | None,
        queue: NotificationQueue,
        deliveries: Deliveries,
        concurrency: int,
        visibility_timeout: float,
        webhooks: WebhookWorker | None = None,
        mailbox_reader: MailboxReader | None = None,
        spans: DeliverySpans | None = None,
    ) -> None:
        self.relay = relay
        self.queue = queue
        self.deliveries = deliveries
        self.concurrency = concurrency
        self.visibility_timeout = visibility_timeout
        self.webhooks = webhooks
        self.mailbox_reader = mailbox_reader
        self.spans = spans
        self.stopping = asyncio.Event()
        self._running: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._running = asyncio.create_task(self.run())

    async def shutdown(self, grace_seconds: float) -> None:
        """Stops taking work and waits for deliveries in flight; cancels those still running then.

        A cancelled delivery's message was not acknowledged: it is delivered again later.
        """
        self.stop()
        if self._running:
            try:
                await asyncio.wait_for(self._running, grace_seconds)
            except TimeoutError:
                log.warning("worker.shutdown_timeout", seconds=grace_seconds)

    async def run(self) -> None:
        """Works until `stop()`; then takes nothing new and lets deliveries in flight finish."""
        log.info("worker.started", relay=self.relay is not None)
        relaying = asyncio.create_task(self._relay()) if self.relay else None
        hooks = asyncio.create_task(self.webhooks.run(self.stopping)) if self.webhooks else None
        reading = asyncio.create_task(self.mailbox_reader.run(self.stopping)) if self.mailbox_reader else None
        await self._consume()
        for task in (relaying, hooks, reading):
            if task:
                await task
        if self.relay:
            await self.relay.stop()
        await self.deliveries.close()
        log.info("worker.stopped")

    def stop(self) -> None:
        self.stopping.set()

    async def _relay(self) -> None:
        assert self.relay is not None
        delay = UNAVAILABLE_BACKOFF[0]
        while not self.stopping.is_set():
            try:
                sent = await self.relay.relay_once()
            except (StoreUnavailable, QueueUnavailable) as error:
                log.warning("relay.unavailable", error=str(error), retry_in=delay)
                await self._pause(delay)
                delay = min(delay * 2, UNAVAILABLE_BACKOFF[1])
                continue
            delay = UNAVAILABLE_BACKOFF[0]
            if sent < self.relay.batch_size:
                await self._pause(RELAY_INTERVAL)

    async def _consume(self) -> None:
        in_flight: set[asyncio.Task[None]] = set()
        while not self.stopping.is_set():
            if len(in_flight) >= self.concurrency:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                continue
            try:
                batch = await self._receive(min(RECEIVE_BATCH, self.concurrency - len(in_flight)))
            except QueueUnavailable as error:
                log.warning("worker.queue_unavailable", error=str(error))
                await self._pause(UNAVAILABLE_BACKOFF[0])
                continue
            for delivery in batch:
                task = asyncio.create_task(self._handle(delivery))
                in_flight.add(task)
                task.add_done_callback(in_flight.discard)
        if in_flight:
            log.info("worker.draining", in_flight=len(in_flight))
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _receive(self, count: int) -> list[Delivery]:
        """Receives, or returns nothing as soon as the worker is stopped."""
        receiving = asyncio.ensure_future(self.queue.receive(count, RECEIVE_WAIT))
        stopped = asyncio.ensure_future(self.stopping.wait())
        await asyncio.wait({receiving, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not receiving.done():
            receiving.cancel()  # a message taken meanwhile comes back after its visibility timeout
            return []
        return receiving.result()

    async def _handle(self, delivery: Delivery) -> None:
        if self.spans is None:
            return await self._handle_one(delivery)
        with self.spans.delivering(delivery):
            await self._handle_one(delivery)

    async def _handle_one(self, delivery: Delivery) -> None:
        keeping = asyncio.create_task(self._keep_hidden(delivery))
        try:
            try:
                outcome = await self.deliveries.deliver_notification(delivery.message.notification_id)
            except StoreUnavailable as error:
                log.warning("delivery.store_unavailable", error=str(error))
                outcome = Outcome(retry_in=UNAVAILABLE_BACKOFF[0])
            finally:
                keeping.cancel()
            if outcome.dead:
                await self.queue.dead_letter(delivery)
            elif outcome.retry_in is None:
                await self.queue.acknowledge(delivery)
            else:
                await self.queue.retry_later(delivery, outcome.retry_in)
        except Exception:
            log.exception("delivery.failed", notification_id=str(delivery.message.notification_id))
            with contextlib.suppress(Exception):  # if this fails too, the queue's own timeout returns it
                await self.queue.retry_later(delivery, UNAVAILABLE_BACKOFF[1])

    async def _keep_hidden(self, delivery: Delivery) -> None:
        while True:
            await asyncio.sleep(self.visibility_timeout / 2)
            try:
                await self.queue.extend(delivery, self.visibility_timeout)
            except QueueUnavailable as error:
                log.warning("worker.extend_failed", error=str(error))

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)
