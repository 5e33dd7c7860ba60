"""A hand-made OpenID provider for the OIDC adapters' tests: discovery and a key set from memory."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from adapters.oidc_keys import JsonObject, ProviderKeys, ProviderUnavailable
from adapters.oidc_tokens import OidcTokens
from tests.identity_provider import SigningKey

ISSUER = "https://login.bank.example/realms/bank"
AUDIENCE = "https://notifications.bank.example"


def public(key: SigningKey, **extra: Any) -> JsonObject:
    private_only = {"d", "p", "q", "dp", "dq", "qi"}
    return {k: v for k, v in key.private_jwk.items() if k not in private_only} | extra


class FakeProvider:
    """Answers discovery and the key set from memory, and records each fetch."""

    def __init__(self, *keys: JsonObject, issuer: str = ISSUER) -> None:
        self.keys, self.issuer = list(keys), issuer
        self.fetched: list[str] = []
        self.down = False
        self.gate: asyncio.Event | None = None

    async def fetch(self, url: str) -> JsonObject:
        self.fetched.append(url)
        if self.gate:
            await self.gate.wait()
        if self.down:
            raise ProviderUnavailable(f"GET {url}: connection refused")
        if url.endswith("/.well-known/openid-configuration"):
            return {"issuer": self.issuer, "jwks_uri": f"{ISSUER}/certs"}
        return {"keys": self.keys}

    @property
    def key_set_fetches(self) -> int:
        return self.fetched.count(f"{ISSUER}/certs")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "azp": "web-banking", "iat": now, "exp": now + 300}
    return {k: v for k, v in (base | {"scope": "notifications:send"} | changes).items() if v is not None}


RSA, EC = SigningKey("rsa-1", "RSA"), SigningKey("ec-1", "EC")


def tokens(provider: FakeProvider, clock: Clock | None = None, client_claim: str = "azp") -> OidcTokens:
    keys = ProviderKeys(ISSUER, fetch=provider.fetch, monotonic=clock or Clock())
    return OidcTokens(keys, AUDIENCE, client_claim)
