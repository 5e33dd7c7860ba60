"""CORS from NOTIFICATIONS_CORS_ALLOW_ORIGINS: preflights, and the headers on every answer."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from bootstrap.settings import Settings, load_settings
from tests.unit.conftest import SMS

FRONTEND = "https://app.bank.example"
OTHER = "https://evil.example"
STATUS = "/v1/notifications/00000000-0000-4000-8000-000000000000"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_EVENT_STORE": "memory",
            "NOTIFICATIONS_CORS_ALLOW_ORIGINS": f"{FRONTEND}, http://localhost:5173",
        }
    )


def preflight(client: TestClient[Litestar], origin: str, method: str, *headers: str) -> httpx.Response:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = ", ".join(headers)
    return client.options("/v1/notifications", headers=asked)


def allowed_headers(response: httpx.Response) -> set[str]:
    return {name.strip().lower() for name in response.headers["Access-Control-Allow-Headers"].split(",")}


def assert_readable_by(response: httpx.Response, origin: str) -> None:
    assert response.headers["Access-Control-Allow-Origin"] == origin
    exposed = {name.strip() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Location", "X-Request-ID"} <= exposed
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_an_allowed_origins_preflight_for_a_post_with_its_headers_succeeds(
    client: TestClient[Litestar],
) -> None:
    answer = preflight(client, FRONTEND, "POST", "Authorization", "Content-Type", "Idempotency-Key")

    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert "POST" in answer.headers["Access-Control-Allow-Methods"]
    assert {"authorization", "content-type", "idempotency-key"} <= allowed_headers(answer)
    assert answer.headers["Vary"] == "Origin"
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_an_allowed_origins_preflight_for_a_get_succeeds(client: TestClient[Litestar]) -> None:
    answer = preflight(client, "http://localhost:5173", "GET", "authorization")

    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "GET" in answer.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    ("origin", "method", "headers"),
    [
        (OTHER, "POST", ("Authorization",)),
        ("https://app.bank.example.evil.example", "GET", ()),
        (FRONTEND.upper(), "GET", ()),
        (FRONTEND, "DELETE", ()),
        (FRONTEND, "POST", ("Authorization", "X-Api-Key")),
    ],
)
def test_a_preflight_for_another_origin_method_or_header_is_refused(
    client: TestClient[Litestar], origin: str, method: str, headers: tuple[str, ...]
) -> None:
    answer = preflight(client, origin, method, *headers)

    assert answer.status_code == 400
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert (problem["status"], problem["title"], problem["instance"]) == (
        400,
        "Bad request",
        "/v1/notifications",
    )
    assert problem["detail"].startswith("Disallowed CORS ")


def test_an_accepted_notification_is_readable_with_its_location_by_an_allowed_origin(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    answer = client.post("/v1/notifications", json=SMS, headers={**auth, "Origin": FRONTEND})

    assert answer.status_code == 202
    assert_readable_by(answer, FRONTEND)


@pytest.mark.parametrize(
    ("method", "path", "body", "with_token", "status"),
    [
        ("POST", "/v1/notifications", SMS, False, 401),
        ("GET", STATUS, None, False, 401),
        ("POST", "/v1/notifications", {"channel": "sms", "to": "12"}, True, 400),
        ("GET", STATUS, None, True, 404),
        ("PUT", STATUS, None, True, 405),
        ("GET", "/v1/nothing-here", None, True, 404),
    ],
)
def test_problem_answers_carry_the_cors_headers_for_an_allowed_origin(
    client: TestClient[Litestar],
    auth: dict[str, str],
    method: str,
    path: str,
    body: object,
    with_token: bool,
    status: int,
) -> None:
    headers = {"Origin": FRONTEND, **(auth if with_token else {})}
    answer = client.request(method, path, json=body, headers=headers)

    assert answer.status_code == status
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert_readable_by(answer, FRONTEND)


def test_another_origin_gets_the_answer_without_access_control_allow_origin(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    accepted = client.post("/v1/notifications", json=SMS, headers={**auth, "Origin": OTHER})
    refused = client.get(STATUS, headers={"Origin": OTHER})

    assert (accepted.status_code, refused.status_code) == (202, 401)
    for answer in (accepted, refused):
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert answer.headers["Vary"] == "Origin"


def test_an_answer_without_origin_still_varies_by_origin(client: TestClient[Litestar]) -> None:
    assert client.get("/health/live").headers["Vary"] == "Origin"
