"""Pacing a provider: at most so many messages a second per sender, and a pause after "too many".

The rate is kept evenly spaced, with no burst (the generic cell rate algorithm: each message of a
sender gets the next free slot, one interval after the last one given). A slot near enough (within
`max_wait`) is waited for here; a slot further off is kept for that notification, and its queue
message comes back when the slot is due, so that a worker never fills its deliveries with waits for
one slow provider while the others have work. Per process: several workers each keep their own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable

STALE = 300.0  # seconds after which a slot kept for a notification that never came back is dropped


class Pacer:
    """`rate` messages a second per key (None: no limit). After a "too many" answer every key waits:
    the provider's `Retry-After`, else `base_delay` doubling with each throttle in a row (a throttle
    while paused is the same one), capped at `max_delay`; a delivery that goes through ends the row."""

    def __init__(
        self,
        rate: float | None,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        max_wait: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.interval = 1 / rate if rate else 0.0
        self.base_delay, self.max_delay, self.max_wait = base_delay, max_delay, max_wait
        self.clock, self.sleep = clock, sleep
        self.paused_until = 0.0
        self._row = 0
        self._next: dict[Hashable, float] = {}
        self._kept: dict[Hashable, float] = {}
        self._purged_at = 0.0

    async def turn(self, key: Hashable, ticket: Hashable) -> float:
        """Waits for `ticket`'s slot if it is near and returns 0, else returns the seconds until it
        (`ticket`, a notification id, keeps the slot until it asks again)."""
        now = self.clock()
        if now < self.paused_until or not self.interval:
            return max(self.paused_until - now, 0.0)
        slot = self._kept.pop(ticket, None)
        if slot is None:
            slot = max(self._next.get(key, now), now)
            self._next[key] = slot + self.interval
        if slot - now > self.max_wait:
            self._keep(ticket, slot, now)
            return slot - now
        if slot > now:
            await self.sleep(slot - now)
            return max(self.paused_until - self.clock(), 0.0)  # a pause may have begun meanwhile
        return 0.0

    def throttled(self, retry_after: float | None) -> float:
        """Pauses every key after a "too many" answer; returns the seconds until the pause ends."""
        now = self.clock()
        if now >= self.paused_until:
            self._row += 1
        delay = min(self.base_delay * 2 ** (self._row - 1), self.max_delay)
        self.paused_until = max(self.paused_until, now + (delay if retry_after is None else retry_after))
        self._kept.clear()  # the slots fell in the pause: after it, they are given out again
        self._next = {key: max(at, self.paused_until) for key, at in self._next.items()}
        return self.paused_until - now

    def delivered(self) -> None:
        """Ends a row of throttles."""
        self._row = 0

    def _keep(self, ticket: Hashable, slot: float, now: float) -> None:
        self._kept[ticket] = slot
        if now - self._purged_at > STALE:
            self._kept = {t: at for t, at in self._kept.items() if at > now - STALE}
            self._purged_at = now
