"""The auditor's use cases: export the event log, replay it, and verify its hash chains."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import timedelta
from uuid import UUID

from application.audit import EventLog, LoggedEvent, walk
from application.chain_check import ChainCheck
from application.errors import NotFound, StoreUnavailable
from application.ports import Clock, EventStore
from application.replay import Replay, Replayer
from domain.access import REGISTER_ID, AccessTokens
from domain.fineract import FineractTenants
from domain.notification import Notification
from domain.webhooks import WebhookMessage, Webhooks

REMEMBERED_CLIENTS = 10_000


@dataclass(frozen=True)
class AuditRecord:
    """A logged event and the client it concerns (None for an event that concerns no client)."""

    event: LoggedEvent
    client: str | None


class AuditTrail:
    def __init__(self, log: EventLog, store: EventStore, clock: Clock) -> None:
        self.log = log
        self.store = store
        self.clock = clock

    async def export(
        self, after: int = 0, until: int | None = None, client: str | None = None
    ) -> AsyncIterator[AuditRecord]:
        """Yields the events after position `after` (up to `until`), of one client if given."""
        clients = Clients(self.store)
        async for event in walk(self.log, after, until):
            owner = await clients.of(event)
            if client is None or owner == client:
                yield AuditRecord(without_secrets(event), owner)

    async def last_position(self) -> int:
        return await self.log.last_position()

    async def replay(self, pending_older_than: timedelta) -> Replay:
        """Rebuilds every notification from its events; reports counts, stale ones and inconsistencies."""
        return await Replayer(self.log).run(self.clock.now() - pending_older_than)

    def verify(self) -> ChainCheck:
        """A check of every aggregate's hash chain, to iterate over for its findings."""
        return ChainCheck(self.log)


def without_secrets(event: LoggedEvent) -> LoggedEvent:
    """The event as exported: a webhook's signing secret is for signing, not for reading."""
    if event.aggregate == Webhooks.__name__ and "secret" in event.data:
        return replace(event, data=event.data | {"secret": "[not exported]"})
    return event


class Clients:
    """Who each event concerns: the client of its notification, token, webhook or webhook message.

    Remembers the clients of the latest notifications only, so that memory stays bounded; an
    older one is read again from the notification's first event.
    """

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._notifications: OrderedDict[UUID, str | None] = OrderedDict()
        self._tokens: dict[UUID, str] | None = None

    async def of(self, event: LoggedEvent) -> str | None:
        if event.aggregate in (Notification.__name__, WebhookMessage.__name__):
            return await self._of_notification(event)  # each names its client in its first event
        if event.aggregate == Webhooks.__name__:
            return event.data.get("client")
        if event.aggregate == AccessTokens.__name__ and "token_id" in event.data:
            tokens = await self._token_clients()
            if "client" in event.data:
                tokens[event.data["token_id"]] = event.data["client"]
            return tokens.get(event.data["token_id"])
        if event.aggregate == FineractTenants.__name__:  # a Fineract tenant is a client
            return event.data.get("tenant_id")
        return None

    async def _of_notification(self, event: LoggedEvent) -> str | None:
        notification_id = event.aggregate_id
        if notification_id not in self._notifications:
            client = event.data.get("client") if event.version == 1 else await self._first_client(event)
            self._notifications[notification_id] = client
            if len(self._notifications) > REMEMBERED_CLIENTS:
                self._notifications.popitem(last=False)
        self._notifications.move_to_end(notification_id)
        return self._notifications[notification_id]

    async def _first_client(self, event: LoggedEvent) -> str | None:
        try:
            history = await self.store.history(event.aggregate_id)
        except StoreUnavailable:  # an unreadable first event; a store that is down fails the next page
            return None
        return history[0].data.get("client") if history else None

    async def _token_clients(self) -> dict[UUID, str]:
        if self._tokens is None:
            try:
                register: AccessTokens = await self.store.get(REGISTER_ID)
                self._tokens = {token.id: token.client for token in register.tokens.values()}
            except NotFound:
                self._tokens = {}
        return self._tokens
