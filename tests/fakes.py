"""Fakes for the ports that record what they were asked, for the unit tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl
from uuid import UUID, uuid4

from application.errors import DeliveryError, ForgedCallback, InvalidToken, QueueUnavailable, StoreUnavailable
from application.ports import DeadLetter, LoggedRequest, Progress, StatusUpdate, TokenClaims
from domain.access import Scope
from domain.notification import Notification, Receipt


class RecordingProvider:
    """Takes every message, or fails with the errors it is given, in order, first."""

    def __init__(self, failures: Iterable[DeliveryError] = (), awaiting_confirmation: bool = False) -> None:
        self.failures = list(failures)
        self.awaiting_confirmation = awaiting_confirmation
        self.delivered: list[Notification] = []
        self.calls = 0

    async def deliver(self, notification: Notification) -> Receipt:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.delivered.append(notification)
        return Receipt("fake", f"fake-{self.calls}", awaiting_confirmation=self.awaiting_confirmation)


class FakeCallbacks:
    """Reads callbacks signed "signed", whose form names the notification and its progress; records
    every callback it is shown."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, bytes, str]] = []

    def read(self, query: str, form: bytes, signature: str) -> StatusUpdate:
        self.shown.append((query, form, signature))
        if signature != "signed":
            raise ForgedCallback("the signature does not match")
        fields = dict(parse_qsl(form.decode()))
        return StatusUpdate(
            notification_id=UUID(fields["id"]),
            provider="fake",
            provider_message_id=fields.get("sid"),
            progress=Progress(fields["progress"]),
            code=fields.get("code", ""),
            description=fields.get("description", ""),
        )


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current


class FakeIdentityProvider:
    """Claims the tokens that start with `idp.`; records the tokens it was asked to verify."""

    def __init__(self, client: str = "web-banking", scopes: tuple[Scope, ...] = (Scope.SEND,)) -> None:
        self.client, self.scopes = client, scopes
        self.verified: list[str] = []

    def issued(self, token: str) -> bool:
        return token.startswith("idp.")

    async def verify(self, token: str) -> TokenClaims:
        self.verified.append(token)
        if token.endswith(".bad"):
            raise InvalidToken("badly signed")
        now = datetime.now(UTC)
        return TokenClaims(None, self.client, self.scopes, now, now + timedelta(minutes=5))


class FakeDeadLetterQueue:
    """Dead letters held in a list; records what was replayed, removed and released. A replay of a
    notification in `failing` raises QueueUnavailable."""

    name = "notifications-dead"

    def __init__(self, letters: Iterable[DeadLetter], failing: Iterable[UUID] = ()) -> None:
        self.letters = list(letters)
        self.failing = set(failing)
        self.replayed: list[DeadLetter] = []
        self.removed: list[DeadLetter] = []
        self.released: list[DeadLetter] = []

    async def peek(self) -> tuple[list[DeadLetter], int]:
        return list(self.letters), len(self.letters)

    async def take(self) -> list[DeadLetter]:
        return list(self.letters)

    async def replay(self, letter: DeadLetter) -> None:
        if letter.message and letter.message.notification_id in self.failing:
            raise QueueUnavailable("SQS: the queue is down\nsecond line")
        self.replayed.append(letter)
        self.letters = [kept for kept in self.letters if kept is not letter]

    async def remove(self, letter: DeadLetter) -> None:
        self.removed.append(letter)
        self.letters = [kept for kept in self.letters if kept is not letter]

    async def release(self, letter: DeadLetter) -> None:
        self.released.append(letter)


class RequestLogFake:
    """A request log holding `requests`, with the relay's tracked position; counts its reads."""

    def __init__(self, requests: list[LoggedRequest], tracked: int, failing: bool = False) -> None:
        self.requests, self.tracked, self.failing = requests, tracked, failing
        self.reads = 0

    @staticmethod
    def some(count: int) -> list[tuple[int, UUID]]:
        return [(position, uuid4()) for position in range(1, count + 1)]

    async def requested_after(self, position: int, limit: int) -> list[LoggedRequest]:
        self.reads += 1
        if self.failing:
            raise StoreUnavailable("the store is down")
        return [r for r in self.requests if r.position > position][:limit]

    async def position(self, reader: str) -> int:
        return self.tracked

    async def track(self, reader: str, position: int) -> None:
        self.tracked = max(self.tracked, position)


class QueueOfDepth:
    """A queue that says it holds `count` messages, or fails to say (None); nothing else."""

    def __init__(self, count: int | None) -> None:
        self.count = count

    async def depth(self) -> int:
        if self.count is None:
            raise QueueUnavailable("the queue is down")
        return self.count
