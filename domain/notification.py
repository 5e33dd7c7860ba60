"""The Notification aggregate: requested once, then delivered or refused, never changed after."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.messages import Channel, Message, check_reference, message_from_dict


class Status(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    REFUSED = "refused"


@dataclass(frozen=True)
class Receipt:
    """What a provider answers when it has taken a message."""

    provider: str
    message_id: str | None = None


class Notification(Aggregate):
    @event("Requested")
    def __init__(
        self,
        id: UUID,
        client: str,
        channel: str,
        message: dict[str, Any],
        reference: str | None,
        request_digest: str | None,
    ) -> None:
        self.client = client
        self.channel = Channel(channel)
        self.message_data = message
        self.reference = reference
        self.request_digest = request_digest
        self.status = Status.PENDING
        self.attempts = 0
        self.reason: str | None = None
        self.claimed_until: datetime | None = None

    @classmethod
    def request(
        cls,
        id: UUID,
        client: str,
        message: Message,
        reference: str | None = None,
        request_digest: str | None = None,
    ) -> Notification:
        check_reference(reference)
        return cls(
            id=id,
            client=client,
            channel=message.channel.value,
            message=message.as_dict(),
            reference=reference,
            request_digest=request_digest,
        )

    @property
    def message(self) -> Message:
        return message_from_dict(self.channel, self.message_data)

    @property
    def is_terminal(self) -> bool:
        return self.status is not Status.PENDING

    def is_claimed(self, now: datetime) -> bool:
        """Whether a worker's attempt is under way, so that no other worker may start one."""
        return self.claimed_until is not None and now < self.claimed_until

    def begin_attempt(self, worker: str, now: datetime, lease: timedelta) -> None:
        """Claims the next delivery attempt for the worker until `now + lease`.

        Recorded before the provider is called: of two workers holding the same notification,
        only the one whose claim is stored first calls the provider.
        """
        if self.is_terminal or self.is_claimed(now):
            raise AttemptNotAllowed(self.id)
        self._delivery_started(worker=worker, claimed_until=now + lease)

    def deliver(self, receipt: Receipt) -> None:
        if not self.is_terminal:
            self._delivered(provider=receipt.provider, provider_message_id=receipt.message_id)

    def record_failed_attempt(self, reason: str, max_attempts: int) -> None:
        """Records a failure that may pass; the last allowed failure refuses the notification."""
        if self.is_terminal:
            return
        self._delivery_attempt_failed(reason=reason)
        if self.attempts >= max_attempts:
            self.give_up(reason)

    def give_up(self, last_error: str) -> None:
        """Refuses the notification because its delivery attempts are exhausted."""
        self.refuse(f"delivery attempts exhausted ({self.attempts}): {last_error}")

    def refuse(self, reason: str) -> None:
        if not self.is_terminal:
            self._refused(reason=reason)

    @event("DeliveryStarted")
    def _delivery_started(self, worker: str, claimed_until: datetime) -> None:
        self.attempts += 1
        self.claimed_until = claimed_until

    @event("Delivered")
    def _delivered(self, provider: str, provider_message_id: str | None) -> None:
        self.status = Status.DELIVERED
        self.claimed_until = None

    @event("DeliveryAttemptFailed")
    def _delivery_attempt_failed(self, reason: str) -> None:
        self.claimed_until = None

    @event("Refused")
    def _refused(self, reason: str) -> None:
        self.status = Status.REFUSED
        self.reason = reason
        self.claimed_until = None


class AttemptNotAllowed(Exception):
    """The notification is finished, or another worker's attempt is under way."""
