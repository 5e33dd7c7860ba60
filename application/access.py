"""Use cases of access: issue, revoke and list tokens, and tell who a bearer token speaks for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID, uuid4

import structlog

from application.errors import InvalidToken
from application.ports import Clock, EventStore, IdentityProviderTokens, TokenAuthority, TokenClaims
from application.registers import change_register, read_register
from domain.access import AccessTokens, Scope, TokenRecord

log = structlog.get_logger("notifications")

Change = Callable[[AccessTokens], None]


@dataclass(frozen=True)
class Principal:
    """Who a request speaks for. `token_id` names a token of our register; None for a token from
    the identity provider, which the register does not know (nor can `token revoke` reach)."""

    client: str
    scopes: frozenset[Scope]
    token_id: UUID | None


class Access:
    def __init__(
        self,
        store: EventStore,
        authority: TokenAuthority,
        clock: Clock,
        identity_provider: IdentityProviderTokens | None = None,
    ) -> None:
        self.store = store
        self.authority = authority
        self.clock = clock
        self.identity_provider = identity_provider
        self._revoked: frozenset[UUID] = frozenset()

    async def issue_token(
        self, client: str, scopes: list[Scope], expires_in: timedelta
    ) -> tuple[TokenRecord, str]:
        """Records a new token in the register and returns it with its signed form, shown once."""
        token_id, now = uuid4(), self.clock.now()
        # Signed before it is recorded, so that a process that cannot sign records no token.
        token = self.authority.sign(TokenClaims(token_id, client, tuple(scopes), now, now + expires_in))
        register = await self._change_register(
            lambda r: r.issue(token_id, client, scopes, now, now + expires_in)
        )
        record = register.tokens[token_id]
        log.info("token.issued", token_id=str(token_id), client=client, scopes=[s.value for s in scopes])
        return record, token

    async def revoke_token(self, token_id: UUID) -> TokenRecord:
        now = self.clock.now()
        register = await self._change_register(lambda r: r.revoke(token_id, now))
        self._revoked = register.revoked
        log.info("token.revoked", token_id=str(token_id), client=register.tokens[token_id].client)
        return register.tokens[token_id]

    async def list_tokens(self) -> list[TokenRecord]:
        register = await self._register()
        return sorted(register.tokens.values(), key=lambda t: t.issued_at)

    async def refresh_revocations(self) -> None:
        """Reads the revocations recorded by any process since the last refresh."""
        self._revoked = (await self._register()).revoked

    async def authenticate(self, token: str) -> Principal:
        """Returns who the token speaks for. Raises InvalidToken, also for a revoked token.

        A token naming the identity provider as its issuer is verified by the provider's keys
        only; any other by our own key only. The issuer chooses, the signature decides.
        """
        provider = self.identity_provider
        if provider is not None and provider.issued(token):
            claims = await provider.verify(token)
            return Principal(claims.client, frozenset(claims.scopes), None)
        claims = self.authority.verify(token)
        if claims.token_id in self._revoked:
            raise InvalidToken("the token has been revoked")
        return Principal(claims.client, frozenset(claims.scopes), claims.token_id)

    async def _register(self) -> AccessTokens:
        return await read_register(self.store, AccessTokens)

    async def _change_register(self, change: Change) -> AccessTokens:
        return await change_register(self.store, AccessTokens, change, "token")
