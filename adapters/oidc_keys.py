"""The identity provider's signing keys: found through OpenID Connect Discovery, cached, re-fetched
when a token names a key we do not know (the provider rotated its keys), at most once per 30 s.

Discovery: `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0, section 4),
whose `issuer` must be the configured one exactly (section 4.3), and whose `jwks_uri` is a JWK Set
(RFC 7517, section 5). Fetches run on the event loop (httpx, asyncio): concurrent requests that
need keys wait for the same fetch, and requests whose key is cached never wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import structlog

log = structlog.get_logger("notifications")

JsonObject = dict[str, Any]
Fetch = Callable[[str], Awaitable[JsonObject]]
REFETCH_INTERVAL = 30.0
"""Seconds between two fetches that tokens caused: unknown key ids cannot make us hammer the provider."""
MAX_AGE = 600.0
"""Seconds after which a token whose key is cached starts a refresh in the background, so that keys
the provider withdrew stop being accepted (as panva's jose caches a key set: 10 minutes)."""
FETCH_TIMEOUT = 5.0
"""Seconds one request to the provider may take: a request waiting for keys waits at most this twice."""


class ProviderUnavailable(Exception):
    """The provider's discovery document or key set could not be read, or is not what it must be."""


async def fetch_json(url: str) -> JsonObject:
    """GETs a JSON object. Raises ProviderUnavailable for any failure, with a line that says why."""
    try:
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, follow_redirects=False) as client:
            answer = await client.get(url, headers={"Accept": "application/json"})
        answer.raise_for_status()
        document = answer.json()
    except (httpx.HTTPError, ValueError) as error:
        raise ProviderUnavailable(f"GET {url}: {error}") from None
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"GET {url}: not a JSON object")
    return document


class ProviderKeys:
    """The provider's published signing keys by key id (`kid`), as JWKs."""

    def __init__(
        self,
        issuer: str,
        fetch: Fetch = fetch_json,
        refetch_interval: float = REFETCH_INTERVAL,
        max_age: float = MAX_AGE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.issuer = issuer
        self.fetch, self.refetch_interval, self.monotonic = fetch, refetch_interval, monotonic
        self.max_age = max_age
        self._loaded_at = 0.0
        self._jwks_uri: str | None = None
        self._keys: dict[str | None, JsonObject] = {}
        self._loading: asyncio.Task[None] | None = None
        self._last_fetch_by_token: float | None = None

    async def key(self, kid: str | None) -> JsonObject | None:
        """Returns the published key with this id (None: the only key, if there is one), or None.

        An unknown id makes one fetch of the key set, unless a token made one in the last
        `refetch_interval` seconds (a first key set loaded does not count; a failed try does);
        while the provider is down, the cached keys still answer.
        """
        if (found := self._cached(kid)) is not None:
            if self.monotonic() - self._loaded_at >= self.max_age and self._may_fetch():
                self._loading = asyncio.create_task(self._load())  # the request does not wait
            return found
        if self._loading is None:
            first = self._last_fetch_by_token
            if not self._may_fetch():
                return None
            self._loading = asyncio.create_task(self._load(counted_if_first=first))
        await asyncio.shield(self._loading)
        return self._cached(kid)

    def _may_fetch(self) -> bool:
        """Whether a token may start a fetch now; if so, the fetch counts from now."""
        now, last = self.monotonic(), self._last_fetch_by_token
        if self._loading is not None or (last is not None and now - last < self.refetch_interval):
            return False
        self._last_fetch_by_token = now
        return True

    def start_loading(self) -> None:
        """Starts fetching the key set in the background (at start-up): a provider that is down is
        logged, and delays nothing; the first token then fetches again."""
        if self._loading is None:
            self._loading = asyncio.create_task(self._load())

    def _cached(self, kid: str | None) -> JsonObject | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid) if kid is not None else None

    async def _load(self, counted_if_first: float | None = None) -> None:
        try:
            keys = await self._fetch_keys()
        except Exception as error:  # whatever the provider answers, keep the keys we have: never a 5xx
            log.warning("oidc.keys_unavailable", issuer=self.issuer, error=str(error), cached=len(self._keys))
        else:
            if not self._keys:
                self._last_fetch_by_token = counted_if_first
            self._keys, self._loaded_at = keys, self.monotonic()
            log.info("oidc.keys_loaded", issuer=self.issuer, kids=sorted(str(k) for k in keys))
        finally:
            self._loading = None

    async def _fetch_keys(self) -> dict[str | None, JsonObject]:
        if self._jwks_uri is None:
            self._jwks_uri = await self._discover()
        document = await self.fetch(self._jwks_uri)
        keys = document.get("keys")
        if not isinstance(keys, list):
            raise ProviderUnavailable(f"{self._jwks_uri} holds no `keys` list")
        signing = [k for k in keys if isinstance(k, dict) and k.get("use", "sig") == "sig"]
        return {k.get("kid") if isinstance(k.get("kid"), str) else None: k for k in signing}

    async def _discover(self) -> str:
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        document = await self.fetch(url)
        if document.get("issuer") != self.issuer:
            raise ProviderUnavailable(
                f"{url} names the issuer {document.get('issuer')!r}, not {self.issuer!r}"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise ProviderUnavailable(f"{url} names no jwks_uri")
        return jwks_uri
