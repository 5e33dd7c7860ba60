"""Webhooks: where each client wants to hear about its notifications, and each message sent there.

The register (`Webhooks`) holds each client's URL and signing secret; a `WebhookMessage` is one
event told to one client (a notification delivered, refused or read) and every attempt to tell it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

NAMESPACE = UUID("2f4b8c1e-7d0a-4f6e-9b3c-5a1d2e8f9c07")
REGISTER_ID = uuid5(NAMESPACE, "webhooks")
MAX_URL_LENGTH = 2048


@dataclass(frozen=True)
class Endpoint:
    url: str
    secret: str
    set_at: datetime


class Webhooks(Aggregate):
    """Every client's webhook: set (again, with a new secret) or removed."""

    @staticmethod
    def create_id() -> UUID:
        return REGISTER_ID

    @event("Opened")
    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}

    def endpoint(self, client: str) -> Endpoint | None:
        return self.endpoints.get(client)

    def set(self, client: str, url: str, secret: str, now: datetime) -> None:
        """Sets the client's webhook. Raises InvalidWebhook for a bad client name or URL: an
        absolute http or https URL with a host, no user or password, no fragment."""
        check_client(client)
        check_url(url)
        self._webhook_set(client=client, url=url, secret=secret, set_at=now)

    def remove(self, client: str, now: datetime) -> None:
        """Removes the client's webhook. Raises NoWebhook if it has none."""
        if client not in self.endpoints:
            raise NoWebhook(client)
        self._webhook_removed(client=client, removed_at=now)

    @event("WebhookSet")
    def _webhook_set(self, client: str, url: str, secret: str, set_at: datetime) -> None:
        self.endpoints[client] = Endpoint(url, secret, set_at)

    @event("WebhookRemoved")
    def _webhook_removed(self, client: str, removed_at: datetime) -> None:
        del self.endpoints[client]


def check_client(client: str) -> None:
    if not client.strip() or len(client) > 128 or any(c.isspace() for c in client):
        raise InvalidWebhook("a client name is 1 to 128 characters without spaces")


def check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port out of range
    except ValueError as error:
        raise InvalidWebhook(f"not a URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhook("a webhook URL is an absolute http:// or https:// URL with a host")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise InvalidWebhook("a webhook URL has no user, password or #fragment")
    if len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidWebhook(f"a webhook URL is at most {MAX_URL_LENGTH} characters, without spaces")


def message_id(notification_id: UUID, kind: str) -> UUID:
    """The id of the message telling `kind` (notification.delivered, ...) of one notification:
    the same whoever makes it, so it is made once, and it is the `webhook-id` of every attempt."""
    return uuid5(NAMESPACE, f"{notification_id}/{kind}")


class WebhookMessage(Aggregate):
    """One event told to a client's webhook, and each attempt to tell it, until it is accepted
    (a 2xx answer) or abandoned."""

    @event("Scheduled")
    def __init__(
        self, id: UUID, client: str, notification_id: UUID, kind: str, occurred_at: datetime, position: int
    ) -> None:
        self.client = client
        self.notification_id = notification_id
        self.kind = kind
        self.occurred_at = occurred_at
        self.position = position
        self.attempts = 0
        self.claimed_until: datetime | None = None
        self.retry_at: datetime | None = None
        self.finished = False
        self.outcome: str | None = None

    @classmethod
    def schedule(
        cls, client: str, notification_id: UUID, kind: str, occurred_at: datetime, position: int
    ) -> WebhookMessage:
        return cls(
            id=message_id(notification_id, kind),
            client=client,
            notification_id=notification_id,
            kind=kind,
            occurred_at=occurred_at,
            position=position,
        )

    def due_at(self, now: datetime) -> datetime | None:
        """When the next attempt may begin (None once finished)."""
        if self.finished:
            return None
        later = [t for t in (self.claimed_until, self.retry_at) if t is not None and t > now]
        return max(later, default=now)

    def begin_attempt(self, worker: str, now: datetime, lease: timedelta) -> None:
        """Claims the next attempt until `now + lease`; of two workers, the one whose claim is
        stored first sends. Raises AttemptNotDue if finished, claimed or not due yet."""
        if self.due_at(now) != now:
            raise AttemptNotDue(self.id)
        self._attempt_started(worker=worker, claimed_until=now + lease)

    def accept(self, status: int) -> None:
        if not self.finished:
            self._accepted(status=status)

    def fail(self, reason: str, retry_at: datetime) -> None:
        if not self.finished:
            self._attempt_failed(reason=reason, retry_at=retry_at)

    def abandon(self, reason: str) -> None:
        if not self.finished:
            self._abandoned(reason=reason)

    @event("AttemptStarted")
    def _attempt_started(self, worker: str, claimed_until: datetime) -> None:
        self.attempts += 1
        self.claimed_until = claimed_until

    @event("Accepted")
    def _accepted(self, status: int) -> None:
        self.finished, self.outcome, self.claimed_until = True, f"accepted ({status})", None

    @event("AttemptFailed")
    def _attempt_failed(self, reason: str, retry_at: datetime) -> None:
        self.claimed_until, self.retry_at = None, retry_at

    @event("Abandoned")
    def _abandoned(self, reason: str) -> None:
        self.finished, self.outcome, self.claimed_until = True, f"abandoned: {reason}", None


class InvalidWebhook(ValueError):
    pass


class NoWebhook(LookupError):
    pass


class AttemptNotDue(Exception):
    """The message is finished, another worker's attempt is under way, or its retry is not due."""
