"""The operators' use cases on the dead-letter queue (`notifications dlq`): see what failed, and send
the notifications still pending back to the queue, each replay recorded as an event."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import structlog

from application.errors import ApplicationError, Conflict, QueueUnavailable, StoreUnavailable
from application.ports import DeadLetter, DeadLetterQueue, EventStore
from domain.notification import Notification, NotPending

log = structlog.get_logger("notifications")
SAVE_TRIES = 3  # a worker may record a claim meanwhile (a duplicate message): read again, retry


class NotDeadLettered(ApplicationError):
    """Notifications named for a replay have no message in the dead-letter queue."""

    def __init__(self, ids: Sequence[UUID]) -> None:
        names = ", ".join(str(i) for i in ids)
        super().__init__(f"no dead-lettered message for notification {names}; nothing was replayed")


@dataclass(frozen=True)
class Listed:
    """A dead-lettered message and its notification as the event store has it (None when the message
    is unreadable or names a notification the store does not hold)."""

    letter: DeadLetter
    notification: Notification | None


class Outcome(enum.Enum):
    REPLAYED = "replayed"
    DUPLICATE = "duplicate"  # another message of a notification replayed in the same run: removed
    NOT_PENDING = "not pending"
    UNKNOWN = "unknown"  # the event store holds no such notification
    UNREADABLE = "unreadable"
    FAILED = "failed"  # the queue refused; the message stays in the dead-letter queue


@dataclass(frozen=True)
class Replay:
    letter: DeadLetter
    outcome: Outcome
    notification: Notification | None = None
    error: str = ""


class DeadLetters:
    def __init__(self, queue: DeadLetterQueue, store: EventStore) -> None:
        self.queue = queue
        self.store = store

    async def list_dead_letters(self) -> tuple[list[Listed], int]:
        """Returns the dead-lettered messages, left in the queue, each with its notification, and
        how many the queue holds in all. Raises QueueUnavailable, NoDeadLetterQueue, StoreUnavailable."""
        letters, total = await self.queue.peek()
        notifications = await self._notifications(letters)
        return [Listed(letter, notifications.get(_id(letter))) for letter in letters], total

    async def replay(self, ids: Sequence[UUID] | None, operator: str) -> list[Replay]:
        """Sends the named notifications' dead-lettered messages (all, for None) back to the queue.

        Each replay is first recorded as `DeadLetterReplayed` (so a worker cannot finish the
        notification between the check and the record), then sent, then deleted from the
        dead-letter queue. A notification no longer pending is not replayed; its message stays.
        Raises NotDeadLettered, before anything is replayed, if a named id has no message there.
        """
        letters = await self.queue.take()
        handled: set[int] = set()
        try:
            chosen = _choose(letters, ids)
            notifications = await self._notifications(chosen)
            replays, replayed = [], set[UUID]()
            for letter in chosen:
                result = await self._replay_one(letter, notifications.get(_id(letter)), replayed, operator)
                replays.append(result)
                if result.outcome in (Outcome.REPLAYED, Outcome.DUPLICATE):
                    handled.add(id(letter))
            return replays
        finally:
            await self._release([letter for letter in letters if id(letter) not in handled])

    async def _replay_one(
        self, letter: DeadLetter, notification: Notification | None, replayed: set[UUID], operator: str
    ) -> Replay:
        if letter.message is None:
            return Replay(letter, Outcome.UNREADABLE)
        if notification is None:
            return Replay(letter, Outcome.UNKNOWN)
        try:
            if notification.id in replayed:
                await self.queue.remove(letter)
                return Replay(letter, Outcome.DUPLICATE, notification)
            notification = await self._record(notification, operator)
            await self.queue.replay(letter)
        except NotPending:
            return Replay(letter, Outcome.NOT_PENDING, notification)
        except (QueueUnavailable, StoreUnavailable, Conflict) as error:
            return Replay(letter, Outcome.FAILED, notification, str(error).splitlines()[0])
        replayed.add(notification.id)
        log.info("dead_letter.replayed", notification_id=str(notification.id), operator=operator)
        return Replay(letter, Outcome.REPLAYED, notification)

    async def _record(self, notification: Notification, operator: str) -> Notification:
        for attempt in range(1, SAVE_TRIES + 1):
            notification.replay_dead_letter(self.queue.name, operator)
            try:
                await self.store.save(notification)
                return notification
            except Conflict:
                if attempt == SAVE_TRIES:
                    raise
                notification = await self.store.get(notification.id)
        raise AssertionError("unreachable")

    async def _notifications(self, letters: Sequence[DeadLetter]) -> dict[UUID | None, Notification]:
        ids = list(dict.fromkeys(i for i in map(_id, letters) if i is not None))
        found = await self.store.get_many(ids)
        return {i: n for i, n in zip(ids, found, strict=True) if isinstance(n, Notification)}

    async def _release(self, letters: Sequence[DeadLetter]) -> None:
        for letter in letters:
            try:
                await self.queue.release(letter)
            except QueueUnavailable as error:  # it comes back by itself when its hold ends
                log.warning("dead_letter.release_failed", error=str(error).splitlines()[0])


def _choose(letters: Sequence[DeadLetter], ids: Sequence[UUID] | None) -> list[DeadLetter]:
    if ids is None:
        return list(letters)
    wanted = set(ids)
    chosen = [letter for letter in letters if _id(letter) in wanted]
    missing = [i for i in dict.fromkeys(ids) if i not in {_id(letter) for letter in chosen}]
    if missing:
        raise NotDeadLettered(missing)
    return chosen


def _id(letter: DeadLetter) -> UUID | None:
    return letter.message.notification_id if letter.message else None
