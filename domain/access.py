"""Who may send and read: the register of access tokens, issued and revoked as events."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

REGISTER_ID = uuid5(UUID("6f1c1d52-5c1e-4c61-9a43-2f0e0a7b9d10"), "access-tokens")


class Scope(enum.StrEnum):
    SEND = "notifications:send"
    READ = "notifications:read"


@dataclass(frozen=True)
class TokenRecord:
    id: UUID
    client: str
    scopes: tuple[Scope, ...]
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class AccessTokens(Aggregate):
    """Every token ever issued, whether it still stands, and since when it does not."""

    @staticmethod
    def create_id() -> UUID:
        return REGISTER_ID

    @event("Opened")
    def __init__(self) -> None:
        self.tokens: dict[UUID, TokenRecord] = {}

    @property
    def revoked(self) -> frozenset[UUID]:
        return frozenset(t.id for t in self.tokens.values() if t.revoked_at is not None)

    def issue(
        self, token_id: UUID, client: str, scopes: list[Scope], issued_at: datetime, expires_at: datetime
    ) -> None:
        if not client.strip() or len(client) > 128 or any(c.isspace() for c in client):
            raise InvalidClient("a client name is 1 to 128 characters without spaces")
        if not scopes:
            raise InvalidClient("a token needs at least one scope")
        if expires_at <= issued_at:
            raise InvalidClient("a token must expire after it is issued")
        self._token_issued(
            token_id=token_id,
            client=client,
            scopes=[str(s) for s in scopes],
            issued_at=issued_at,
            expires_at=expires_at,
        )

    def revoke(self, token_id: UUID, revoked_at: datetime) -> None:
        """Revokes a token; revoking it again changes nothing."""
        if token_id not in self.tokens:
            raise UnknownToken(token_id)
        if self.tokens[token_id].revoked_at is None:
            self._token_revoked(token_id=token_id, revoked_at=revoked_at)

    @event("TokenIssued")
    def _token_issued(
        self, token_id: UUID, client: str, scopes: list[str], issued_at: datetime, expires_at: datetime
    ) -> None:
        self.tokens[token_id] = TokenRecord(
            token_id, client, tuple(Scope(s) for s in scopes), issued_at, expires_at
        )

    @event("TokenRevoked")
    def _token_revoked(self, token_id: UUID, revoked_at: datetime) -> None:
        self.tokens[token_id] = replace(self.tokens[token_id], revoked_at=revoked_at)


class InvalidClient(ValueError):
    pass


class UnknownToken(LookupError):
    pass
