"""The limits' counters in this process's memory: for the `memory` event store and for tests."""

from __future__ import annotations

from collections.abc import Sequence

from domain.limits import HOUR, Bucket, Rate, admit, take


class MemoryLimits:
    """The ClientBuckets and RecipientCounts ports, for one process only."""

    def __init__(self, rate: Rate | None, hourly_limit: int) -> None:
        self.rate, self.hourly_limit = rate, hourly_limit
        self._buckets: dict[str, Bucket] = {}
        self._sent: dict[str, tuple[float, ...]] = {}
        self._pruned = 0.0

    async def take(self, client: str, now: float) -> float:
        assert self.rate is not None, "no client rate limit is set"
        self._buckets[client], wait = take(self._buckets.get(client), self.rate, now)
        return wait

    async def admit(self, numbers: Sequence[str], now: float) -> list[bool]:
        self._prune(now)
        admitted = []
        for number in numbers:
            kept = admit(self._sent.get(number, ()), self.hourly_limit, now)
            if kept is not None:
                self._sent[number] = kept
            admitted.append(kept is not None)
        return admitted

    async def release(self, numbers: Sequence[str], at: float) -> None:
        for number in numbers:
            sent = list(self._sent.get(number, ()))
            if at in sent:
                sent.remove(at)
                self._sent[number] = tuple(sent)

    async def migrate(self) -> None:
        """Nothing to create."""

    def close(self) -> None:
        """Nothing to release."""

    def _prune(self, now: float) -> None:
        if now - self._pruned >= HOUR:  # numbers not sent to for an hour are as good as new
            self._sent = {number: sent for number, sent in self._sent.items() if sent[-1] > now - HOUR}
            self._pruned = now
