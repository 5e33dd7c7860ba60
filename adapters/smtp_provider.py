"""Email over SMTP with aiosmtplib: one connection per message, all recipients or none.

The envelope carries every recipient (bcc only there). Where the server offers DSN (RFC 3461), the
envelope asks for delivery status notifications tagged with the notification id
(`adapters.dsn_request`); a read receipt also asks the recipient's mail client for a disposition
notification (RFC 8098). The login is a password (aiosmtplib's AUTH) or an OAuth 2.0 token
(`adapters.smtp_login`).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from typing import Literal

import aiosmtplib
import structlog

from adapters import dsn_request
from adapters.email_mime import OVER_SMTP, mime_message
from adapters.oauth_tokens import TokenError
from adapters.smtp_login import OAuthLoginRefused, XOAuth2Login
from adapters.too_many import smtp_too_many
from application.errors import PermanentDeliveryError, Throttled, TransientDeliveryError
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
    counts as delivered; 5xx refuses the notification, 4xx and network failures are retried, and a
    "too many" answer raises `Throttled`."""

    def __init__(
        self,
        server: SmtpServer,
        sender: Mailbox,
        receipts_to: Mailbox | None = None,
        connections: int = 10,
        oauth: XOAuth2Login | None = None,
    ) -> None:
        self.server = server
        self.sender = sender
        self.receipts_to = receipts_to or sender
        self.oauth = oauth  # with it, the server's username and password are left empty
        self._connections = asyncio.Semaphore(connections)  # mail servers cap them per client

    async def deliver(self, notification: Notification) -> Receipt:
        email = notification.message
        assert isinstance(email, Email)
        mime = mime_message(notification, self.sender, self.receipts_to)
        try:
            async with self._connections, self.server.client() as smtp:
                if self.oauth:
                    await self.oauth(smtp)
                dsn = await self._send(smtp, notification, email, mime.as_bytes(policy=OVER_SMTP))
        except TokenError as error:
            raise TransientDeliveryError(f"cannot get an OAuth token for the mail server: {error}") from None
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
        await _greeted(smtp)  # without a login or STARTTLS, nothing has sent EHLO yet
        dsn = smtp.supports_extension("dsn")
        options = dsn_request.mail_options(notification.id) if dsn else []
        await smtp.mail(self.sender.address.ascii, options=options)
        for recipient in distinct(email.recipients):  # a refused one stops here, before anyone gets the data
            options = dsn_request.rcpt_options(recipient.ascii, email.read_receipt) if dsn else []
            await smtp.rcpt(recipient.ascii, options=options)
        await smtp.data(data)
        return dsn


async def _greeted(smtp: aiosmtplib.SMTP) -> None:
    """EHLO (RFC 5321 §4.1.1.1), or HELO from a server that does not know it, once per session."""
    if not smtp.is_ehlo_or_helo_needed:
        return
    try:
        await smtp.ehlo()
    except aiosmtplib.SMTPHeloError:
        await smtp.helo()


def _translated(
    error: aiosmtplib.SMTPException, email: Email
) -> TransientDeliveryError | PermanentDeliveryError | Throttled:
    """ "Too many" (`adapters.too_many`) slows the worker down; 5xx to the envelope or the data
    refuses the message; anything else may pass."""
    code = getattr(error, "code", 0)
    reply = masked(f"{code or ''} {error.message}".strip(), email.recipients)
    if smtp_too_many(code, error.message):
        return Throttled(f"the mail server asks us to slow down: {reply}")
    if code >= 500 and isinstance(error, aiosmtplib.SMTPRecipientRefused):
        return PermanentDeliveryError(f"the mail server refused a recipient: {reply}")
    if code >= 500 and isinstance(error, aiosmtplib.SMTPSenderRefused | aiosmtplib.SMTPDataError):
        return PermanentDeliveryError(f"the mail server refused the message: {reply}")
    if isinstance(error, OAuthLoginRefused):  # the app's permissions or the mailbox's settings
        return TransientDeliveryError(f"the mail server refused our OAuth login: {reply}")
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):  # the settings are wrong, not the message
        return TransientDeliveryError(f"the mail server refused our login: {reply}")
    if isinstance(error, aiosmtplib.SMTPConnectError):
        return TransientDeliveryError(f"cannot reach the mail server: {reply}")
    return TransientDeliveryError(f"the mail server failed for now: {reply}")
