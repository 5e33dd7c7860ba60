"""The OIDC adapters' edges, on a hand-made key set: when keys are fetched, which keys and claims
count. The real provider, over HTTP, is in tests/e2e/test_identity_provider.py."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import jwt
import pytest

from adapters.oidc_keys import JsonObject, ProviderKeys, ProviderUnavailable
from adapters.oidc_tokens import OidcTokens
from application.errors import InvalidToken
from domain.access import Scope
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


async def test_keys_are_fetched_once_and_then_answered_from_the_cache() -> None:
    provider = FakeProvider(public(RSA))
    verifier = tokens(provider)
    for _ in range(3):
        await verifier.verify(RSA.sign(claims(), "RS256"))
    assert provider.fetched == [f"{ISSUER}/.well-known/openid-configuration", f"{ISSUER}/certs"]


async def test_an_unknown_kid_fetches_again_at_most_once_per_30_seconds() -> None:
    provider, clock = FakeProvider(public(RSA)), Clock()
    verifier = tokens(provider, clock)
    await verifier.verify(RSA.sign(claims(), "RS256"))
    strangers = [SigningKey(f"rsa-x{n}", "RSA") for n in range(3)]
    for stranger in strangers[:2]:
        with pytest.raises(InvalidToken, match="publishes"):
            await verifier.verify(stranger.sign(claims(), "RS256"))
    assert provider.key_set_fetches == 2
    clock.now += 29.9
    provider.keys.append(public(strangers[2]))
    with pytest.raises(InvalidToken, match="publishes"):
        await verifier.verify(strangers[2].sign(claims(), "RS256"))
    clock.now += 0.1
    assert (await verifier.verify(strangers[2].sign(claims(), "RS256"))).client == "web-banking"
    assert provider.key_set_fetches == 3


async def test_requests_waiting_for_keys_share_one_fetch_and_known_keys_never_wait() -> None:
    provider = FakeProvider(public(RSA), public(EC))
    verifier = tokens(provider)
    await verifier.verify(RSA.sign(claims(), "RS256"))
    rotated = SigningKey("rsa-2", "RSA")
    provider.keys.append(public(rotated))
    provider.gate = asyncio.Event()
    waiting = [
        asyncio.create_task(verifier.verify(rotated.sign(claims(jti=str(n)), "RS256"))) for n in range(5)
    ]
    await asyncio.sleep(0)
    assert (await verifier.verify(EC.sign(claims(), "ES256"))).client == "web-banking"
    assert not any(task.done() for task in waiting)
    provider.gate.set()
    assert len(await asyncio.gather(*waiting)) == 5
    assert provider.key_set_fetches == 2


async def test_a_provider_that_is_down_leaves_the_cached_keys_in_use() -> None:
    provider = FakeProvider(public(RSA))
    verifier = tokens(provider)
    await verifier.verify(RSA.sign(claims(), "RS256"))
    provider.down = True
    with pytest.raises(InvalidToken, match="publishes"):
        await verifier.verify(SigningKey("rsa-2", "RSA").sign(claims(), "RS256"))
    assert (await verifier.verify(RSA.sign(claims(jti="new"), "RS256"))).client == "web-banking"


async def test_after_10_minutes_a_known_key_refreshes_the_set_in_the_background() -> None:
    provider, clock = FakeProvider(public(RSA), public(EC)), Clock()
    verifier = tokens(provider, clock)
    await verifier.verify(RSA.sign(claims(), "RS256"))
    provider.keys = [public(EC)]  # the provider withdraws its RSA key
    clock.now += 599
    await verifier.verify(RSA.sign(claims(jti="1"), "RS256"))
    assert provider.key_set_fetches == 1
    clock.now += 1
    provider.gate = asyncio.Event()
    await verifier.verify(RSA.sign(claims(jti="2"), "RS256"))  # answered from the cache, without waiting
    provider.gate.set()
    for _ in range(10):  # lets the background fetch finish: the fake answers at once
        await asyncio.sleep(0)
    assert provider.key_set_fetches == 2
    with pytest.raises(InvalidToken, match="publishes"):
        await verifier.verify(RSA.sign(claims(jti="3"), "RS256"))


async def test_a_key_republished_for_another_algorithm_no_longer_takes_the_old_one() -> None:
    provider, clock = FakeProvider(public(RSA)), Clock()
    verifier = tokens(provider, clock)
    await verifier.verify(RSA.sign(claims(), "RS256"))
    provider.keys = [public(RSA, alg="PS256")]
    clock.now += 600
    await verifier.verify(RSA.sign(claims(jti="1"), "RS256"))  # starts the refresh
    for _ in range(10):
        await asyncio.sleep(0)
    with pytest.raises(InvalidToken, match="not the one its key is for"):
        await verifier.verify(RSA.sign(claims(jti="2"), "RS256"))
    assert (await verifier.verify(RSA.sign(claims(jti="3"), "PS256"))).client == "web-banking"


async def test_a_failed_first_try_also_waits_30_seconds_before_the_next() -> None:
    provider, clock = FakeProvider(public(RSA)), Clock()
    provider.down = True
    verifier = tokens(provider, clock)
    with pytest.raises(InvalidToken, match="publishes"):
        await verifier.verify(RSA.sign(claims(), "RS256"))
    provider.down = False
    clock.now += 29
    with pytest.raises(InvalidToken, match="publishes"):
        await verifier.verify(RSA.sign(claims(), "RS256"))
    assert len(provider.fetched) == 1
    clock.now += 1
    assert (await verifier.verify(RSA.sign(claims(), "RS256"))).client == "web-banking"


@pytest.mark.parametrize("answer", [{"keys": "none"}, {"keys": [{"kty": "RSA", "kid": "rsa-1", "n": "?"}]}])
async def test_a_key_set_that_cannot_be_read_is_a_401_not_a_5xx(answer: JsonObject) -> None:
    provider = FakeProvider()
    provider.keys = answer["keys"]
    with pytest.raises(InvalidToken):
        await tokens(provider).verify(RSA.sign(claims(), "RS256"))


async def test_a_discovery_document_naming_another_issuer_gives_no_keys() -> None:
    verifier = tokens(FakeProvider(public(RSA), issuer="https://evil.example"))
    with pytest.raises(InvalidToken, match="publishes"):
        await verifier.verify(RSA.sign(claims(), "RS256"))


@pytest.mark.parametrize(
    ("published", "signed_with", "algorithm"),
    [
        (public(RSA), RSA, "RS256"),
        (public(RSA), RSA, "PS256"),
        (public(RSA, alg="PS256"), RSA, "PS256"),
        (public(EC), EC, "ES256"),
    ],
)
async def test_each_algorithm_the_key_allows_is_accepted(
    published: JsonObject, signed_with: SigningKey, algorithm: str
) -> None:
    verifier = tokens(FakeProvider(published))
    assert (await verifier.verify(signed_with.sign(claims(), algorithm))).scopes == (Scope.SEND,)


@pytest.mark.parametrize(
    ("published", "algorithm"),
    [(public(RSA, alg="RS256"), "PS256"), (public(RSA, alg="PS256"), "RS256"), (public(RSA), "RS512")],
)
async def test_an_algorithm_the_key_does_not_fix_is_refused(published: JsonObject, algorithm: str) -> None:
    verifier = tokens(FakeProvider(published))
    with pytest.raises(InvalidToken, match=r"algorithm|RS256, PS256 or ES256"):
        await verifier.verify(RSA.sign(claims(), algorithm))


async def test_an_ec_key_on_another_curve_is_not_taken_for_es256() -> None:
    verifier = tokens(FakeProvider(public(EC, crv="P-384", alg="ES256")))
    with pytest.raises(InvalidToken, match="not the one its key is for"):
        await verifier.verify(EC.sign(claims(), "ES256"))


async def test_a_symmetric_key_in_the_key_set_is_never_used() -> None:
    secret = b"a shared secret published by mistake, 32+ bytes"
    oct_key = {"kty": "oct", "kid": "oct-1", "k": base64.urlsafe_b64encode(secret).decode().rstrip("=")}
    verifier = tokens(FakeProvider(oct_key))
    token = jwt.encode(claims(), secret, algorithm="HS256", headers={"kid": "oct-1"})
    with pytest.raises(InvalidToken, match="RS256, PS256 or ES256"):
        await verifier.verify(token)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"aud": None}, "aud"),
        ({"aud": "https://another-api.example"}, "Audience"),
        ({"exp": None}, "exp"),
        ({"iat": int(time.time()) + 3600}, "iat"),
        ({"nbf": int(time.time()) + 3600}, "not yet valid"),
        ({"exp": 10**20}, "out of range"),
        ({"exp": "tomorrow"}, "exp"),
        ({"azp": None, "client_id": None, "sub": None}, "names no client"),
        ({"scope": 42}, "scope"),
    ],
)
async def test_a_token_with_claims_we_cannot_accept_is_refused(changes: dict[str, Any], why: str) -> None:
    verifier = tokens(FakeProvider(public(RSA)))
    with pytest.raises(InvalidToken, match=why):
        await verifier.verify(RSA.sign(claims(**changes), "RS256"))


@pytest.mark.parametrize(
    ("changes", "scopes"),
    [
        ({"scope": "openid notifications:read notifications:send"}, {Scope.READ, Scope.SEND}),
        ({"scope": None, "scp": "notifications:read"}, {Scope.READ}),
        ({"scope": None, "scp": ["notifications:send", "profile"]}, {Scope.SEND}),
        ({"scope": None}, set()),
        ({"aud": ["https://other.example", AUDIENCE]}, {Scope.SEND}),
    ],
)
async def test_scopes_come_from_scope_or_scp(changes: dict[str, Any], scopes: set[Scope]) -> None:
    verifier = tokens(FakeProvider(public(RSA)))
    assert set((await verifier.verify(RSA.sign(claims(**changes), "RS256"))).scopes) == scopes


@pytest.mark.parametrize(
    ("client_claim", "changes", "client"),
    [
        ("azp", {}, "web-banking"),
        ("azp", {"azp": None, "client_id": "from-client-id", "sub": "from-sub"}, "from-client-id"),
        ("azp", {"azp": None, "sub": "from-sub"}, "from-sub"),
        ("appid", {"appid": "entra-app"}, "entra-app"),
        ("appid", {}, "web-banking"),
    ],
)
async def test_the_client_comes_from_the_configured_claim_then_client_id_then_sub(
    client_claim: str, changes: dict[str, Any], client: str
) -> None:
    verifier = tokens(FakeProvider(public(RSA)), client_claim=client_claim)
    if client_claim == "appid" and not changes:  # the claim absent: azp is not a fallback, client_id is
        changes = {"azp": None, "client_id": "web-banking"}
    assert (await verifier.verify(RSA.sign(claims(**changes), "RS256"))).client == client


def test_only_a_token_naming_the_issuer_is_routed_to_the_provider() -> None:
    verifier = tokens(FakeProvider(public(RSA)))
    assert verifier.issued(RSA.sign(claims(), "RS256"))
    assert not verifier.issued(RSA.sign(claims(iss="notifications"), "RS256"))
    for garbage in ["", "a.b.c", "x.!!!.y", "e30.W10.e30", "." * 5, json.dumps({"iss": ISSUER})]:
        assert not verifier.issued(garbage)
