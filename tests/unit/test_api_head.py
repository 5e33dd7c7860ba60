"""HEAD is answered on every route that answers GET: the same status and headers, no body."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from tests.unit.conftest import SMS

IGNORED = {"x-request-id", "date"}  # differ from one request to the next
CHANGING = {"/metrics"}  # a scrape counts the request before it: its length differs from one to the next


def get_paths(app: Litestar, notification_id: str) -> list[str]:
    """Every GET route of the app, its path parameters filled in, so a new route is covered."""
    values = {uuid.UUID: notification_id, str: "openapi.json", Path: "swagger-ui.css"}
    paths = []
    for route in app.routes:
        if isinstance(route, HTTPRoute) and "GET" in route.methods:
            fill = {name: values[p.type] for name, p in route.path_parameters.items()}
            paths.append(route.path_format.format(**fill))
    return paths


def answer(response: httpx.Response) -> tuple[int, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k not in IGNORED}
    return response.status_code, headers


def test_every_get_route_answers_head_with_the_same_status_and_headers_and_no_body(
    app: Litestar, client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    notification_id = client.post("/v1/notifications", json=SMS, headers=auth).json()["id"]
    paths = get_paths(app, notification_id)
    assert {"/health/live", f"/v1/notifications/{notification_id}", "/schema"} <= set(paths)
    for path in paths:
        got, head = client.get(path, headers=auth), client.head(path, headers=auth)
        if path in CHANGING:
            got.headers["content-length"] = head.headers["content-length"]
        assert answer(head) == answer(got), path
        assert head.content == b"", path
        assert path in CHANGING or int(head.headers["content-length"]) == len(got.content), path


@pytest.mark.parametrize("path", ["/health/live", "/v1/notifications/{id}"])
def test_head_on_health_and_a_notification_is_200(
    client: TestClient[Litestar], auth: dict[str, str], path: str
) -> None:
    notification_id = client.post("/v1/notifications", json=SMS, headers=auth).json()["id"]
    response = client.head(path.format(id=notification_id), headers=auth)
    assert response.status_code == 200
    assert response.content == b""


def test_head_where_there_is_no_get_is_still_405_naming_what_is_allowed(
    client: TestClient[Litestar], auth: dict[str, str]
) -> None:
    response = client.head("/v1/notifications", headers=auth)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_head_needs_the_same_token_as_get(client: TestClient[Litestar]) -> None:
    assert client.head(f"/v1/notifications/{uuid.uuid4()}").status_code == 401
