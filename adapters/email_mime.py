"""The MIME form of an email notification, as it goes over SMTP or into the outbox.

Headers are encoded and folded by `adapters.mime_headers`, so that they read back exactly. Over
SMTP the message goes 7-bit with CRLF line ends (`OVER_SMTP`); the outbox writes it as it is. An
email without a text part gets one made from its HTML (inscriptis), as mail filters score
HTML-only messages as spam; a text of white space only counts as none.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from inscriptis import get_text
from inscriptis.model.config import ParserConfig

from adapters.mime_headers import ExactHeaders, address_header, text_header
from domain.addresses import EmailAddress, Mailbox, distinct
from domain.messages import Email
from domain.notification import Notification

NOTIFICATION_ID_HEADER = "X-Notification-Id"
HEADERS_KEPT = ExactHeaders()
OVER_SMTP = HEADERS_KEPT.clone(linesep="\r\n", cte_type="7bit")  # any server takes it, 8BITMIME or not
_LINKS_KEPT = ParserConfig(display_links=True)


def mime_message(
    notification: Notification, sender: Mailbox, receipts_to: Mailbox | None = None
) -> EmailMessage:
    """The message with its headers and parts; `bcc` is left out (it belongs to the envelope)."""
    email = notification.message
    assert isinstance(email, Email)
    message = EmailMessage(policy=HEADERS_KEPT)
    message["From"] = address_header("From", [sender])
    message["To"] = _addresses("To", distinct(email.to))
    if cc := _besides(email.cc, email.to):
        message["Cc"] = _addresses("Cc", cc)
    if email.reply_to:
        message["Reply-To"] = _addresses("Reply-To", [email.reply_to])
    message["Subject"] = text_header("Subject", email.subject)
    message["Date"] = formatdate(usegmt=True)
    domain = sender.address.ascii.rpartition("@")[2]
    message["Message-ID"] = make_msgid(idstring=notification.id.hex, domain=domain)
    message[NOTIFICATION_ID_HEADER] = str(notification.id)
    if email.read_receipt:
        message["Disposition-Notification-To"] = address_header(
            "Disposition-Notification-To", [receipts_to or sender]
        )
    _add_parts(message, email)
    return message


def add_bcc(message: EmailMessage, email: Email) -> None:
    """Adds a `Bcc` header naming the blind copies that are not in To or Cc, as a sent folder keeps."""
    if bcc := blind_copies(email):
        message["Bcc"] = _addresses("Bcc", bcc)


def blind_copies(email: Email) -> tuple[EmailAddress, ...]:
    """The bcc mailboxes, each once, without those that To or Cc name already."""
    return _besides(email.bcc, email.to + email.cc)


def text_of(html: str) -> str:
    """A plain text rendering of the HTML: links as `[text](url)`, lists and tables laid out."""
    text: str = get_text(html, _LINKS_KEPT)
    return text


def _besides(
    addresses: tuple[EmailAddress, ...], shown: tuple[EmailAddress, ...]
) -> tuple[EmailAddress, ...]:
    named = {address.ascii for address in shown}
    return tuple(address for address in distinct(addresses) if address.ascii not in named)


def _addresses(name: str, addresses: tuple[EmailAddress, ...] | list[EmailAddress]) -> str:
    return address_header(name, [Mailbox(address) for address in addresses])


def _add_parts(message: EmailMessage, email: Email) -> None:
    text = email.text if email.text and email.text.strip() else None
    html = email.html if email.html and email.html.strip() else None
    message.set_content(text if text is not None else text_of(html or ""))
    if html is not None:
        message.add_alternative(html, subtype="html")
