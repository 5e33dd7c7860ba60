"""Fineract's routes in process: mounted only when asked, bad bodies answered as problem details."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from bootstrap.container import Container
from bootstrap.settings import Settings, load_settings
from entrypoints.http.app import create_app
from entrypoints.processes import container_for
from tests.unit.conftest import PROBLEM

SMS = {"internalId": 1, "mobileNumber": "+254712345678", "message": "Hello"}


def fineract_settings(tmp_path: Path, **more: str) -> Settings:
    return load_settings(
        {
            "NOTIFICATIONS_DATA_DIR": str(tmp_path),
            "NOTIFICATIONS_EVENT_STORE": "memory",
            "NOTIFICATIONS_FINERACT": "true",
            **{f"NOTIFICATIONS_{k.upper()}": v for k, v in more.items()},
        }
    )


@pytest.fixture
def fineract(tmp_path: Path) -> Iterator[tuple[TestClient[Litestar], Container, dict[str, str]]]:
    container = container_for(fineract_settings(tmp_path))
    with TestClient(create_app(container, run_worker=False)) as client:
        tenants = container.fineract_tenants()
        _, key = client.blocking_portal.call(tenants.add_tenant, "default")
        headers = {"Fineract-Platform-TenantId": "default", "Fineract-Tenant-App-Key": key}
        yield client, container, headers


def test_the_routes_are_not_there_unless_asked(client: TestClient[Litestar]) -> None:
    assert client.post("/sms", content=b"[]").status_code == 404
    assert client.get("/smsbridges").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"[1", "body"),
        (b"{}", "body"),
        (b'[{"mobileNumber": "+254712345678"}]', "body[0].internalId"),
        (b'[{"internalId": "1"}]', "body[0].internalId"),
        (b'[{"internalId": 9223372036854775808}]', "body[0].internalId"),
        (b'[{"internalId": 1, "internalId": 2}]', "[0].internalId"),
        (json.dumps([SMS] * 5001).encode(), "body"),
    ],
)
def test_a_batch_fineract_could_not_have_sent_is_a_400_naming_the_field(
    fineract: tuple[TestClient[Litestar], Container, dict[str, str]], body: bytes, field: str
) -> None:
    client, _, headers = fineract
    answer = client.post("/sms", content=body, headers=headers | {"Content-Type": "application/json"})
    assert (answer.status_code, answer.headers["content-type"]) == (400, PROBLEM), answer.text
    assert answer.json()["invalid_params"][0]["name"].endswith(field.removeprefix("body"))


@pytest.mark.parametrize("body", [b'["1"]', b"[1.5]", b"[null]", b"[99999999999999999999]"])
def test_a_report_request_of_anything_but_long_ids_is_a_400(
    fineract: tuple[TestClient[Litestar], Container, dict[str, str]], body: bytes
) -> None:
    client, _, headers = fineract
    answer = client.post("/sms/report", content=body, headers=headers | {"Content-Type": "application/json"})
    assert (answer.status_code, answer.headers["content-type"]) == (400, PROBLEM), answer.text


def test_another_media_type_is_a_415(
    fineract: tuple[TestClient[Litestar], Container, dict[str, str]],
) -> None:
    client, _, headers = fineract
    answer = client.post("/sms", content=b"[]", headers=headers | {"Content-Type": "text/plain"})
    assert (answer.status_code, answer.headers["content-type"]) == (415, PROBLEM)


def test_a_bearer_token_is_no_way_in(
    fineract: tuple[TestClient[Litestar], Container, dict[str, str]],
) -> None:
    client, container, _ = fineract
    from tests.conftest import issue

    token = client.blocking_portal.call(issue, container)
    answer = client.post("/sms", json=[SMS], headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Fineract-Tenant-App-Key")


def test_the_api_is_served_under_the_configured_path(tmp_path: Path) -> None:
    container = container_for(fineract_settings(tmp_path, fineract_path="/gateway/v1"))
    with TestClient(create_app(container, run_worker=False)) as client:
        _, key = client.blocking_portal.call(container.fineract_tenants().add_tenant, "default")
        headers = {"Fineract-Platform-TenantId": "default", "Fineract-Tenant-App-Key": key}
        sent = client.post("/gateway/v1/sms", json=[SMS], headers=headers)
        assert sent.status_code == 202, sent.text
        report: Any = client.post("/gateway/v1/sms/report", json=[1], headers=headers).json()
        assert [row["deliveryStatus"] for row in report] == [100]
        assert client.post("/sms", json=[SMS], headers=headers).status_code == 404


@pytest.mark.parametrize("path", ["gateway", "/gateway/", "/a b", "//x"])
def test_a_path_that_is_no_path_is_a_bad_setting(tmp_path: Path, path: str) -> None:
    from bootstrap.settings import SettingsError

    with pytest.raises(SettingsError, match="NOTIFICATIONS_FINERACT_PATH"):
        fineract_settings(tmp_path, fineract_path=path)


@pytest.mark.parametrize("code", ["0", "1234", "+254", "x"])
def test_a_country_code_that_is_none_is_a_bad_setting(tmp_path: Path, code: str) -> None:
    from bootstrap.settings import SettingsError

    with pytest.raises(SettingsError, match="NOTIFICATIONS_FINERACT_DEFAULT_COUNTRY_CODE"):
        fineract_settings(tmp_path, fineract_default_country_code=code)


def test_an_id_written_as_a_whole_float_is_that_id(
    fineract: tuple[TestClient[Litestar], Container, dict[str, str]],
) -> None:
    client, _, headers = fineract
    assert client.post("/sms", json=[SMS | {"internalId": 7.0}], headers=headers).status_code == 202
    json_headers = headers | {"Content-Type": "application/json"}
    rows = client.post("/sms/report", content=b"[7.0, 7]", headers=json_headers).json()
    assert [(row["id"], row["deliveryStatus"]) for row in rows] == [("7", 100), ("7", 100)]
