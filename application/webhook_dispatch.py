"""Telling clients' webhooks what became of their notifications, at least once, retried for days.

A follower of the event log turns each outcome (delivered, refused, read) of a notification whose
client has a webhook into a `WebhookMessage`, recorded in the store with every attempt to send it.
Two positions are tracked durably: how far outcomes were turned into messages, and a position below
the oldest message not yet finished. A restarted worker reads the messages scheduled after the
second (webhook messages only, never the whole log), then follows outcomes from the first.
Source: Standard Webhooks (github.com/standard-webhooks/standard-webhooks, spec/standard-webhooks.md,
"Delivery success and failure").
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from application.errors import Conflict, NotFound
from application.metrics import NO_METRICS, Metrics
from application.ports import Clock, EventStore
from application.webhook_messages import WebhookRetries, change_of, log_change, payload
from application.webhook_ports import (
    READ,
    LoggedOutcome,
    OutcomeLog,
    TargetForbidden,
    TargetUnreachable,
    WebhookAnswer,
    WebhookTransport,
)
from application.webhooks import WebhookRegister
from domain.notification import Notification
from domain.webhooks import AttemptNotDue, WebhookMessage, Webhooks

READER = "webhooks"  # the outcomes up to its position have their messages stored
RETRIES_READER = "webhook-retries"  # the messages of outcomes up to its position are all finished
RELOAD_AFTER = timedelta(seconds=1)
Describe = Callable[[Notification], dict[str, Any]]


class WebhookDispatcher:
    def __init__(
        self,
        log: OutcomeLog,
        store: EventStore,
        register: WebhookRegister,
        transport: WebhookTransport,
        describe: Describe,
        clock: Clock,
        retries: WebhookRetries,
        worker: str,
        batch_size: int = 100,
        spread: Callable[[], float] = random.random,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.log, self.store, self.register, self.transport = log, store, register, transport
        self.describe, self.clock, self.retries, self.worker = describe, clock, retries, worker
        self.batch_size = batch_size
        self.spread = spread
        self.metrics = metrics
        self._followed: int | None = None
        self._retries_tracked = 0
        self._positions: dict[UUID, int] = {}  # unfinished messages and where their outcome is in the log
        self._due: dict[UUID, datetime] = {}  # those not being attempted now, and when they are due

    async def follow_once(self) -> int:
        """Schedules the messages for the outcomes recorded since the last call; returns how many
        outcomes it read."""
        if self._followed is None:
            await self._resume()
        assert self._followed is not None
        outcomes = await self.log.outcomes_after(self._followed, self.batch_size)
        if outcomes:
            register = await self.register.register()
            if register.endpoints:  # else no client has a webhook: nothing to read
                await asyncio.gather(*(self._message_for(outcome, register) for outcome in outcomes))
            self._followed = outcomes[-1].position
            await self.log.track(READER, self._followed)  # their messages are stored
        safe = min(self._positions.values(), default=self._followed + 1) - 1
        if safe > self._retries_tracked:
            await self.log.track(RETRIES_READER, safe)
            self._retries_tracked = safe
        return len(outcomes)

    async def _resume(self) -> None:
        """Finds the messages left unfinished (before a restart, or by another worker) among those
        scheduled after the retries' tracked position: it reads webhook messages, not notifications."""
        followed = await self.log.position(READER)
        position = self._retries_tracked = await self.log.position(RETRIES_READER)
        while scheduled := await self.log.scheduled_after(position, self.batch_size):
            for message in await asyncio.gather(*(self.store.get(s.message_id) for s in scheduled)):
                self._schedule(message)
            position = scheduled[-1].position
        self._followed = followed

    def take_due(self, limit: int) -> list[UUID]:
        """Up to `limit` messages due now, oldest due first; each is handed out once, until
        `attempt` (or `retry_soon`) schedules it again."""
        now = self.clock.now()
        due = sorted((at, i) for i, at in self._due.items() if at <= now)[:limit]
        for _, message_id in due:
            del self._due[message_id]
        return [message_id for _, message_id in due]

    def next_due(self) -> datetime | None:
        return min(self._due.values(), default=None)

    def retry_soon(self, message_id: UUID) -> None:
        """Looks at the message again shortly (after an unexpected error)."""
        if message_id in self._positions:
            self._due[message_id] = self.clock.now() + RELOAD_AFTER

    async def attempt(self, message_id: UUID) -> None:
        """Sends the message once if it is due and no other worker is sending it; records the outcome.

        2xx: accepted. 410 Gone, a forbidden target, or the client's webhook removed: abandoned.
        Any other answer, or none: failed, and retried later, until `give_up_after`.
        """
        message: WebhookMessage = await self.store.get(message_id)
        if message.finished:
            return self._schedule(message)
        endpoint = (await self.register.register()).endpoint(message.client)
        if endpoint is None:
            message.abandon("the client's webhook was removed")
            return await self._record(message)
        try:
            message.begin_attempt(self.worker, self.clock.now(), timedelta(seconds=self.retries.timeout + 5))
            await self.store.save(message)
        except (AttemptNotDue, Conflict):  # finished, not due, or another worker's attempt
            return await self._reload(message_id)
        body = await self._body(message)
        try:
            answer = await self.transport.post(endpoint.url, endpoint.secret, str(message.id), body)
        except TargetForbidden as error:
            message.abandon(str(error))
        except TargetUnreachable as error:
            self._failed(message, str(error), None)
        else:
            self._answered(message, answer)
        await self._record(message)

    async def _message_for(self, outcome: LoggedOutcome, register: Webhooks) -> None:
        try:
            notification: Notification = await self.store.get(outcome.notification_id)
        except NotFound:
            return
        endpoint = register.endpoint(notification.client)
        if endpoint is None or endpoint.set_at > notification.modified_on:
            return  # no webhook, or one set after this happened
        if outcome.kind == READ and notification.read_at is None:
            return  # a disposition other than `displayed` (RFC 8098 §3.2.6.2): not a read
        message = WebhookMessage.schedule(
            notification.client, notification.id, outcome.kind, notification.modified_on, outcome.position
        )
        try:
            await self.store.save(message)
        except Conflict:  # made before a restart, or by another worker
            message = await self.store.get(message.id)
        self._schedule(message)

    def _answered(self, message: WebhookMessage, answer: WebhookAnswer) -> None:
        if 200 <= answer.status < 300:
            message.accept(answer.status)
        elif answer.status == 410:  # Standard Webhooks: the receiver wants no more messages
            message.abandon("the receiver answered 410 Gone")
        else:
            self._failed(message, f"the receiver answered {answer.status}", answer.retry_after)

    def _failed(self, message: WebhookMessage, reason: str, retry_after: float | None) -> None:
        now = self.clock.now()
        if (now - message.created_on).total_seconds() >= self.retries.give_up_after:
            message.abandon(f"gave up after {message.attempts} attempts: {reason}")
        else:
            message.fail(reason, now + self.retries.delay(message.attempts, retry_after, self.spread()))

    async def _body(self, message: WebhookMessage) -> bytes:
        notification: Notification = await self.store.get(message.notification_id)
        return payload(message, self.describe(notification))

    async def _record(self, message: WebhookMessage) -> None:
        try:
            await self.store.save(message)
        except Conflict:  # another worker recorded something first: look again
            return await self._reload(message.id)
        log_change(message)
        self.metrics.webhook_changed(change_of(message))
        self._schedule(message)

    async def _reload(self, message_id: UUID) -> None:
        self._schedule(await self.store.get(message_id))

    def _schedule(self, message: WebhookMessage) -> None:
        due = message.due_at(self.clock.now())
        if due is None:
            self._positions.pop(message.id, None)
            self._due.pop(message.id, None)
        else:
            self._positions[message.id] = message.position
            self._due[message.id] = due
