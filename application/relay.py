"""The relay: follows the event log and puts every requested notification on the queue.

The event log is the source of truth and the queue only transport: a notification is recorded
first, and reaches the queue from here. The relay's position is tracked durably, so after a
restart it resumes where nothing can have been lost, sending some messages twice at worst.
"""

from __future__ import annotations

from application.ports import NotificationQueue, QueueMessage, RequestLog

READER = "relay"


class Relay:
    def __init__(self, log: RequestLog, queue: NotificationQueue, batch_size: int = 100) -> None:
        self.log = log
        self.queue = queue
        self.batch_size = batch_size
        self._sent_up_to: int | None = None
        self._tracked = 0

    async def relay_once(self) -> int:
        """Sends the requests recorded since the last call; returns how many it sent."""
        if self._sent_up_to is None:
            self._tracked = self._sent_up_to = await self.log.position(READER)
        requests = await self.log.requested_after(self._sent_up_to, self.batch_size)
        if requests:
            await self.queue.send(
                [QueueMessage(r.notification_id, r.position, r.traceparent) for r in requests]
            )
            self._sent_up_to = requests[-1].position
        safe = self.queue.safe_position(self._sent_up_to)
        if safe > self._tracked:
            await self.log.track(READER, safe)
            self._tracked = safe
        return len(requests)
