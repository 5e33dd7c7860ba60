"""The discard provider: takes every message and sends it nowhere, for load tests and staging.

The notification is recorded `delivered` with a receipt from provider `discard`, so the event log
still tells a discarded message from a sent one.
"""

from __future__ import annotations

from domain.notification import Notification, Receipt


class DiscardProvider:
    async def deliver(self, notification: Notification) -> Receipt:
        return Receipt(provider="discard")
