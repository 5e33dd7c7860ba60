"""The relay: follows the event log and puts every requested notification on the queue.

The event log is the source of truth and the queue only transport: a notification is recorded
first, and reaches the queue from here. The relay's position is tracked durably, so after a
restart it resumes where nothing can have been lost, sending some messages twice at worst.

Any number of workers may run a relay; one leads at a time (`Leadership`), the others send nothing.
A relay that takes the lead reads the tracked position again, since the former leader moved it.
"""

from __future__ import annotations

import structlog

from application.ports import Leadership, NotificationQueue, QueueMessage, RequestLog

READER = "relay"

log = structlog.get_logger("notifications")


class Relay:
    def __init__(
        self,
        log: RequestLog,
        queue: NotificationQueue,
        leadership: Leadership | None = None,
        batch_size: int = 100,
    ) -> None:
        self.log = log
        self.queue = queue
        self.leadership = leadership
        self.batch_size = batch_size
        self._sent_up_to: int | None = None
        self._tracked = 0
        self._leading = False

    async def relay_once(self) -> int:
        """Sends the requests recorded since the last call, if this relay leads; returns how many
        it sent (0 when another relay leads)."""
        if not await self._lead():
            return 0
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

    async def stop(self) -> None:
        """Gives the lead up, for a relay of another process to take it at once."""
        if self.leadership is not None:
            await self.leadership.release()

    async def _lead(self) -> bool:
        leading = self.leadership is None or await self.leadership.lead()
        if leading != self._leading:
            log.info("relay.leading" if leading else "relay.standing_by")
            self._leading = leading
            self._sent_up_to = None  # read the tracked position again when leading
        return leading
