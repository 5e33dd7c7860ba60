"""Which of the identity provider's tokens count, on a hand-made key set: algorithms, keys, claims,
scopes, the client. The real provider, over HTTP, is in tests/e2e/test_identity_provider.py."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest

from adapters.oidc_keys import JsonObject
from application.errors import InvalidToken
from domain.access import Scope
from tests.oidc_fakes import AUDIENCE, EC, ISSUER, RSA, FakeProvider, SigningKey, claims, public, tokens


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
