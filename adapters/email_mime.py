"""The MIME form of an email notification, as it goes over SMTP or into the outbox."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from domain.messages import Email
from domain.notification import Notification

NOTIFICATION_ID_HEADER = "X-Notification-Id"


def mime_message(notification: Notification, sender: str, receipts_to: str | None = None) -> EmailMessage:
    email = notification.message
    assert isinstance(email, Email)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(a.value for a in email.to)
    if email.cc:
        message["Cc"] = ", ".join(a.value for a in email.cc)
    if email.reply_to:
        message["Reply-To"] = email.reply_to.value
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=notification.id.hex, domain=domain)
    message[NOTIFICATION_ID_HEADER] = str(notification.id)
    if email.read_receipt:
        message["Disposition-Notification-To"] = receipts_to or sender
    if email.text:
        message.set_content(email.text)
        if email.html:
            message.add_alternative(email.html, subtype="html")
    else:
        message.set_content(email.html or "", subtype="html")
    return message
