"""Reports as mail servers and mail clients send them, about one of our emails (for the tests)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

SAMPLES = Path(__file__).parent / "bounce_samples"
RETURNED_IDS = {  # the original message's Message-ID in each real bounce
    "microsoft_01": "<5.1.1.5.2.20021004224506.00bd9ff8@mail.chello.se>",
    "simple_17": "<mailman.12400.1147255068.1568.gpc-talk@grizz.org>",
    "exim_01": "<19990920022322.A19735@stereo.rotzorg.org>",
    "postfix_01": "<p04330122b60007b33216@[17.216.27.250]>",
}


def sample(name: str, message_id: str) -> bytes:
    """A real bounce (tests/bounce_samples) as it would be about our message `message_id`."""
    raw = (SAMPLES / f"{name}.txt").read_bytes()
    return raw.replace(RETURNED_IDS[name].encode(), message_id.encode())


def dsn(
    returned: EmailMessage, recipient: str, action: str, status: str, diagnostic: str = "", envid: str = ""
) -> bytes:
    """A delivery status notification (RFC 3464) as Postfix writes one, the headers returned."""
    envelope = f"Original-Envelope-Id: {envid}\r\n" if envid else ""
    code = f"Diagnostic-Code: smtp; {diagnostic}\r\n" if diagnostic else ""
    return _report(
        "delivery-status",
        "MAILER-DAEMON@mx.bank.example (Mail Delivery System)",
        "Undelivered Mail Returned to Sender",
        "I'm sorry to have to inform you that your message could not be delivered.",
        "message/delivery-status",
        f"Reporting-MTA: dns; mx.bank.example\r\n{envelope}\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n{code}",
        "Content-Type: text/rfc822-headers\r\n\r\n" + _headers(returned),
    )


def mdn(returned: EmailMessage, reader: str, disposition: str) -> bytes:
    """A read receipt (RFC 8098) as a mail client sends one."""
    return _report(
        "disposition-notification",
        reader,
        f"Read: {returned['Subject']}",
        "Your message was displayed.",
        "message/disposition-notification",
        f"Reporting-UA: client.example; Thunderbird\r\nFinal-Recipient: rfc822; {reader}\r\n"
        f"Original-Message-ID: {returned['Message-ID']}\r\n"
        f"Disposition: manual-action/MDN-sent-manually; {disposition}\r\n",
    )


def _report(
    kind: str, sender: str, subject: str, text: str, fields_type: str, fields: str, *more: str
) -> bytes:
    boundary = "report-boundary-42"
    parts = [
        f"Content-Type: text/plain; charset=us-ascii\r\n\r\n{text}\r\n",
        f"Content-Type: {fields_type}\r\n\r\n{fields}",
        *more,
    ]
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    head = (
        f"From: {sender}\r\nTo: bounces@bank.example\r\nSubject: {subject}\r\nDate: {formatdate()}\r\n"
        f"Message-ID: {make_msgid(domain='mx.bank.example')}\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type={kind}; boundary="{boundary}"\r\n\r\n'
    )
    return (head + body).encode()


def _headers(message: EmailMessage) -> str:
    return "".join(f"{name}: {value}\r\n" for name, value in message.items())
