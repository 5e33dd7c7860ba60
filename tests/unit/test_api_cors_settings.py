"""NOTIFICATIONS_CORS_ALLOW_ORIGINS off, `*`, and origins written as browsers would never send them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from litestar.testing import TestClient

from bootstrap.settings import SettingsError, load_settings
from entrypoints.http.app import create_app
from entrypoints.processes import container_for

ORIGIN = "https://app.bank.example"


@contextmanager
def client_with(tmp_path: Path, **variables: str) -> Iterator[TestClient]:  # type: ignore[type-arg]
    environ = {"NOTIFICATIONS_DATA_DIR": str(tmp_path), "NOTIFICATIONS_EVENT_STORE": "memory"}
    settings = load_settings(environ | {f"NOTIFICATIONS_{name}": value for name, value in variables.items()})
    with TestClient(create_app(container_for(settings), run_worker=False)) as client:
        yield client


def test_without_origins_cors_is_off(tmp_path: Path) -> None:
    with client_with(tmp_path) as client:
        preflight = client.options(
            "/v1/notifications", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
        )
        answer = client.get("/health/live", headers={"Origin": ORIGIN})

        for response in (preflight, answer):
            assert not [name for name in response.headers if name.lower().startswith("access-control-")]
            assert "Vary" not in response.headers


def test_a_lone_star_allows_any_origin_without_credentials(tmp_path: Path) -> None:
    with client_with(tmp_path, CORS_ALLOW_ORIGINS="*") as client:
        preflight = client.options(
            "/v1/notifications",
            headers={
                "Origin": "https://anywhere.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, idempotency-key",
            },
        )
        answer = client.get("/health/live", headers={"Origin": "https://anywhere.example"})

        refused = client.options(
            "/v1/notifications",
            headers={"Origin": "https://anywhere.example", "Access-Control-Request-Method": "PATCH"},
        )

        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert refused.status_code == 400 and refused.json()["detail"].startswith("Disallowed CORS method")
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert "Location" in answer.headers["Access-Control-Expose-Headers"]
        for response in (preflight, answer):
            assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("https://*.bank.example", "has a wildcard"),
        ("*, https://bank.example", "has a wildcard"),
        ("https://bank.example/", "remove the path"),
        ("https://bank.example/app", "remove the path"),
        ("https://bank.example:443", "default port"),
        ("http://bank.example:80", "default port"),
        ("https://Bank.Example", "lower case"),
        ("bank.example", "is not an origin"),
        ("ftp://bank.example", "is not an origin"),
        ("https://user@bank.example", "is not an origin"),
        ("https://bank.example:99999", "is not an origin"),
    ],
)
def test_an_origin_browsers_never_send_stops_the_start_with_one_line(value: str, reason: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"NOTIFICATIONS_CORS_ALLOW_ORIGINS": value})

    message = str(raised.value)
    assert message.startswith("invalid setting NOTIFICATIONS_CORS_ALLOW_ORIGINS: ")
    assert reason in message and "\n" not in message


def test_the_demo_page_may_not_connect_anywhere() -> None:
    with pytest.raises(
        SettingsError, match=r"^invalid setting NOTIFICATIONS_DEMO_API_ORIGINS: '\*' has a wildcard$"
    ):
        load_settings({"NOTIFICATIONS_DEMO_API_ORIGINS": "*"})


def test_origins_are_read_without_blanks() -> None:
    settings = load_settings({"NOTIFICATIONS_CORS_ALLOW_ORIGINS": " https://a.example ,, http://[::1]:8080 "})

    assert settings.cors_origins == ("https://a.example", "http://[::1]:8080")
