"""Development providers: each message is written to a file in the outbox folder, not sent.

Emails become `.eml` files (open them in any mail client); SMS and WhatsApp messages become
JSON files. Files are written whole or not at all, named by the notification id. The files
waiting to be written are written together, in one trip to a thread.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import structlog

from adapters.email_mime import add_bcc, mime_message
from adapters.group_commit import settle
from domain.addresses import Mailbox
from domain.messages import Channel, Email
from domain.notification import Notification, Receipt

log = structlog.get_logger("notifications")


class OutboxProvider:
    def __init__(
        self,
        folder: Path,
        channel: Channel,
        sender: Mailbox | None = None,
        receipts_to: Mailbox | None = None,
    ) -> None:
        if channel is Channel.EMAIL and sender is None:
            raise ValueError("an email outbox needs a sender")
        self.folder = folder / channel.value
        self.channel = channel
        self.sender = sender
        self.receipts_to = receipts_to
        self._waiting: list[tuple[str, bytes, asyncio.Future[None]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def deliver(self, notification: Notification) -> Receipt:
        message = notification.message
        if isinstance(message, Email) and self.sender:
            mime = mime_message(notification, self.sender, self.receipts_to)
            add_bcc(mime, message)  # kept in the outbox copy only, as a sent folder does
            name, content = f"{notification.id}.eml", mime.as_bytes()
        else:
            name = f"{notification.id}.json"
            content = json.dumps(
                {"id": str(notification.id), "channel": self.channel.value, **message.as_dict()},
                ensure_ascii=False,
                indent=2,
            ).encode()
        await self._write(name, content)
        log.info(
            "outbox.written",
            notification_id=str(notification.id),
            channel=self.channel.value,
            to=message.masked_recipient,
            file=name,
        )
        return Receipt(provider="outbox", message_id=name)

    async def _write(self, name: str, content: bytes) -> None:
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((name, content, written))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_waiting())
        await written

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            files = [(name, content) for name, content, _ in batch]
            errors: list[BaseException | None]
            try:
                errors = list(await asyncio.to_thread(_write_all, self.folder, files))
            except Exception as failure:  # the folder cannot be made: no file was written
                errors = [failure] * len(batch)
            for (_, _, written), error in zip(batch, errors, strict=True):
                settle(written, error)


def _write_all(folder: Path, files: list[tuple[str, bytes]]) -> list[OSError | None]:
    """Writes each file whole, through a partial file renamed at the end; returns each one's error."""
    folder.mkdir(parents=True, exist_ok=True)
    errors: list[OSError | None] = []
    for name, content in files:
        path = folder / name
        partial = path.with_name(name + ".partial")
        try:
            partial.write_bytes(content)
            os.replace(partial, path)
        except OSError as error:
            errors.append(error)
        else:
            errors.append(None)
    return errors
