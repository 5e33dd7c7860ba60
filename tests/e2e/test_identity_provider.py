"""Tokens from a real OpenID provider (npm's oidc-provider), accepted by `notifications serve` running
as a process, next to the tokens of `notifications token issue`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from tests.e2e.conftest import Service
from tests.identity_provider import AUDIENCE, CLIENT, OpenIdProvider, SigningKey

SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 1234"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def oidc_service(folder: Path, provider: OpenIdProvider) -> Service:
    service = Service(folder)
    service.env |= {"NOTIFICATIONS_OIDC_ISSUER": provider.issuer, "NOTIFICATIONS_OIDC_AUDIENCE": AUDIENCE}
    return service


def cli_token(service: Service, client: str) -> str:
    issued = service.cli("token", "issue", "--client", client, "--expires-in", "1h")
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


def post(service: Service, token: str) -> httpx.Response:
    return httpx.post(f"{service.url}/v1/notifications", json=SMS, headers=bearer(token), timeout=10)


def get(service: Service, token: str, notification_id: str) -> httpx.Response:
    return httpx.get(f"{service.url}/v1/notifications/{notification_id}", headers=bearer(token), timeout=10)


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIdProvider]:
    provider = OpenIdProvider(tmp_path_factory.mktemp("oidc"))
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, provider: OpenIdProvider) -> Iterator[Service]:
    service = oidc_service(tmp_path_factory.mktemp("service"), provider)
    service.start()
    yield service
    service.terminate()


@pytest.fixture
def own_provider(tmp_path: Path) -> Iterator[OpenIdProvider]:
    """A provider for one test, which the test may stop or rotate."""
    provider = OpenIdProvider(tmp_path / "provider")
    provider.folder.mkdir()
    yield provider
    provider.stop()


@pytest.fixture
def own_service(tmp_path: Path, own_provider: OpenIdProvider) -> Iterator[Service]:
    service = oidc_service(tmp_path, own_provider)
    yield service
    if service.process and service.process.poll() is None:
        service.kill()


@pytest.mark.parametrize(
    "resource", ["urn:notifications", "urn:notifications:ps256", "urn:notifications:es256"]
)
def test_a_client_credentials_token_from_the_provider_sends_and_reads(
    service: Service, provider: OpenIdProvider, resource: str
) -> None:
    token = provider.token(resource)
    sent = post(service, token)
    assert sent.status_code == 202, sent.text
    read = get(service, token, sent.json()["id"])
    assert read.status_code == 200, read.text
    assert read.json()["id"] == sent.json()["id"]


def test_the_token_speaks_for_the_client_the_provider_names(
    service: Service, provider: OpenIdProvider
) -> None:
    notification_id = post(service, provider.token()).json()["id"]
    assert get(service, cli_token(service, CLIENT), notification_id).status_code == 200
    assert get(service, cli_token(service, "another-client"), notification_id).status_code == 404


def test_tokens_of_the_command_line_keep_working_alongside(service: Service) -> None:
    token = cli_token(service, "bank")
    sent = post(service, token)
    assert sent.status_code == 202, sent.text
    assert get(service, token, sent.json()["id"]).status_code == 200


def test_a_token_without_the_routes_scope_is_forbidden(service: Service, provider: OpenIdProvider) -> None:
    reader = provider.token(scope="notifications:read")
    answer = post(service, reader)
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    sent = post(service, provider.token(scope="notifications:send")).json()
    assert get(service, reader, sent["id"]).status_code == 200


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def _hmac_with_public_key(provider: OpenIdProvider) -> str:
    key = provider.keys[0]
    public = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_segment({'alg': 'HS256', 'kid': key.kid})}.{_segment(provider.claims())}"
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _tampered(provider: OpenIdProvider) -> str:
    header, _, signature = provider.token(scope="notifications:read").split(".")
    return f"{header}.{_segment(provider.claims())}.{signature}"  # claims a scope it was not granted


BAD_TOKENS = {  # how to make the token, and the words of the 401 that show why it was refused
    "wrong audience": (lambda p: p.token("urn:another-api"), "Audience doesn't match"),
    "wrong issuer": (lambda p: p.keys[0].sign(p.claims(iss="http://127.0.0.1:1"), "RS256"), "algorithm"),
    "expired": (lambda p: p.keys[0].sign(p.claims(iat=1_700_000_000, exp=1_700_000_600), "RS256"), "expired"),
    "unknown kid": (
        lambda p: SigningKey("rsa-not-published", "RSA").sign(p.claims(), "RS256"),
        "not signed with a key the identity provider publishes",
    ),
    "tampered": (_tampered, "Signature verification failed"),
    "HS256 with the public key": (_hmac_with_public_key, "not signed with RS256, PS256 or ES256"),
    "alg none": (
        lambda p: f"{_segment({'alg': 'none', 'kid': p.keys[0].kid})}.{_segment(p.claims())}.",
        "not signed with RS256, PS256 or ES256",
    ),
    "no aud": (lambda p: p.keys[0].sign(p.claims(aud=None), "RS256"), 'missing the "aud" claim'),
    "RS256 on the EC key": (
        lambda p: p.keys[0].sign(p.claims(), "RS256", kid=p.keys[1].kid),
        "not the one its key is for",
    ),
}


@pytest.mark.parametrize("case", BAD_TOKENS)
def test_a_token_the_provider_did_not_issue_for_us_is_unauthorized(
    service: Service, provider: OpenIdProvider, case: str
) -> None:
    make, why = BAD_TOKENS[case]
    answer = post(service, make(provider))
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.headers["content-type"] == "application/problem+json"
    assert why in answer.json()["detail"]


def test_keys_rotated_at_the_provider_are_picked_up_without_a_restart(
    own_service: Service, own_provider: OpenIdProvider
) -> None:
    own_provider.start()
    own_service.start()
    assert post(own_service, own_provider.token()).status_code == 202
    own_provider.rotate()
    token = own_provider.token()
    assert json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==")).get("kid") == "rsa-2"
    answer = post(own_service, token)
    assert answer.status_code == 202, answer.text


def test_a_provider_that_is_down_does_not_stop_tokens_signed_by_cached_keys(
    own_service: Service, own_provider: OpenIdProvider
) -> None:
    own_provider.start()
    own_service.start()
    first, second = own_provider.token(), own_provider.token("urn:notifications:es256")
    assert post(own_service, first).status_code == 202
    own_provider.stop()
    answer = post(own_service, second)
    assert answer.status_code == 202, answer.text
    assert "oidc.keys_loaded" in own_service.log.read_text()


def test_the_service_starts_while_the_provider_is_down_and_takes_its_tokens_once_it_is_up(
    own_service: Service, own_provider: OpenIdProvider
) -> None:
    own_service.start()
    assert post(own_service, cli_token(own_service, "bank")).status_code == 202
    assert "oidc.keys_unavailable" in own_service.log.read_text()
    own_provider.start()
    answer = post(own_service, own_provider.token())
    assert answer.status_code == 202, answer.text


def test_the_providers_tokens_never_reach_the_log(service: Service, provider: OpenIdProvider) -> None:
    good, bad = provider.token(), _tampered(provider)
    assert post(service, good).status_code == 202
    assert post(service, bad).status_code == 401
    logged = service.log.read_text()
    assert logged.count('"http.request"') >= 2  # the requests were logged, without their tokens
    for token in (good, bad):
        assert token not in logged
        assert token.split(".")[2] not in logged
