"""The use case of a bounce mailbox: record what delivery reports and read receipts say about emails.

Every report is recorded once, keyed by its own Message-ID, however often it is read and by however
many workers (the aggregate keeps the report ids; two workers racing meet the store's optimistic
concurrency, and the loser finds the report recorded when it reads again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable
from uuid import UUID

import structlog

from application.errors import Conflict, NotFound
from application.metrics import NO_METRICS, Metrics
from application.ports import EventStore
from application.state_log import log_state_change
from domain.notification import Notification
from domain.reports import RecipientStatus

log = structlog.get_logger("notifications")

ATTEMPTS_ON_CONFLICT = 3


@dataclass(frozen=True)
class DeliveryStatus:
    """A delivery status notification (RFC 3464) about one of our emails."""

    report_id: str
    notification_id: UUID
    recipients: tuple[RecipientStatus, ...]


@dataclass(frozen=True)
class Disposition:
    """A message disposition notification (RFC 8098): `disposition` is its type (`displayed`...),
    `at` when the reader's client sent it."""

    report_id: str
    notification_id: UUID
    recipient: str
    disposition: str
    at: datetime


MailReport = DeliveryStatus | Disposition


@dataclass(frozen=True)
class MailboxMessage:
    """A message in the mailbox: `key` names it to the mailbox, `report` is None when it reports on
    none of our emails (a human's answer, spam, a bounce of someone else's message)."""

    key: str
    report: MailReport | None


@runtime_checkable
class ReportMailbox(Protocol):
    async def read(self) -> list[MailboxMessage]:
        """Returns the messages not filed away nor left alone yet. Raises MailboxUnavailable."""

    async def file_away(self, keys: Sequence[str]) -> None:
        """Flags the messages as seen and moves them to the processed folder. May be called twice."""

    def leave_alone(self, keys: Sequence[str]) -> None:
        """Keeps the messages where they are, and out of later reads by this reader."""


@dataclass(frozen=True)
class Tally:
    recorded: int = 0
    unmatched: int = 0


class MailReports:
    def __init__(self, store: EventStore, mailbox: ReportMailbox, metrics: Metrics = NO_METRICS) -> None:
        self.store = store
        self.mailbox = mailbox
        self.metrics = metrics

    async def read_mailbox(self) -> Tally:
        """Records the reports in the mailbox and files them away; leaves the rest where it is."""
        messages = await self.mailbox.read()
        done: list[str] = []
        unmatched: list[str] = []
        for message in messages:
            matched = message.report is not None and await self.record_report(message.report)
            (done if matched else unmatched).append(message.key)
        if done:
            await self.mailbox.file_away(done)
        self.mailbox.leave_alone(unmatched)
        if unmatched:
            log.info("mailbox.unmatched", count=len(unmatched))
        self.metrics.mailbox_read(len(done), len(unmatched))
        return Tally(len(done), len(unmatched))

    async def record_report(self, report: MailReport) -> bool:
        """Records the report on its notification; returns False if no notification is that one."""
        for attempt in range(ATTEMPTS_ON_CONFLICT):
            try:
                return await self._apply(report)
            except Conflict:  # a worker or another reader wrote first: apply to what it wrote
                if attempt == ATTEMPTS_ON_CONFLICT - 1:
                    raise
        return False

    async def _apply(self, report: MailReport) -> bool:
        try:
            notification = await self.store.get(report.notification_id)
        except NotFound:
            return False
        if not isinstance(notification, Notification) or not notification.reportable:
            return False  # not one of our sent emails: a forged or misdirected report
        version = notification.version
        if isinstance(report, DeliveryStatus):
            notification.record_delivery_status(report.report_id, list(report.recipients))
        else:
            notification.record_disposition(report.report_id, report.recipient, report.disposition, report.at)
        if notification.version != version:
            await self.store.save(notification)
            log_state_change(notification, provider="mailbox")
            self.metrics.concluded(notification)
        return True
