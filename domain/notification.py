"""The Notification aggregate: requested once, maybe sent, then delivered or refused, never changed after."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.addresses import EmailAddress, distinct, masked
from domain.messages import Channel, Email, Message, check_reference, message_from_dict
from domain.reports import DISPLAYED, RecipientStatus, ours


class Status(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    REFUSED = "refused"


@dataclass(frozen=True)
class Receipt:
    """What a provider answers when it has taken a message.

    `awaiting_confirmation` says that the provider will report later whether the message arrived;
    `confirm_by`, that no report by then counts as delivered (a bounce window: no news is good news).
    """

    provider: str
    message_id: str | None = None
    awaiting_confirmation: bool = False
    confirm_by: datetime | None = None


class Notification(Aggregate):
    class Requested(Aggregate.Created):
        """The notification was asked for. Version 2 added `traceparent`: the W3C trace context
        (Trace Context, section 3.2) of the request that asked, None when it was not traced."""

        class_version = 2
        client: str
        channel: str
        message: dict[str, Any]
        reference: str | None
        request_digest: str | None
        traceparent: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["traceparent"] = None

        def mutate(self, aggregate: Any) -> Any:
            """What the library's `mutate` does for a created event, without its search of the
            event's fields for `__init__`'s arguments: `request` took 17 us that way, 10 us this way."""
            notification = Notification.__new__(Notification)
            notification.__base_init__(self.originator_id, self.originator_version, self.timestamp)
            notification.__init__(  # type: ignore[misc]  # as the library does
                self.originator_id,
                self.client,
                self.channel,
                self.message,
                self.reference,
                self.request_digest,
                self.traceparent,
            )
            return notification

    @event(Requested)
    def __init__(
        self,
        id: UUID,
        client: str,
        channel: str,
        message: dict[str, Any],
        reference: str | None,
        request_digest: str | None,
        traceparent: str | None = None,
    ) -> None:
        self.client = client
        self.channel = Channel(channel)
        self.message_data = message
        self.reference = reference
        self.request_digest = request_digest
        self.traceparent = traceparent
        self.status = Status.PENDING
        self.attempts = 0
        self.reason: str | None = None
        self.claimed_until: datetime | None = None
        self.awaiting_confirmation = False
        self.provider_message_id: str | None = None
        self.sent_by: str | None = None
        self.confirm_by: datetime | None = None
        self.reports: set[str] = set()
        self.recipient_statuses: dict[str, RecipientStatus] = {}
        self.read_at: datetime | None = None

    @classmethod
    def request(
        cls,
        id: UUID,
        client: str,
        message: Message,
        reference: str | None = None,
        request_digest: str | None = None,
        traceparent: str | None = None,
    ) -> Notification:
        check_reference(reference)
        return cls._create(
            cls.Requested,
            id=id,
            client=client,
            channel=message.channel.value,
            message=message.as_dict(),
            reference=reference,
            request_digest=request_digest,
            traceparent=traceparent,
        )

    @property
    def message(self) -> Message:
        return message_from_dict(self.channel, self.message_data, checked=False)

    @property
    def is_terminal(self) -> bool:
        return self.status is not Status.PENDING

    @property
    def read_receipt_requested(self) -> bool:
        return bool(self.message_data.get("read_receipt"))

    def is_claimed(self, now: datetime) -> bool:
        """Whether a worker's attempt is under way, so that no other worker may start one."""
        return self.claimed_until is not None and now < self.claimed_until

    def begin_attempt(self, worker: str, now: datetime, lease: timedelta) -> None:
        """Claims the next delivery attempt for the worker until `now + lease`.

        Recorded before the provider is called: of two workers holding the same notification,
        only the one whose claim is stored first calls the provider.
        """
        if self.is_terminal or self.awaiting_confirmation or self.is_claimed(now):
            raise AttemptNotAllowed(self.id)
        self._delivery_started(worker=worker, claimed_until=now + lease)

    def record_receipt(self, receipt: Receipt) -> None:
        """Records what the provider answered: delivered, or sent when it will confirm later."""
        if receipt.awaiting_confirmation:
            self.mark_sent(receipt)
        else:
            self.deliver(receipt)

    def deliver(self, receipt: Receipt) -> None:
        if not self.is_terminal:
            self._delivered(provider=receipt.provider, provider_message_id=receipt.message_id)

    def mark_sent(self, receipt: Receipt) -> None:
        """Records that the provider took the message and will report whether it arrived."""
        if not self.is_terminal and not self.awaiting_confirmation:
            self._sent(
                provider=receipt.provider,
                provider_message_id=receipt.message_id,
                confirm_by=receipt.confirm_by,
            )

    def confirm_delivery(self, provider: str, provider_message_id: str | None) -> None:
        """Records the provider's report that the message arrived; a late or repeated one changes nothing."""
        self.deliver(Receipt(provider, provider_message_id))

    def report_failure(self, code: str, message: str) -> None:
        """Records the provider's report that the message could not be delivered."""
        self.refuse(f"{message} (error {code})" if code else message)

    def record_failed_attempt(self, reason: str, max_attempts: int) -> None:
        """Records a failure that may pass; the last allowed failure refuses the notification."""
        if self.is_terminal or self.awaiting_confirmation:
            return
        self._delivery_attempt_failed(reason=reason)
        if self.attempts >= max_attempts:
            self.give_up(reason)

    def record_throttled(self, reason: str, retry_after: float | None) -> None:
        """Records the provider's "too many" answer: the claim ends and the attempt does not count
        towards the limit, for the provider took nothing (it is tried again after `retry_after` s)."""
        if not self.is_terminal and not self.awaiting_confirmation:
            self._delivery_throttled(reason=reason, retry_after=retry_after)

    def give_up(self, last_error: str) -> None:
        """Refuses the notification because its delivery attempts are exhausted."""
        self.refuse(f"delivery attempts exhausted ({self.attempts}): {last_error}")

    def refuse(self, reason: str) -> None:
        if not self.is_terminal:
            self._refused(reason=reason)

    @property
    def bounced(self) -> list[EmailAddress]:
        """The recipients a delivery status notification said failed, in the message's order."""
        failed = {r for r, status in self.recipient_statuses.items() if status.action == "failed"}
        return [address for address in self._email_recipients() if address.ascii.lower() in failed]

    @property
    def reportable(self) -> bool:
        """An email handed to a mail server (`Sent`, or delivered when no mailbox awaited reports):
        the only notification a DSN or an MDN can be about."""
        return self.channel is Channel.EMAIL and (self.sent_by is not None or self.status is Status.DELIVERED)

    def record_delivery_status(self, report_id: str, statuses: list[RecipientStatus]) -> None:
        """Records a DSN (RFC 3464) once per report id: refused when every recipient has failed, with
        the status and diagnostic as the reason; delivered when one arrived; `delayed` changes nothing.
        A report about anything but a sent email is not recorded."""
        if report_id in self.reports or not self.reportable:
            return
        statuses = ours(statuses, self._email_recipients())
        self._delivery_status_reported(report_id=report_id, recipients=[s.as_dict() for s in statuses])
        if self.is_terminal:
            return
        everyone, bounced = self._email_recipients(), self.bounced
        if everyone and len(bounced) == len(everyone):
            failures = [self.recipient_statuses[a.ascii.lower()].reason for a in everyone]
            reason = "the recipient's mail server bounced it: " + "; ".join(dict.fromkeys(failures))
            self._refused(reason=masked(reason, everyone))
        elif any(status.action.arrived for status in statuses):
            self._delivered(provider=self.sent_by or "smtp", provider_message_id=self.provider_message_id)

    def record_disposition(self, report_id: str, recipient: str, disposition: str, at: datetime) -> None:
        """Records an MDN (RFC 8098) once per report id. `displayed` sets `read_at` (the first one
        counts) and, on an email still pending, proves its delivery; other dispositions are recorded.
        A report about anything but a sent email is not recorded."""
        if report_id in self.reports or not self.reportable:
            return
        read_at = at if disposition == DISPLAYED and self.read_at is None else None
        self._disposition_reported(
            report_id=report_id, recipient=recipient.lower(), disposition=disposition, read_at=read_at
        )
        if disposition == DISPLAYED and not self.is_terminal:
            self._delivered(provider=self.sent_by or "smtp", provider_message_id=self.provider_message_id)

    def replay_dead_letter(self, queue: str, operator: str) -> None:
        """Records that an operator sent the notification's dead-lettered message back to the queue
        (`notifications dlq replay`). Raises NotPending on a delivered or refused notification: a
        finished one is never attempted again."""
        if self.is_terminal:
            raise NotPending(self.id, self.status)
        self._dead_letter_replayed(queue=queue, operator=operator)

    def close_bounce_window(self, now: datetime) -> None:
        """Counts a sent email as delivered once its bounce window has passed with no failure."""
        if self.is_terminal or self.confirm_by is None or now < self.confirm_by:
            return
        self._bounce_window_passed(confirm_by=self.confirm_by)
        self._delivered(provider=self.sent_by or "smtp", provider_message_id=self.provider_message_id)

    def _email_recipients(self) -> tuple[EmailAddress, ...]:
        email = self.message
        return distinct(email.recipients) if isinstance(email, Email) else ()

    @event("DeliveryStatusReported")
    def _delivery_status_reported(self, report_id: str, recipients: list[dict[str, Any]]) -> None:
        self.reports.add(report_id)
        for data in recipients:
            status = RecipientStatus.from_dict(data)
            earlier = self.recipient_statuses.get(status.recipient)
            if earlier is None or earlier.action != "failed" or status.action.arrived:
                self.recipient_statuses[status.recipient] = status

    @event("DispositionReported")
    def _disposition_reported(
        self, report_id: str, recipient: str, disposition: str, read_at: datetime | None
    ) -> None:
        self.reports.add(report_id)
        if read_at is not None and self.read_at is None:
            self.read_at = read_at

    @event("BounceWindowPassed")
    def _bounce_window_passed(self, confirm_by: datetime) -> None:
        self.confirm_by = confirm_by

    class DeadLetterReplayed(Aggregate.Event):
        """An operator moved the notification's message from the dead-letter queue (`queue`, its
        name) back to the queue; `operator` is who ran the command (user@host)."""

        class_version = 1
        queue: str
        operator: str

    @event(DeadLetterReplayed)
    def _dead_letter_replayed(self, queue: str, operator: str) -> None:
        pass  # a fact for auditors: the delivery state is unchanged, and the worker decides as ever

    @event("DeliveryStarted")
    def _delivery_started(self, worker: str, claimed_until: datetime) -> None:
        self.attempts += 1
        self.claimed_until = claimed_until

    class Sent(Aggregate.Event):
        """The provider took the message and will report on it. Version 2 added `confirm_by`."""

        class_version = 2
        provider: str
        provider_message_id: str | None
        confirm_by: datetime | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["confirm_by"] = None

    @event(Sent)
    def _sent(self, provider: str, provider_message_id: str | None, confirm_by: datetime | None) -> None:
        self.awaiting_confirmation = True
        self.provider_message_id = provider_message_id
        self.sent_by = provider
        self.confirm_by = confirm_by
        self.claimed_until = None

    @event("Delivered")
    def _delivered(self, provider: str, provider_message_id: str | None) -> None:
        self.status = Status.DELIVERED
        self.provider_message_id = provider_message_id
        self.claimed_until = None

    @event("DeliveryAttemptFailed")
    def _delivery_attempt_failed(self, reason: str) -> None:
        self.claimed_until = None

    @event("DeliveryThrottled")
    def _delivery_throttled(self, reason: str, retry_after: float | None) -> None:
        self.attempts -= 1
        self.claimed_until = None

    @event("Refused")
    def _refused(self, reason: str) -> None:
        self.status = Status.REFUSED
        self.reason = reason
        self.claimed_until = None


class AttemptNotAllowed(Exception):
    """The notification is finished, or sent and awaiting its receipt, or another worker's attempt is
    under way."""


class NotPending(Exception):
    """The notification is delivered or refused: nothing may send it again."""

    def __init__(self, notification_id: UUID, status: Status) -> None:
        super().__init__(f"notification {notification_id} is {status.value}, not pending")
        self.notification_id = notification_id
        self.status = status
