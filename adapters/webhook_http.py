"""Posting webhook messages: signed by the `standardwebhooks` library, sent by httpx, to checked addresses.

The host is resolved here, every address it resolves to is checked (adapters/webhook_targets.py),
and the connection goes to the checked address, with the URL's host in `Host` and in TLS's SNI and
certificate check: a DNS answer that changes between check and connect (rebinding) changes nothing.
Sources: Standard Webhooks (spec/standard-webhooks.md: "Signature scheme", "Webhook headers",
"Request timeouts", "Server side request forgery"); httpx's `sni_hostname` request extension.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from adapters.too_many import retry_after
from adapters.webhook_targets import forbidden
from application.webhook_ports import TargetForbidden, TargetUnreachable, WebhookAnswer

USER_AGENT = "notifications-webhooks/1"


class HttpWebhooks:
    def __init__(
        self,
        timeout: float,
        allow_private: bool = False,
        max_connections: int = 100,
        trusted: ssl.SSLContext | None = None,
    ) -> None:
        """`timeout` in seconds for each attempt's connect, write and read; `trusted`: the CAs that
        https receivers' certificates are checked against (default: the system's, through httpx)."""
        self.timeout = timeout
        self.allow_private = allow_private
        self.max_connections = max_connections
        self.trusted = trusted
        self._client: httpx.AsyncClient | None = None

    async def post(self, url: str, secret: str, message_id: str, body: bytes) -> WebhookAnswer:
        target = httpx.URL(url)
        host, port = target.raw_host.decode("ascii"), target.port or (443 if target.scheme == "https" else 80)
        address = await self._checked_address(host, port)
        seconds = int(time.time())
        # The library's signer, not our own HMAC: it is the reference implementation receivers verify with.
        signature = Webhook(secret).sign(message_id, datetime.fromtimestamp(seconds, UTC), body.decode())
        headers = {
            "Host": target.netloc.decode("ascii"),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(seconds),
            "webhook-signature": signature,
        }
        request = self._http().build_request(
            "POST",
            target.copy_with(host=address),
            headers=headers,
            content=body,
            extensions={"sni_hostname": host} if target.scheme == "https" else {},
        )
        try:
            async with asyncio.timeout(self.timeout):  # in all: httpx's apply to each read and write
                response = await self._http().send(request, stream=True)  # the body is never read
                await response.aclose()
        except (httpx.TimeoutException, TimeoutError):
            raise TargetUnreachable(f"no answer from {host} within {self.timeout:g} s") from None
        except httpx.HTTPError as error:
            raise TargetUnreachable(f"cannot reach {host}: {type(error).__name__}: {error}") from None
        return WebhookAnswer(response.status_code, retry_after(response.headers.get("retry-after")))

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    async def _checked_address(self, host: str, port: int) -> str:
        try:
            found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            raise TargetUnreachable(f"cannot resolve {host}: {error}") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        if not addresses:
            raise TargetUnreachable(f"{host} resolves to no address")
        if not self.allow_private and (refused := [a for a in addresses if forbidden(a)]):
            raise TargetForbidden(
                f"{host} resolves to {refused[0]}, a private, loopback, link-local or reserved address "
                "(NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE=true allows it)"
            )
        return addresses[0]

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=self.timeout,
                follow_redirects=False,
                trust_env=False,  # no proxy from the environment: it would bypass the address check
                limits=httpx.Limits(max_connections=self.max_connections),
                verify=self.trusted or True,
            )
        return self._client
