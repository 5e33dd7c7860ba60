"""OAuth 2.0 access tokens for XOAUTH2 logins (SMTP, and IMAP), cached until shortly before they expire.

Two sources, one contract (`OAuthTokens.access_token`): the client-credentials grant (RFC 6749 §4.4)
at any token endpoint, through authlib (Microsoft 365, any standard server); and a Google service
account with domain-wide delegation, through google-auth (`adapters.google_tokens`). A token is
offered until `EARLY_SECONDS` (or a tenth of its lifetime, if shorter) before its `expires_in`
runs out, never after; a token without `expires_in` is used once. Tokens never appear in errors.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Literal

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

EARLY_SECONDS = 60.0
ClientAuth = Literal["client_secret_basic", "client_secret_post"]


class TokenError(Exception):
    """No access token could be had; the message says why, without any secret."""


class TokenEndpointUnreachable(TokenError):
    """The token endpoint could not be reached or failed (network, timeout, 5xx): try again later."""


class TokenRefused(TokenError):
    """The token endpoint answered with an OAuth error (RFC 6749 §5.2), e.g. `invalid_client`."""


class OAuthTokens(ABC):
    """An access token from the cache, or a new one from the source when it is (nearly) expired."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._token = ""
        self._good_until = 0.0
        self._lock: asyncio.Lock | None = None

    async def access_token(self, fresh: bool = False) -> str:
        """The current access token; `fresh=True` asks the source for a new one even if the cached
        one has not expired (a server refused it). Raises `TokenEndpointUnreachable` or
        `TokenRefused`; concurrent callers share one request to the source."""
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if fresh or not self._token or self._clock() >= self._good_until:
                self._token = ""
                token, lifetime = await self._fetch()
                self._token = token
                self._good_until = self._clock() + lifetime - min(EARLY_SECONDS, lifetime / 10)
            return self._token

    @abstractmethod
    async def _fetch(self) -> tuple[str, float]:
        """A new token and its lifetime in seconds (0 when the source gave none)."""


class ClientCredentialsTokens(OAuthTokens):
    """The client-credentials grant (RFC 6749 §4.4): a form POST to `token_url` with the client
    authenticated by HTTP Basic (`client_secret_basic`, RFC 6749 §2.3.1, which every server must
    take) or by form fields (`client_secret_post`); the JSON answer's `access_token` and
    `expires_in` (RFC 6749 §5.1)."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str = "",
        client_auth: ClientAuth = "client_secret_basic",
        timeout: float = 20.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock)
        self.token_url = token_url
        self._client = {
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": scope or None,
            "token_endpoint_auth_method": client_auth,
            "timeout": timeout,
        }

    async def _fetch(self) -> tuple[str, float]:
        try:
            async with AsyncOAuth2Client(**self._client) as client:
                answer = await client.fetch_token(self.token_url, grant_type="client_credentials")
        except OAuthError as error:
            described = f" ({error.description})" if error.description else ""
            raise TokenRefused(f"the token endpoint refused us: {error.error}{described}") from None
        except httpx2.HTTPStatusError as error:
            status = error.response.status_code
            failed = TokenEndpointUnreachable if status >= 500 or status == 429 else TokenRefused
            raise failed(f"the token endpoint answered HTTP {status}") from None
        except (httpx2.HTTPError, ValueError) as error:  # ValueError: an answer that is not JSON
            raise TokenEndpointUnreachable(f"cannot reach the token endpoint: {error}") from None
        return _token_of(answer)


def _token_of(answer: dict[str, object]) -> tuple[str, float]:
    token, lifetime = answer.get("access_token"), answer.get("expires_in", 0)
    if not isinstance(token, str) or not token:
        raise TokenRefused("the token endpoint answered without an access_token")
    try:
        return token, max(float(lifetime), 0.0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return token, 0.0
