"""The limits' settings: off unless set (then nothing is asked per request), a burst that needs a rate."""

from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap.settings import SettingsError, load_settings
from domain.limits import Rate
from entrypoints.processes import container_for


def settings_with(tmp_path: Path, **more: str) -> dict[str, str]:
    base = {"NOTIFICATIONS_DATA_DIR": str(tmp_path), "NOTIFICATIONS_EVENT_STORE": "memory"}
    return base | {f"NOTIFICATIONS_{name.upper()}": value for name, value in more.items()}


def test_with_the_limits_off_no_use_case_holds_them(tmp_path: Path) -> None:
    container = container_for(load_settings(settings_with(tmp_path)))
    assert container.client_rate_limit() is None
    assert container.notifications().guard is None
    assert container.fineract_gateway().guard is None


def test_the_burst_is_the_rate_unless_set_and_at_least_one(tmp_path: Path) -> None:
    assert load_settings(settings_with(tmp_path, client_rate_limit="20")).client_rate == Rate(20, 20)
    assert load_settings(settings_with(tmp_path, client_rate_limit="0.5")).client_rate == Rate(0.5, 1)
    both = settings_with(tmp_path, client_rate_limit="5", client_rate_burst="50")
    assert load_settings(both).client_rate == Rate(5, 50)


@pytest.mark.parametrize(
    ("more", "message"),
    [
        (
            {"client_rate_burst": "10"},
            "NOTIFICATIONS_CLIENT_RATE_BURST: needs NOTIFICATIONS_CLIENT_RATE_LIMIT",
        ),
        (
            {"client_rate_limit": "5", "client_rate_burst": "0.5"},
            "NOTIFICATIONS_CLIENT_RATE_BURST: must be at least 1",
        ),
        ({"client_rate_limit": "-1"}, "NOTIFICATIONS_CLIENT_RATE_LIMIT"),
        ({"recipient_hourly_limit": "1.5"}, "NOTIFICATIONS_RECIPIENT_HOURLY_LIMIT"),
    ],
)
def test_a_bad_limit_stops_the_start_naming_it(tmp_path: Path, more: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(settings_with(tmp_path, **more))


def test_the_description_lists_the_429_and_its_retry_after(tmp_path: Path) -> None:
    from litestar.testing import TestClient

    from entrypoints.http.app import create_app

    container = container_for(load_settings(settings_with(tmp_path)))
    with TestClient(create_app(container, run_worker=False)) as client:
        send = client.get("/schema/openapi.json").json()["paths"]["/v1/notifications"]["post"]
    assert "Retry-After" in send["responses"]["429"]["headers"]
    assert "NOTIFICATIONS_CLIENT_RATE_LIMIT" in send["responses"]["429"]["description"]
