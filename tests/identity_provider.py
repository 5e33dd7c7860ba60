"""A real OpenID provider for the tests: npm's oidc-provider (certified), run in a Node process.

It grants client-credentials tokens as JWTs (RFC 9068) for resource servers named by `resource`
(RFC 8707). The test holds the provider's private keys too, to make the tokens a provider must
never be trusted for (expired, without `aud`, `alg: none`...) with the very keys the service trusts.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from tests.queue_servers import free_port

FOLDER = Path(__file__).parent / "oidc_provider"
AUDIENCE = "https://notifications.bank.example"
CLIENT, SECRET = "web-banking", "a-client-secret-for-the-tests-only"
SCOPES = "notifications:send notifications:read"
RESOURCES = {
    "urn:notifications": {"audience": AUDIENCE, "scope": SCOPES, "alg": "RS256"},
    "urn:notifications:ps256": {"audience": AUDIENCE, "scope": SCOPES, "alg": "PS256"},
    "urn:notifications:es256": {"audience": AUDIENCE, "scope": SCOPES, "alg": "ES256"},
    "urn:another-api": {"audience": "https://another-api.bank.example", "scope": SCOPES, "alg": "RS256"},
}


class SigningKey:
    """A private key and its public JWK, as the provider publishes it."""

    def __init__(self, kid: str, kty: str) -> None:
        self.kid = kid
        if kty == "RSA":
            self.private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            private_jwk = RSAAlgorithm.to_jwk(self.private, as_dict=True)
        else:
            self.private = ec.generate_private_key(ec.SECP256R1())
            private_jwk = ECAlgorithm.to_jwk(self.private, as_dict=True)
        self.private_jwk = {**private_jwk, "kid": kid, "use": "sig"}

    def sign(self, claims: dict[str, Any], algorithm: str, **header: Any) -> str:
        return jwt.encode(claims, self.private, algorithm=algorithm, headers={"kid": self.kid, **header})


class OpenIdProvider:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.keys = [SigningKey("rsa-1", "RSA"), SigningKey("ec-1", "EC")]
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if not (FOLDER / "node_modules" / "oidc-provider").exists():
            npm = shutil.which("npm")
            assert npm, "the OpenID provider needs Node.js and npm"
            subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=FOLDER, check=True)
        config = self.folder / "provider.json"
        config.write_text(
            json.dumps(
                {
                    "port": self.port,
                    "keys": [key.private_jwk for key in self.keys],
                    "clients": [{"client_id": CLIENT, "client_secret": SECRET, "scope": SCOPES}],
                    "resources": RESOURCES,
                    "default_resource": "urn:notifications",
                }
            )
        )
        with (self.folder / "provider.log").open("ab") as log:
            self._process = subprocess.Popen(
                ["node", str(FOLDER / "provider.mjs"), str(config)], stdout=log, stderr=log
            )
        self._wait_for_discovery()

    def stop(self) -> None:
        if self._process:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def rotate(self) -> None:
        """Restarts the provider with new keys only (new key ids): what a key rotation publishes."""
        self.stop()
        generation = int(self.keys[0].kid.rsplit("-", 1)[1]) + 1
        self.keys = [SigningKey(f"rsa-{generation}", "RSA"), SigningKey(f"ec-{generation}", "EC")]
        self.start()

    def token(self, resource: str = "urn:notifications", scope: str = SCOPES) -> str:
        """A client-credentials grant (RFC 6749, section 4.4) at the provider's token endpoint."""
        answer = httpx.post(
            f"{self.issuer}/token",
            data={"grant_type": "client_credentials", "resource": resource, "scope": scope},
            auth=(CLIENT, SECRET),
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def claims(self, **changes: Any) -> dict[str, Any]:
        """Claims as the provider's tokens carry them, changed or (with None) left out."""
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": AUDIENCE, "client_id": CLIENT, "sub": CLIENT}
        claims |= {"iat": now, "exp": now + 600, "scope": SCOPES, "jti": f"t{time.monotonic_ns()}"}
        claims |= changes
        return {name: value for name, value in claims.items() if value is not None}

    def _wait_for_discovery(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self._process and self._process.poll() is None, (self.folder / "provider.log").read_text()
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("the OpenID provider did not answer its discovery document")
