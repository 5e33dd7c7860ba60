"""The worker's mailbox reader: polls the bounce mailbox and records the reports it finds."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from application.errors import MailboxUnavailable, StoreUnavailable
from application.mail_reports import MailReports

log = structlog.get_logger("notifications")

MAX_BACKOFF = 300.0


class MailboxReader:
    """Reads every `interval` seconds until stopped; a mailbox or store that fails is tried again
    later (doubling the pause up to 5 minutes), and nothing read is lost: unrecorded reports stay in
    the mailbox. Several workers may read one mailbox: recording is idempotent per report."""

    def __init__(self, reports: MailReports, interval: float) -> None:
        self.reports = reports
        self.interval = interval

    async def run(self, stopping: asyncio.Event) -> None:
        pause = self.interval
        while not stopping.is_set():
            try:
                tally = await self.reports.read_mailbox()
            except (MailboxUnavailable, StoreUnavailable) as error:
                pause = min(pause * 2, max(MAX_BACKOFF, self.interval))
                log.warning("mailbox.unavailable", error=str(error), retry_in=pause)
            except Exception as error:  # a reader's bug must not stop the worker's deliveries
                pause = min(pause * 2, max(MAX_BACKOFF, self.interval))
                log.exception("mailbox.failed", error=type(error).__name__)
            else:
                pause = self.interval
                if tally.recorded:
                    log.info("mailbox.read", recorded=tally.recorded, unmatched=tally.unmatched)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), pause)
