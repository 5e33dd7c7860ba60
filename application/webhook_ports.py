"""The ports webhooks need: the log of notifications' outcomes, and a way to post a signed message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from uuid import UUID

from application.errors import ApplicationError

DELIVERED = "notification.delivered"
REFUSED = "notification.refused"
READ = "notification.read"


@dataclass(frozen=True)
class LoggedOutcome:
    """A notification's change a client may hear about (`kind`: one of the constants above), at its
    position in the global event log."""

    position: int
    notification_id: UUID
    kind: str


@dataclass(frozen=True)
class LoggedMessage:
    """A webhook message's `Scheduled` event and its position in the global event log."""

    position: int
    message_id: UUID


@dataclass(frozen=True)
class WebhookAnswer:
    """The receiver's HTTP status, and its `Retry-After` in seconds when it gave one."""

    status: int
    retry_after: float | None = None


@runtime_checkable
class OutcomeLog(Protocol):
    async def outcomes_after(self, position: int, limit: int) -> list[LoggedOutcome]:
        """Returns up to `limit` outcomes recorded after `position`, in log order (gaps allowed)."""

    async def scheduled_after(self, position: int, limit: int) -> list[LoggedMessage]:
        """Returns up to `limit` webhook messages scheduled after `position`, in log order."""

    async def position(self, reader: str) -> int:
        """Returns the position the reader last tracked, 0 if it never did."""

    async def track(self, reader: str, position: int) -> None:
        """Durably records the reader's position. A position lower than the tracked one is ignored."""


@runtime_checkable
class WebhookTransport(Protocol):
    async def post(self, url: str, secret: str, message_id: str, body: bytes) -> WebhookAnswer:
        """POSTs `body` (JSON) to `url`, signed with `secret` as Standard Webhooks says (headers
        `webhook-id`, `webhook-timestamp`, `webhook-signature`); returns the answer, whatever its
        status. Follows no redirect.

        Raises TargetForbidden when the URL's host resolves to an address it may not call (nothing
        is sent), TargetUnreachable when no answer came (DNS, connection, timeout). May be called
        again with the same message id.
        """

    async def close(self) -> None:
        """Releases its connections; a later post opens new ones."""


class TargetForbidden(ApplicationError):
    """The webhook's host resolves to a private, loopback, link-local or otherwise reserved address."""


class TargetUnreachable(ApplicationError):
    """The webhook's host could not be resolved or reached, or did not answer in time."""
