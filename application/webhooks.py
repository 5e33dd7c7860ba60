"""Use cases of the webhook register: set a client's webhook (making its signing secret), remove it."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

import structlog

from application.ports import Clock, EventStore
from application.registers import change_register, read_register
from domain.webhooks import Webhooks

log = structlog.get_logger("notifications")

SECRET_BYTES = 32  # Standard Webhooks: a symmetric secret of 24 to 64 bytes


def new_secret() -> str:
    """A random signing secret, serialised as Standard Webhooks says: `whsec_` + base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


class WebhookRegister:
    def __init__(self, store: EventStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def set_webhook(self, client: str, url: str) -> str:
        """Records the client's webhook with a new signing secret, and returns the secret (shown once).

        Calls nothing: the URL's host is checked when a message is sent. Raises InvalidWebhook.
        """
        secret, now = new_secret(), self.clock.now()
        await self._change(lambda register: register.set(client, url, secret, now))
        log.info("webhook.set", client=client)
        return secret

    async def remove_webhook(self, client: str) -> None:
        """Removes the client's webhook; messages not yet accepted are abandoned. Raises NoWebhook."""
        now = self.clock.now()
        await self._change(lambda register: register.remove(client, now))
        log.info("webhook.removed", client=client)

    async def register(self) -> Webhooks:
        return await read_register(self.store, Webhooks)

    async def _change(self, change: Callable[[Webhooks], None]) -> Webhooks:
        return await change_register(self.store, Webhooks, change, "webhook")
