"""JWT bearer tokens on python-jose, with the algorithm pinned and every claim required.

Every token that is not valid, however malformed its claims, raises InvalidToken (a 401 over HTTP).
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from jose import jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError

from application.errors import ApplicationError, InvalidToken
from application.ports import TokenClaims
from domain.access import Scope

_REQUIRED = ("exp", "iat", "sub", "aud", "iss", "jti")
VERIFIED_CACHE_SIZE = 10_000
CLOCK_LEEWAY = timedelta(seconds=60)
"""How far in the future a token's `iat` and `nbf` may lie: the issuer's clock may run ahead of ours."""
_LATEST_DATE = datetime(9999, 1, 1, tzinfo=UTC)


class JoseTokenAuthority:
    def __init__(
        self,
        algorithm: str,
        verifying_key: str,
        signing_key: str | None,
        issuer: str,
        audience: str,
    ) -> None:
        self.algorithm = algorithm
        self.verifying_key = verifying_key
        self.signing_key = signing_key
        self.issuer = issuer
        self.audience = audience
        self._verified: dict[str, TokenClaims] = {}

    def sign(self, claims: TokenClaims) -> str:
        if self.signing_key is None:
            raise ApplicationError("this process holds no signing key, only the key that verifies")
        payload = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": claims.client,
            "jti": str(claims.token_id),
            "iat": int(claims.issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
            "scope": " ".join(claims.scopes),
        }
        return str(jwt.encode(payload, self.signing_key, algorithm=self.algorithm))

    def verify(self, token: str) -> TokenClaims:
        """Verifies a token once; until it expires, the same token is answered from memory."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        if claims.expires_at <= datetime.now(UTC):
            del self._verified[token]
            raise InvalidToken("the token has expired")
        return claims

    def _verify(self, token: str) -> TokenClaims:
        try:
            return self._decode(token)
        except InvalidToken:
            raise
        except ExpiredSignatureError:
            raise InvalidToken("the token has expired") from None
        except JWTClaimsError as error:
            raise InvalidToken(f"the token's claims are not accepted: {error}") from None
        except Exception:  # whatever a forged or corrupt token makes the library raise: never a 5xx
            raise InvalidToken("the token is malformed or badly signed") from None

    def _decode(self, token: str) -> TokenClaims:
        if jwt.get_unverified_header(token).get("alg") != self.algorithm:
            raise InvalidToken("the token is not signed with the expected algorithm")
        claims = jwt.decode(
            token,
            self.verifying_key,
            algorithms=[self.algorithm],
            audience=self.audience,
            issuer=self.issuer,
            options={"leeway": int(CLOCK_LEEWAY.total_seconds())}
            | {f"require_{claim}": True for claim in _REQUIRED},
        )
        issued_at = _not_after_now("iat", _numeric_date(claims, "iat"))
        if "nbf" in claims:
            _not_after_now("nbf", _numeric_date(claims, "nbf"))
        return TokenClaims(
            token_id=UUID(_string(claims, "jti")),
            client=_string(claims, "sub"),
            scopes=_scopes(claims.get("scope", "")),
            issued_at=issued_at,
            expires_at=_numeric_date(claims, "exp"),
        )


def _numeric_date(claims: dict[str, Any], name: str) -> datetime:
    """A NumericDate claim (RFC 7519 section 2): whole seconds since the epoch, before the year 9999."""
    value = claims[name]
    if type(value) is not int or not 0 <= value < _LATEST_DATE.timestamp():
        raise InvalidToken(f"the token's {name} is not a date in whole seconds since 1970")
    return datetime.fromtimestamp(value, UTC)


def _not_after_now(name: str, moment: datetime) -> datetime:
    if moment > datetime.now(UTC) + CLOCK_LEEWAY:
        raise InvalidToken(f"the token's {name} is in the future")
    return moment


def _string(claims: dict[str, Any], name: str) -> str:
    value = claims[name]
    if not isinstance(value, str):
        raise InvalidToken(f"the token's {name} is not a string")
    return value


def _scopes(value: object) -> tuple[Scope, ...]:
    if not isinstance(value, str):
        raise InvalidToken("the token's scope is not a string")
    names = value.split()
    return tuple(Scope(name) for name in names if name in Scope.__members__.values())


def secret_in_file(path: Path) -> str:
    """Returns the HS256 secret kept in the file, generating it (mode 0600) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(64))
    return path.read_text().strip()
