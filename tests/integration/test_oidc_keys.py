"""When the identity provider's keys are fetched, on a hand-made key set. The real provider, over
HTTP, is in tests/e2e/test_identity_provider.py."""

from __future__ import annotations

import asyncio

import pytest

from adapters.oidc_keys import JsonObject
from application.errors import InvalidToken
from tests.oidc_fakes import EC, ISSUER, RSA, Clock, FakeProvider, SigningKey, claims, public, tokens


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
