"""X-Request-ID: every response carries one; an acceptable one the caller gives is echoed back."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from domain.access import Scope
from tests.unit.conftest import SMS, Bearer

Call = Callable[[TestClient[Litestar], dict[str, str], Bearer], httpx.Response]
FRESH_ID = re.compile(r"[0-9a-f]{32}")

CALLS = [
    pytest.param(lambda c, auth, bearer: c.post("/v1/notifications", json=SMS, headers=auth), 202, id="202"),
    pytest.param(lambda c, auth, bearer: c.get("/health/live"), 200, id="200 health"),
    pytest.param(lambda c, auth, bearer: c.get("/schema/openapi.json"), 200, id="200 schema"),
    pytest.param(lambda c, auth, bearer: c.post("/v1/notifications", json={}, headers=auth), 400, id="400"),
    pytest.param(
        lambda c, auth, bearer: c.post("/v1/notifications", json=SMS, headers=bearer(scopes=[Scope.READ])),
        403,
        id="403",
    ),
    pytest.param(
        lambda c, auth, bearer: c.get(f"/v1/notifications/{uuid.uuid4()}", headers=auth), 404, id="404"
    ),
    pytest.param(
        lambda c, auth, bearer: c.post("/v1/notifications", content=b"x" * (1100 * 1024), headers=auth),
        413,
        id="413",
    ),
    pytest.param(
        lambda c, auth, bearer: [
            c.post("/v1/notifications", json={**SMS, "body": body}, headers={**auth, "Idempotency-Key": "k"})
            for body in ("one", "two")
        ][-1],
        422,
        id="422",
    ),
    pytest.param(
        lambda c, auth, bearer: c.post("/v1/notifications", json=SMS),
        401,
        id="401 without a token",
    ),
    pytest.param(
        lambda c, auth, bearer: c.post(
            "/v1/notifications", json=SMS, headers={"Authorization": "Bearer x.y.z"}
        ),
        401,
        id="401 with a bad token",
    ),
    pytest.param(
        lambda c, auth, bearer: c.get("/v1/nothing-here", headers=auth),
        404,
        id="404 unknown route",
    ),
    pytest.param(
        lambda c, auth, bearer: c.delete(f"/v1/notifications/{uuid.uuid4()}", headers=auth),
        405,
        id="405",
    ),
]


@pytest.mark.parametrize(("call", "status"), CALLS)
def test_every_response_carries_a_fresh_request_id(
    client: TestClient[Litestar], auth: dict[str, str], bearer: Bearer, call: Call, status: int
) -> None:
    response = call(client, auth, bearer)

    assert response.status_code == status
    assert FRESH_ID.fullmatch(response.headers.get("X-Request-ID", ""))


@pytest.mark.parametrize(("call", "status"), CALLS)
def test_an_acceptable_request_id_is_echoed_back_on_every_response(
    client: TestClient[Litestar], auth: dict[str, str], bearer: Bearer, call: Call, status: int
) -> None:
    client.headers["X-Request-ID"] = "trace-2026.01:abc_DEF-42"

    response = call(client, auth, bearer)

    assert response.status_code == status
    assert response.headers.get("X-Request-ID") == "trace-2026.01:abc_DEF-42"


def test_two_requests_without_an_id_get_two_different_ids(client: TestClient[Litestar]) -> None:
    first = client.get("/health/live").headers["X-Request-ID"]
    second = client.get("/health/live").headers["X-Request-ID"]

    assert first != second


@pytest.mark.parametrize(
    "given",
    [
        pytest.param("has a space", id="space"),
        pytest.param("x" * 129, id="over 128 characters"),
        pytest.param("<script>", id="markup"),
        pytest.param("", id="empty"),
    ],
)
def test_an_unacceptable_request_id_is_replaced_by_a_fresh_one(
    client: TestClient[Litestar], given: str
) -> None:
    response = client.get("/health/live", headers={"X-Request-ID": given})

    assert response.status_code == 200
    assert FRESH_ID.fullmatch(response.headers["X-Request-ID"])
