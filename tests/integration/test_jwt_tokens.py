from __future__ import annotations

import base64
import hashlib
import hmac
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from adapters.jwt_tokens import JoseTokenAuthority, secret_in_file
from application.errors import ApplicationError, InvalidToken
from application.ports import TokenAuthority, TokenClaims
from domain.access import Scope

NOW = datetime.now(UTC).replace(microsecond=0)
CLAIMS = TokenClaims(uuid4(), "bank", (Scope.SEND, Scope.READ), NOW, NOW + timedelta(hours=1))


def authority(key: str = "s" * 40, **changes: str) -> JoseTokenAuthority:
    options = {"algorithm": "HS256", "issuer": "notifications", "audience": "notifications-api"} | changes
    return JoseTokenAuthority(verifying_key=key, signing_key=key, **options)


def test_a_signed_token_verifies_to_the_same_claims() -> None:
    assert isinstance(authority(), TokenAuthority)
    assert authority().verify(authority().sign(CLAIMS)) == CLAIMS


@pytest.mark.parametrize(
    "verifier",
    [
        authority("t" * 40),
        authority(audience="other"),
        authority(issuer="other"),
        authority(algorithm="HS512"),
    ],
    ids=["other key", "other audience", "other issuer", "other algorithm"],
)
def test_a_token_is_refused_by_a_verifier_that_expects_otherwise(verifier: JoseTokenAuthority) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify(authority().sign(CLAIMS))


def test_api_replicas_can_hold_only_the_public_key() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    issuer = JoseTokenAuthority("ES256", public, pem, "notifications", "notifications-api")
    replica = JoseTokenAuthority("ES256", public, None, "notifications", "notifications-api")
    assert replica.verify(issuer.sign(CLAIMS)) == CLAIMS
    with pytest.raises(ApplicationError):
        replica.sign(CLAIMS)
    with pytest.raises(InvalidToken):
        replica.verify(hs256_signed_with(public, issuer.sign(CLAIMS)))


def hs256_signed_with(secret: str, token: str) -> str:
    """The algorithm-confusion attack: the same claims, HMAC-signed with the public key."""
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
    payload = token.split(".")[1].encode()
    signature = hmac.new(secret.encode(), header + b"." + payload, hashlib.sha256).digest()
    return b".".join([header, payload, base64.urlsafe_b64encode(signature).rstrip(b"=")]).decode()


def test_the_embedded_secret_is_generated_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "jwt-secret"
    secret = secret_in_file(path)
    assert len(secret) >= 64
    assert secret_in_file(path) == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_remembered_token_still_expires() -> None:
    verifier = authority()
    soon = TokenClaims(uuid4(), "bank", (Scope.SEND,), NOW, datetime.now(UTC) + timedelta(seconds=1))
    token = verifier.sign(soon)
    assert verifier.verify(token).token_id == soon.token_id
    time.sleep(1.1)
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)
