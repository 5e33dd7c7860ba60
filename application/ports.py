"""The ports: what the use cases need from the world, each with the contract an adapter keeps."""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from domain.access import AccessTokens, Scope
from domain.fineract import FineractTenants
from domain.notification import Notification, Receipt
from domain.webhooks import WebhookMessage, Webhooks


@dataclass(frozen=True)
class RecordedEvent:
    type: str
    version: int
    timestamp: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class LoggedRequest:
    """A requested notification and its position in the global event log, with the W3C
    `traceparent` of the request that asked for it when the log was read for traces."""

    position: int
    notification_id: UUID
    traceparent: str | None = None


@dataclass(frozen=True)
class QueueMessage:
    """What travels through the queue: a reference to a notification, never its contents; and the
    W3C trace context (`traceparent`, Trace Context section 3.2) of the work that sent it, if traced."""

    notification_id: UUID
    position: int
    traceparent: str | None = None

    def encode(self) -> str:
        """The JSON body; `traceparent` only when there is one (a reader that predates it ignores it)."""
        body: dict[str, Any] = {
            "v": 1,
            "notification_id": str(self.notification_id),
            "position": self.position,
        }
        if self.traceparent:
            body["traceparent"] = self.traceparent
        return json.dumps(body)

    @classmethod
    def decode(cls, text: str, traceparent: str | None = None) -> QueueMessage:
        """Reads a message body; `traceparent` is one carried beside it (a message attribute), used
        when the body has none. Raises ValueError for a body no version of the service wrote."""
        try:
            body = json.loads(text)
            if body.get("v") != 1:
                raise ValueError(f"unknown message version {body.get('v')!r}")
            carried = body.get("traceparent", traceparent)
            carried = carried if isinstance(carried, str) else None
            return cls(UUID(body["notification_id"]), int(body["position"]), carried)
        except (TypeError, KeyError, AttributeError, json.JSONDecodeError) as error:
            raise ValueError(f"not a notification message: {error}") from None


@dataclass(frozen=True)
class Delivery:
    """A message taken from the queue, with what the queue needs to acknowledge it."""

    message: QueueMessage
    receive_count: int = 1
    handle: Any = field(default=None, compare=False)


class Progress(enum.Enum):
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class StatusUpdate:
    """What a provider reports about a message it took: delivered, failed (with its code), or neither yet."""

    notification_id: UUID
    provider: str
    provider_message_id: str | None
    progress: Progress
    code: str = ""
    description: str = ""


@dataclass(frozen=True)
class TokenClaims:
    """What a verified bearer token says: `token_id` is the register's id of a token this service
    issued, None for one from the identity provider (which keeps no register here)."""

    token_id: UUID | None
    client: str
    scopes: tuple[Scope, ...]
    issued_at: datetime
    expires_at: datetime


@runtime_checkable
class EventStore(Protocol):
    async def save(
        self, *aggregates: Notification | AccessTokens | FineractTenants | Webhooks | WebhookMessage
    ) -> None:
        """Records the aggregates' new events in one transaction.

        Raises Conflict if another writer recorded an event at the same version first (this is
        also how a create with an existing id fails), StoreUnavailable if the store cannot be used.
        """

    async def get(self, aggregate_id: UUID) -> Any:
        """Returns the aggregate rebuilt from its events. Raises NotFound."""

    async def get_many(self, aggregate_ids: list[UUID]) -> list[Any]:
        """Returns the aggregates in the order asked, None for an unknown id, read in one query.

        An id asked for twice gets two objects. Raises StoreUnavailable.
        """

    async def history(self, aggregate_id: UUID) -> list[RecordedEvent]:
        """Returns the aggregate's events, oldest first (empty if there are none)."""

    async def ping(self) -> None:
        """Returns if the store answers reads and would take a write now (readiness).

        Raises StoreUnavailable naming what fails, without writing any event.
        """


@runtime_checkable
class RequestLog(Protocol):
    """The global order in which notifications were requested, and readers' durable positions in it."""

    async def requested_after(self, position: int, limit: int) -> list[LoggedRequest]:
        """Returns up to `limit` requests recorded after `position`, in log order."""

    async def position(self, reader: str) -> int:
        """Returns the position the reader last tracked, 0 if it never did."""

    async def track(self, reader: str, position: int) -> None:
        """Durably records the reader's position. A position lower than the tracked one is ignored."""


@runtime_checkable
class Leadership(Protocol):
    """One relay leads at a time among the processes that share an event store."""

    async def lead(self) -> bool:
        """Whether this process leads now: takes the lead if nobody holds it, keeps it while it
        holds it, and says False once it lost it (its holder's connection dropped). Never waits."""

    async def release(self) -> None:
        """Gives the lead up, for another process to take. May be called when not leading."""


@runtime_checkable
class NotificationQueue(Protocol):
    async def send(self, messages: Sequence[QueueMessage]) -> None:
        """Puts the messages on the queue. Raises QueueUnavailable; may be called twice for one."""

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        """Waits up to `wait_seconds` for messages; a message not acknowledged comes back later."""

    async def acknowledge(self, delivery: Delivery) -> None:
        """Removes a handled message from the queue for good."""

    async def retry_later(self, delivery: Delivery, delay_seconds: float) -> None:
        """Hands the message back to the queue, to be received again after the delay."""

    async def extend(self, delivery: Delivery, seconds: float) -> None:
        """Keeps the message from other receivers for `seconds` more, while its delivery runs."""

    async def dead_letter(self, delivery: Delivery) -> None:
        """Moves the message to the dead-letter queue, for an operator to look at."""

    def safe_position(self, sent_up_to: int) -> int:
        """Returns the log position up to which no sent message can be lost any more.

        A queue that stores what it is sent returns `sent_up_to`; a queue held in memory returns
        the position just below its oldest message not yet acknowledged.
        """

    async def ping(self) -> None:
        """Returns if the queue answers. Raises QueueUnavailable."""

    async def close(self) -> None:
        """Releases the queue's connections; nothing is called after."""


@runtime_checkable
class ClientBuckets(Protocol):
    """Each client's token bucket of requests (domain/limits.py), shared by every process on the store."""

    async def take(self, client: str, now: float) -> float:
        """Takes a token from the client's bucket at `now` (seconds since the epoch): returns 0.0 if
        taken, else the seconds until a token is there (none taken). Raises StoreUnavailable."""


@runtime_checkable
class RecipientCounts(Protocol):
    """The messages counted to each phone number in the last hour, shared by every process on the store."""

    async def admit(self, numbers: Sequence[str], now: float) -> list[bool]:
        """For each number in order (E.164, one may repeat): True, and the message counted at `now`,
        if fewer than the limit were counted in the hour before; else False, nothing counted.
        Raises StoreUnavailable."""

    async def release(self, numbers: Sequence[str], at: float) -> None:
        """Forgets a message counted for each number at `at`, which was not stored after all."""


@runtime_checkable
class NotificationProvider(Protocol):
    async def deliver(self, notification: Notification) -> Receipt:
        """Hands the notification's message to the provider and returns its receipt.

        Raises TransientDeliveryError when trying again later may work, PermanentDeliveryError
        when it never will. May be called again for a notification after a crash.
        """


@runtime_checkable
class Paced(Protocol):
    """A provider that takes only so many messages a second (its rate limit), and backs off after a
    `Throttled` answer; asked before an attempt is claimed, so a wait never counts against it."""

    async def turn(self, notification: Notification) -> float:
        """Waits for the notification's turn when it is near (about a second at most) and returns 0:
        hand it over now. Otherwise returns the seconds after which to ask again (the provider backs
        off, or the turn is further off; the notification keeps it). Never raises."""


@runtime_checkable
class Closeable(Protocol):
    """A provider that holds connections between deliveries."""

    async def close(self) -> None:
        """Releases the connections. May be called twice; a later delivery opens new ones."""


@runtime_checkable
class StatusCallbacks(Protocol):
    """A provider's status callbacks: requests the provider makes to report on a message it took."""

    def read(self, query: str, form: bytes, signature: str) -> StatusUpdate:
        """Returns the update a callback carries (its query string, its body as sent, and its
        signature header).

        Checks the signature before reading anything else. Raises ForgedCallback unless the provider
        signed exactly this request, InvalidCallback for a signed request it cannot read.
        """


@runtime_checkable
class TokenAuthority(Protocol):
    def sign(self, claims: TokenClaims) -> str:
        """Returns a signed bearer token carrying the claims."""

    def verify(self, token: str) -> TokenClaims:
        """Returns the claims of a well-signed, current token. Raises InvalidToken."""


@runtime_checkable
class IdentityProviderTokens(Protocol):
    """Access tokens issued by an OpenID provider (the bank's), next to the tokens we issue."""

    def issued(self, token: str) -> bool:
        """Whether the token names this provider as its issuer (`iss`). Read without checking the
        signature, only to choose who verifies the token; never a reason to accept it."""

    async def verify(self, token: str) -> TokenClaims:
        """Returns the claims of a current token signed with one of the provider's published keys
        for this service's audience. Raises InvalidToken. May wait for one fetch of the provider's
        keys (an unknown key id); never for more."""


@runtime_checkable
class TraceContext(Protocol):
    """The trace the current work belongs to (OpenTelemetry), to be recorded with what it asks for."""

    def current(self) -> str | None:
        """Returns the W3C `traceparent` (Trace Context, section 3.2) of the span under way, or None
        when nothing is traced."""


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """Returns the current time, timezone-aware, in UTC."""


@dataclass(frozen=True)
class DeadLetter:
    """A message in the dead-letter queue. `message` is None for a body no version of the service
    wrote (kept as `body`); `dead_lettered_at` is when it entered that queue (UTC, None if the queue
    does not say); `receive_count` how often the queue handed it out before it was dead-lettered,
    None where the queue does not keep it. `handle` is the adapter's, from `take` only."""

    message: QueueMessage | None
    body: str
    dead_lettered_at: datetime | None = None
    receive_count: int | None = None
    handle: Any = field(default=None, compare=False)


@runtime_checkable
class DeadLetterQueue(Protocol):
    """The dead-letter queue of a cloud queue, for operators (`notifications dlq`)."""

    name: str  # the dead-letter queue's name, as recorded in `DeadLetterReplayed`

    async def peek(self) -> tuple[list[DeadLetter], int]:
        """Returns the messages without taking them, and how many the queue holds in all
        (approximate: more than those returned where the queue shows only the first ones).
        Raises QueueUnavailable, or NoDeadLetterQueue when none is configured."""

    async def take(self) -> list[DeadLetter]:
        """Receives every message, hidden from other receivers until each is replayed or released
        (or, if this process dies, for a minute). Raises QueueUnavailable or NoDeadLetterQueue."""

    async def replay(self, letter: DeadLetter) -> None:
        """Sends a taken message to the main queue, then deletes it from the dead-letter queue: a
        failure between the two leaves it in both, never in neither. Raises QueueUnavailable."""

    async def remove(self, letter: DeadLetter) -> None:
        """Deletes a taken message from the dead-letter queue. Raises QueueUnavailable."""

    async def release(self, letter: DeadLetter) -> None:
        """Makes a taken message visible again at once, left where it is. Raises QueueUnavailable."""
