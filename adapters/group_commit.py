"""Group commit: saves that arrive while a transaction is being written go into the next one.

One transaction for many notifications is several times cheaper than one each, and nobody is
answered before their own events are committed. While a commit runs, new saves gather; the next
commit takes them all (up to a limit). If a batch conflicts, its saves are retried one by one, so
that only the save that really conflicts fails.

Reads are grouped the same way: the notifications asked for while a read runs are read together
in the next one, with one query and one trip to the store's thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from uuid import UUID

from application.errors import Conflict, NotFound
from application.ports import RecordedEvent

MAX_BATCH = 500


class _Store(Protocol):
    async def save(self, *aggregates: Any) -> None: ...
    async def get_many(self, aggregate_ids: list[UUID]) -> list[Any]: ...
    async def history(self, aggregate_id: UUID) -> list[RecordedEvent]: ...
    async def ping(self) -> None: ...


class GroupCommit:
    def __init__(self, store: _Store, saved: Callable[[Iterable[UUID]], None] | None = None) -> None:
        """`saved` is told the ids of the aggregates whose events were just committed."""
        self._store = store
        self._saved = saved
        self._waiting: list[tuple[list[Any], asyncio.Future[None]]] = []
        self._committing: asyncio.Task[None] | None = None
        self._asked: list[tuple[UUID, asyncio.Future[Any]]] = []
        self._reading: asyncio.Task[None] | None = None

    async def save(self, *aggregates: Any) -> None:
        # Taken from the aggregates now, so that a failed batch can be retried save by save.
        events = [event for aggregate in aggregates for event in aggregate.collect_events()]
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((events, done))
        if self._committing is None or self._committing.done():
            self._committing = asyncio.create_task(self._commit_all())
        await done

    async def get(self, aggregate_id: UUID) -> Any:
        found: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._asked.append((aggregate_id, found))
        if self._reading is None or self._reading.done():
            self._reading = asyncio.create_task(self._read_all())
        return await found

    async def get_many(self, aggregate_ids: list[UUID]) -> list[Any]:
        """Reads many at once, straight from the store: the caller has already grouped them."""
        return await self._store.get_many(aggregate_ids)

    async def history(self, aggregate_id: UUID) -> list[RecordedEvent]:
        return await self._store.history(aggregate_id)

    async def ping(self) -> None:
        await self._store.ping()

    async def _commit_all(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            await self._commit(batch)

    async def _read_all(self) -> None:
        while self._asked:
            batch, self._asked = self._asked[:MAX_BATCH], self._asked[MAX_BATCH:]
            try:
                aggregates = await self._store.get_many([aggregate_id for aggregate_id, _ in batch])
            except Exception as error:
                for _, found in batch:
                    settle(found, error)
                continue
            for (aggregate_id, found), aggregate in zip(batch, aggregates, strict=True):
                if aggregate is None:
                    settle(found, NotFound(aggregate_id))
                else:
                    settle(found, None, aggregate)

    async def _commit(self, batch: list[tuple[list[Any], asyncio.Future[None]]]) -> None:
        try:
            # A list, not a generator: with a generator here, on uvloop (not on asyncio's own
            # loop), the process's small objects grew under a steady load for some 20 minutes.
            await self._store.save(*[event for events, _ in batch for event in events])
        except Conflict as error:
            if len(batch) == 1:
                settle(batch[0][1], error)
                return
            for events, done in batch:
                try:
                    await self._store.save(*events)
                except Exception as single:
                    settle(done, single)
                else:
                    self._tell_saved([events])
                    settle(done, None)
        except Exception as error:
            for _, done in batch:
                settle(done, error)
        else:
            self._tell_saved([events for events, _ in batch])
            for _, done in batch:
                settle(done, None)

    def _tell_saved(self, saved: list[list[Any]]) -> None:
        if self._saved is not None:
            self._saved({event.originator_id for events in saved for event in events})


def settle(done: asyncio.Future[Any], error: BaseException | None, result: Any = None) -> None:
    """Answers a waiting caller with the result or the error, unless it stopped waiting."""
    if done.cancelled():
        return
    if error is None:
        done.set_result(result)
    else:
        done.set_exception(error)
