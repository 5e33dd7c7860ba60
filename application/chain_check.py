"""Verification of the hash chains: each aggregate's events must each match their own hash and
carry the hash of the event before them, so that an altered, reordered or deleted event shows.

One pass over the log in order. The newest hash of recently seen aggregates is remembered (a
bounded number); the predecessor of any other event is read from the store.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

from application.audit import GENESIS, EventLog, LoggedEvent, walk

REMEMBERED_HEADS = 100_000


@dataclass(frozen=True)
class Finding:
    """A break in a chain, named by the event that shows it."""

    aggregate: str
    aggregate_id: UUID
    version: int
    position: int
    problem: str


class ChainCheck:
    def __init__(self, log: EventLog, remembered: int = REMEMBERED_HEADS) -> None:
        self.log = log
        self.remembered = remembered
        self.events = 0
        self._heads: OrderedDict[UUID, tuple[int, str]] = OrderedDict()

    async def findings(self) -> AsyncIterator[Finding]:
        """Yields each break found, in log order; `events` counts the events checked so far."""
        async for event in walk(self.log):
            self.events += 1
            for problem in await self._problems(event):
                yield Finding(event.aggregate, event.aggregate_id, event.version, event.position, problem)

    async def _problems(self, event: LoggedEvent) -> list[str]:
        if event.damage:
            return [f"altered: it cannot be read ({event.damage})"]
        link = event.link
        if link is None or link.previous is None:
            return ["unchained: it carries no hash (recorded before the chain, or its hash was removed)"]
        problems = [] if link.intact else ["altered: its content does not match its hash"]
        expected = await self._hash_before(event)
        if expected is None:
            problems.append(f"missing: version {event.version - 1} before it is not in the store")
        elif expected != link.previous:
            problems.append(
                f"broken: it does not follow version {event.version - 1}, "
                "which was altered, replaced or reordered"
            )
        self._remember(event.aggregate_id, event.version, link.hash)
        return problems

    async def _hash_before(self, event: LoggedEvent) -> str | None:
        if event.version == 1:
            return GENESIS
        version, hash_ = self._heads.get(event.aggregate_id, (0, ""))
        if version == event.version - 1:
            return hash_
        before = await self.log.link_at(event.aggregate_id, event.version - 1)
        return before.hash if before else None

    def _remember(self, aggregate_id: UUID, version: int, hash_: str) -> None:
        self._heads[aggregate_id] = (version, hash_)
        self._heads.move_to_end(aggregate_id)
        if len(self._heads) > self.remembered:
            self._heads.popitem(last=False)
