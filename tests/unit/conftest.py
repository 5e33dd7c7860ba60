"""Fixtures for the HTTP API tests: the app on the test container, a client, and bearer tokens."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from jose import jwt
from litestar import Litestar
from litestar.testing import TestClient

from bootstrap.container import Container
from bootstrap.settings import Settings
from domain.access import Scope
from entrypoints.http.app import create_app
from tests.conftest import issue

PROBLEM = "application/problem+json"
SMS = {"channel": "sms", "to": "+15551234567", "body": "Your code is 123456", "reference": "sms-1"}
WHATSAPP = {
    "channel": "whatsapp",
    "to": "+447911123456",
    "body": "Your parcel is on its way",
    "reference": "wa-1",
}
EMAIL = {
    "channel": "email",
    "to": ["ada@example.org"],
    "cc": ["bob@example.org"],
    "bcc": ["audit@example.org"],
    "reply_to": "support@example.org",
    "subject": "Your statement is ready",
    "text": "Hello Ada, your statement is ready.",
    "html": "<p>Hello Ada, your statement is ready.</p>",
    "reference": "email-1",
}

Bearer = Callable[..., dict[str, str]]


@pytest.fixture
def app(container: Container) -> Litestar:
    return create_app(container, run_worker=False)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def bearer(client: TestClient[Litestar], container: Container) -> Bearer:
    """Issues a real token through the register and returns the Authorization header carrying it."""

    def make(client_name: str = "bank", scopes: list[Scope] | None = None) -> dict[str, str]:
        token = client.blocking_portal.call(issue, container, client_name, scopes)
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def auth(bearer: Bearer) -> dict[str, str]:
    """The Authorization header of client "bank", with every scope."""
    return bearer()


@pytest.fixture
def stored(client: TestClient[Litestar], container: Container) -> Callable[[], list[uuid.UUID]]:
    """Returns the ids of every notification recorded in the event store, in log order."""

    def ids() -> list[uuid.UUID]:
        logged = client.blocking_portal.call(container.event_store().requested_after, 0, 1000)
        return [request.notification_id for request in logged]

    return ids


@pytest.fixture
def forge(container: Container, settings: Settings) -> Callable[..., str]:
    """Signs claims by hand: a valid token by default; override, drop, re-key or re-sign it."""

    def make(
        key: str | None = None, algorithm: str = "HS256", drop: tuple[str, ...] = (), **overrides: Any
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "sub": "bank",
            "jti": str(uuid.uuid4()),
            "iat": now,
            "exp": now + 3600,
            "scope": f"{Scope.SEND} {Scope.READ}",
            **overrides,
        }
        for claim in drop:
            del claims[claim]
        return str(jwt.encode(claims, key or container.token_authority().signing_key, algorithm=algorithm))

    return make


def unsigned_token(claims: dict[str, Any]) -> str:
    """An `alg: none` token: a header and a payload, and an empty signature."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def without_instance(problem: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in problem.items() if name != "instance"}
