"""The token source on its own, against a real token endpoint: what it caches, for how long, and what
it raises."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from adapters.oauth_tokens import ClientCredentialsTokens, TokenEndpointUnreachable, TokenRefused
from tests.token_endpoint import CLIENT_ID, CLIENT_SECRET, SCOPE, TokenEndpoint


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    started = TokenEndpoint().start()
    yield started
    started.stop()


def tokens(endpoint: TokenEndpoint, now: list[float], secret: str = CLIENT_SECRET) -> ClientCredentialsTokens:
    return ClientCredentialsTokens(endpoint.url, CLIENT_ID, secret, SCOPE, clock=lambda: now[0])


async def test_callers_at_once_share_one_request_to_the_endpoint(endpoint: TokenEndpoint) -> None:
    source = tokens(endpoint, [0.0])
    got = await asyncio.gather(*(source.access_token() for _ in range(5)))
    assert got == [endpoint.current] * 5 and len(endpoint.requests) == 1


async def test_fresh_asks_the_endpoint_even_before_expiry(endpoint: TokenEndpoint) -> None:
    source = tokens(endpoint, [0.0])
    first = await source.access_token()
    assert await source.access_token(fresh=True) != first
    assert len(endpoint.issued) == 2


@pytest.mark.parametrize(("expires_in", "kept_for"), [(30, 27.0), ("3599", 3539.0)])
async def test_a_short_lived_token_is_kept_for_nine_tenths_of_its_life(
    endpoint: TokenEndpoint, expires_in: int | str, kept_for: float
) -> None:
    endpoint.expires_in = expires_in
    now = [0.0]
    source = tokens(endpoint, now)
    first = await source.access_token()
    now[0] = kept_for - 0.001
    assert await source.access_token() == first
    now[0] = kept_for
    assert await source.access_token() != first


async def test_a_token_without_expires_in_is_used_once(endpoint: TokenEndpoint) -> None:
    endpoint.expires_in = None
    source = tokens(endpoint, [0.0])
    assert await source.access_token() != await source.access_token()


async def test_a_refusal_and_an_outage_are_told_apart(endpoint: TokenEndpoint) -> None:
    with pytest.raises(TokenRefused, match="invalid_client"):
        await tokens(endpoint, [0.0], secret="wrong").access_token()
    endpoint.down = 1
    with pytest.raises(TokenEndpointUnreachable, match="HTTP 503"):
        await tokens(endpoint, [0.0]).access_token()
