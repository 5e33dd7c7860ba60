"""Email over SMTP with aiosmtplib: one connection per message, all recipients or none.

The envelope carries every recipient (bcc only there); a read receipt asks the recipient's mail
client for a disposition notification (RFC 8098) and, where the server offers DSN (RFC 3461), the
server for delivery status notifications tagged with the notification id.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Literal

import aiosmtplib
import structlog

from adapters.email_mime import OVER_SMTP, mime_message
from application.errors import PermanentDeliveryError, TransientDeliveryError
from domain.addresses import Mailbox, distinct, masked
from domain.messages import Email
from domain.notification import Notification, Receipt

log = structlog.get_logger("notifications")

DEFAULT_PORTS = {"implicit": 465, "starttls": 587, "none": 25}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int = 0
    tls: Literal["implicit", "starttls", "none"] = "starttls"
    username: str = ""
    password: str = ""
    ca_file: str = ""
    timeout: float = 20.0

    def client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port or DEFAULT_PORTS[self.tls],
            username=self.username or None,
            password=self.password or None,
            use_tls=self.tls == "implicit",
            start_tls=self.tls == "starttls",
            tls_context=ssl.create_default_context(cafile=self.ca_file or None),
            timeout=self.timeout,
        )


class SmtpProvider:
    """Hands each email to an SMTP server (a relay, Gmail, Microsoft 365). The server's acceptance
    counts as delivered; 5xx refuses the notification, 4xx and network failures are retried."""

    def __init__(
        self, server: SmtpServer, sender: Mailbox, receipts_to: Mailbox | None = None, connections: int = 10
    ) -> None:
        self.server = server
        self.sender = sender
        self.receipts_to = receipts_to or sender
        self._connections = asyncio.Semaphore(connections)  # mail servers cap them per client

    async def deliver(self, notification: Notification) -> Receipt:
        email = notification.message
        assert isinstance(email, Email)
        mime = mime_message(notification, self.sender, self.receipts_to)
        try:
            async with self._connections, self.server.client() as smtp:
                dsn = await self._send(smtp, notification, email, mime.as_bytes(policy=OVER_SMTP))
        except aiosmtplib.SMTPException as error:
            raise _translated(error, email) from None
        except OSError as error:  # refused connections, DNS, TLS verification
            raise TransientDeliveryError(f"cannot reach the mail server: {error}") from None
        log.info(
            "smtp.sent",
            notification_id=str(notification.id),
            to=email.masked_recipient,
            recipients=len(email.recipients),
            read_receipt=email.read_receipt,
            dsn=dsn,
        )
        return Receipt(provider="smtp", message_id=mime["Message-ID"])

    async def _send(
        self, smtp: aiosmtplib.SMTP, notification: Notification, email: Email, data: bytes
    ) -> bool:
        """Sends the envelope (ASCII addresses, each mailbox once) and the data; returns whether
        delivery status notifications were asked."""
        dsn = email.read_receipt and smtp.supports_extension("dsn")
        await smtp.mail(
            self.sender.address.ascii, options=[f"RET=HDRS ENVID={notification.id}"] if dsn else []
        )
        for recipient in distinct(email.recipients):  # a refused one stops here, before anyone gets the data
            await smtp.rcpt(recipient.ascii, options=["NOTIFY=SUCCESS,FAILURE"] if dsn else [])
        await smtp.data(data)
        return dsn


def _translated(
    error: aiosmtplib.SMTPException, email: Email
) -> TransientDeliveryError | PermanentDeliveryError:
    """5xx to the envelope or the data refuses the message; anything else may pass."""
    code = getattr(error, "code", 0)
    reply = masked(f"{code or ''} {error.message}".strip(), email.recipients)
    if code >= 500 and isinstance(error, aiosmtplib.SMTPRecipientRefused):
        return PermanentDeliveryError(f"the mail server refused a recipient: {reply}")
    if code >= 500 and isinstance(error, aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPDataError):
        return PermanentDeliveryError(f"the mail server refused the message: {reply}")
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):  # the settings are wrong, not the message
        return TransientDeliveryError(f"the mail server refused our login: {reply}")
    if isinstance(error, aiosmtplib.SMTPConnectError):
        return TransientDeliveryError(f"cannot reach the mail server: {reply}")
    return TransientDeliveryError(f"the mail server failed for now: {reply}")
