"""What the webhook tests share: a scripted transport that records, and a small world to run in."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from adapters.event_store import EventSourcedStore
from application.webhook_dispatch import WebhookDispatcher
from application.webhook_messages import WebhookRetries
from application.webhook_ports import WebhookAnswer
from application.webhooks import WebhookRegister
from domain.messages import Channel, message_from_dict
from domain.notification import Notification, Receipt
from tests.fakes import FixedClock

URL = "https://bank.example/hooks/notifications"


@dataclass
class ScriptedTransport:
    """Answers each post with the next of `answers` (an answer, or an error to raise), then 200;
    records what it was asked. While `gate` is set, a post waits for it to clear."""

    answers: list[WebhookAnswer | Exception] = field(default_factory=list)
    posted: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    gate: asyncio.Event | None = None
    called: asyncio.Event = field(default_factory=asyncio.Event)

    async def post(self, url: str, secret: str, message_id: str, body: bytes) -> WebhookAnswer:
        self.posted.append((url, secret, message_id, json.loads(body)))
        self.called.set()
        if self.gate is not None:
            await self.gate.wait()
        answer = self.answers.pop(0) if self.answers else WebhookAnswer(200)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def close(self) -> None:
        pass


@dataclass
class World:
    store: EventSourcedStore
    clock: FixedClock
    register: WebhookRegister
    transport: ScriptedTransport

    def dispatcher(self, worker: str = "w1", log: Any = None) -> WebhookDispatcher:
        return WebhookDispatcher(
            log or self.store,
            self.store,
            self.register,
            self.transport,
            lambda n: {"id": str(n.id), "status": n.status.value},
            self.clock,
            WebhookRetries(),
            worker,
            spread=lambda: 0.0,  # no jitter: the waits are exact
        )

    async def notification(self, client: str = "bank", refused: bool = False) -> Notification:
        message = message_from_dict(Channel.SMS, {"to": "+15551234567", "body": "Your code is 1234"})
        notification = Notification.request(uuid4(), client, message)
        notification.refuse("no such number") if refused else notification.deliver(Receipt("outbox"))
        await self.store.save(notification)
        return notification

    def later(self, seconds: float) -> None:
        self.clock.current += timedelta(seconds=seconds)


def world_on(store: EventSourcedStore) -> World:
    clock = FixedClock()
    return World(store, clock, WebhookRegister(store, clock), ScriptedTransport())


async def run_due(dispatcher: WebhookDispatcher) -> list[UUID]:
    due = dispatcher.take_due(100)
    for message in due:
        await dispatcher.attempt(message)
    return due
