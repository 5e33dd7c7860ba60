"""Access tokens from the identity provider, verified with PyJWT against the provider's published keys.

The signing algorithm is fixed by the key, never by the token: a key's `alg` if the JWK names one,
else its type (RSA: RS256 or PS256; EC on P-256: ES256). HMAC and `none` are never accepted, so a
token "signed" with a public key as an HMAC secret is refused (RFC 8725, sections 2.1 and 3.1).
Claims follow RFC 9068 (JWT access tokens) as providers issue them: `iss` and `aud` and `exp`
required, `iat` and `nbf` checked with a 60 s leeway; every failure raises InvalidToken (a 401).
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import jwt

from adapters.oidc_keys import JsonObject, ProviderKeys
from application.errors import InvalidToken
from application.ports import TokenClaims
from domain.access import Scope

ACCEPTED = {"RS256": "RSA", "PS256": "RSA", "ES256": "EC"}
"""The algorithms accepted, with the key type (`kty`) each needs."""
LEEWAY_SECONDS = 60
VERIFIED_CACHE_SIZE = 10_000
_SCOPES = {scope.value: scope for scope in Scope}


class OidcTokens:
    """Verifies the provider's access tokens; `client_claim` names the claim that identifies the
    client (falling back to `client_id`, then `sub`)."""

    def __init__(self, keys: ProviderKeys, audience: str, client_claim: str = "azp") -> None:
        self.keys, self.issuer, self.audience = keys, keys.issuer, audience
        self.client_claims = list(dict.fromkeys([client_claim, "client_id", "sub"]))
        self._verified: dict[str, TokenClaims] = {}
        self._routes: dict[str, bool] = {}
        self._parsed: dict[tuple[str, ...], jwt.PyJWK] = {}

    def issued(self, token: str) -> bool:
        # Remembered per token: reading the payload costs more than the rest of the check of a
        # token verified before, and the same tokens come back on every request.
        known = self._routes.get(token)
        if known is None:
            if len(self._routes) >= VERIFIED_CACHE_SIZE:
                self._routes.clear()
            known = self._routes[token] = _unverified_issuer(token) == self.issuer
        return known

    async def verify(self, token: str) -> TokenClaims:
        claims = self._verified.get(token)
        if claims is None:
            claims = await self._verify(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        if claims.expires_at <= datetime.now(UTC):
            self._verified.pop(token, None)
            raise InvalidToken("the token has expired")
        return claims

    async def _verify(self, token: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("the token is malformed") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ACCEPTED:
            raise InvalidToken("the token is not signed with RS256, PS256 or ES256")
        jwk = await self.keys.key(kid)
        if jwk is None:
            raise InvalidToken("the token is not signed with a key the identity provider publishes")
        key = self._parsed_key(jwk, algorithm)
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except jwt.PyJWTError as error:
            raise InvalidToken(f"the token is not accepted: {error}") from None
        try:
            return self._claims(payload)
        except (OverflowError, OSError, ValueError):  # a date beyond what the platform can hold
            raise InvalidToken("the token's dates are out of range") from None

    def _parsed_key(self, jwk: JsonObject, algorithm: str) -> jwt.PyJWK:
        # Reading a JWK into a key costs 50 to 120 us; the key material itself names the entry.
        material = (*(str(jwk.get(name)) for name in ("kty", "crv", "alg", "n", "e", "x", "y")), algorithm)
        key = self._parsed.get(material)
        if key is None:
            if len(self._parsed) >= 100:
                self._parsed.clear()
            key = self._parsed[material] = _key_for(jwk, algorithm)
        return key

    def _claims(self, payload: dict[str, Any]) -> TokenClaims:
        issued_at = payload.get("iat", payload["exp"])
        return TokenClaims(
            token_id=None,
            client=self._client(payload),
            scopes=_scopes(payload),
            issued_at=datetime.fromtimestamp(_seconds(issued_at), UTC),
            expires_at=datetime.fromtimestamp(_seconds(payload["exp"]), UTC),
        )

    def _client(self, payload: dict[str, Any]) -> str:
        for name in self.client_claims:
            value = payload.get(name)
            if isinstance(value, str) and value.strip():
                return value
        raise InvalidToken(f"the token names no client (none of {', '.join(self.client_claims)})")


def _key_for(jwk: JsonObject, algorithm: str) -> jwt.PyJWK:
    """The key with the algorithm it fixes; raises InvalidToken when the token asks for another."""
    fixed = jwk.get("alg")
    if fixed is None and jwk.get("kty") == "RSA":
        fixed = algorithm if algorithm in ("RS256", "PS256") else "RS256"
    elif fixed is None and jwk.get("kty") == "EC" and jwk.get("crv") == "P-256":
        fixed = "ES256"
    wrong_curve = jwk.get("kty") == "EC" and jwk.get("crv") != "P-256"
    if fixed != algorithm or ACCEPTED.get(algorithm) != jwk.get("kty") or wrong_curve:
        raise InvalidToken("the token's algorithm is not the one its key is for")
    try:
        return jwt.PyJWK(jwk, algorithm)
    except jwt.PyJWTError:
        raise InvalidToken("the identity provider's key cannot be read") from None


def _scopes(payload: dict[str, Any]) -> tuple[Scope, ...]:
    """Scopes from `scope` (space-separated, RFC 8693 section 4.2) or `scp` (a string or a list)."""
    value = payload.get("scope", payload.get("scp", ""))
    if isinstance(value, str):
        names = value.split()
    elif isinstance(value, list) and all(isinstance(name, str) for name in value):
        names = value
    else:
        raise InvalidToken("the token's scope is neither a string nor a list of strings")
    return tuple(_SCOPES[name] for name in dict.fromkeys(names) if name in _SCOPES)


def _seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidToken("the token's dates are not numbers of seconds")
    return float(value)


def _unverified_issuer(token: str) -> object:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    return claims.get("iss") if isinstance(claims, dict) else None
