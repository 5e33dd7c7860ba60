"""Development providers: each message is written to a file in the outbox folder, not sent.

Emails become `.eml` files (open them in any mail client); SMS and WhatsApp messages become
JSON files. Files are written whole or not at all, named by the notification id.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import structlog

from adapters.email_mime import mime_message
from domain.messages import Channel, Email
from domain.notification import Notification, Receipt

log = structlog.get_logger("notifications")


class OutboxProvider:
    def __init__(self, folder: Path, channel: Channel, sender: str = "", receipts_to: str = "") -> None:
        self.folder = folder / channel.value
        self.channel = channel
        self.sender = sender
        self.receipts_to = receipts_to or None

    async def deliver(self, notification: Notification) -> Receipt:
        message = notification.message
        if isinstance(message, Email):
            mime = mime_message(notification, self.sender, self.receipts_to)
            for address in message.bcc:  # kept in the outbox copy only, as a sent folder does
                mime["Bcc"] = address.value
            name, content = f"{notification.id}.eml", mime.as_bytes()
        else:
            name = f"{notification.id}.json"
            content = json.dumps(
                {"id": str(notification.id), "channel": self.channel.value, **message.as_dict()},
                ensure_ascii=False,
                indent=2,
            ).encode()
        await asyncio.to_thread(_write_whole, self.folder / name, content)
        log.info(
            "outbox.written",
            notification_id=str(notification.id),
            channel=self.channel.value,
            to=message.masked_recipient,
            file=name,
        )
        return Receipt(provider="outbox", message_id=name)


def _write_whole(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)
